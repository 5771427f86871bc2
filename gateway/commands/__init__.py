"""The command path: the bus that decides commands and records them with their events.

`bus` handles one command or a batch; `batches` is the batch path, `records` what a command
leaves behind (its record, its events as rows), `state_cache` the streams' states in memory.
"""

from __future__ import annotations

from gateway.commands.batches import BatchOutcome
from gateway.commands.bus import CommandBus, to_domain
from gateway.commands.records import Envelope, fingerprint

__all__ = ["BatchOutcome", "CommandBus", "Envelope", "fingerprint", "to_domain"]
