"""Group commit: webhook commands that arrive together are decided and committed together.

SQLite has one writer; a transaction per request makes concurrent callers queue for it. Here
the first caller to arrive leads: it commits every command waiting at that moment in one
transaction, answers them all, and hands the lead to the oldest caller still waiting. No
caller is answered before its own command is committed.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import replace

from gateway.commands import CommandBus, Envelope
from gateway.errors import StoreError
from gateway.store.port import CommandRecord

MAX_BATCH = 256


class _Waiter:
    __slots__ = ("envelope", "error", "ready", "record")

    def __init__(self, envelope: Envelope) -> None:
        self.envelope = envelope
        self.record: CommandRecord | None = None
        self.error: BaseException | None = None
        self.ready = threading.Event()


class GroupCommitter:
    def __init__(self, bus: CommandBus, *, max_batch: int = MAX_BATCH) -> None:
        self.bus = bus
        self.max_batch = max_batch
        self._waiting: deque[_Waiter] = deque()
        self._lock = threading.Lock()
        self._leading = False

    def handle(self, envelope: Envelope) -> CommandRecord:
        """The command's record, once it (and whatever it was grouped with) is committed."""
        waiter = _Waiter(envelope)
        with self._lock:
            self._waiting.append(waiter)
            lead, self._leading = not self._leading, True
        while True:
            if lead:
                self._lead()
            waiter.ready.wait()
            if waiter.record is not None:
                return waiter.record
            if waiter.error is not None:
                raise waiter.error
            waiter.ready.clear()  # handed the lead: our command is in the next group
            lead = True

    def _lead(self) -> None:
        with self._lock:
            group = [
                self._waiting.popleft() for _ in range(min(self.max_batch, len(self._waiting)))
            ]
        try:
            self._commit(group)
        finally:
            with self._lock:
                successor = self._waiting[0] if self._waiting else None
                self._leading = successor is not None
            if successor is not None:
                successor.ready.set()

    def _commit(self, group: list[_Waiter]) -> None:
        try:
            stamps: list[str] = []
            outcome = self.bus.handle_batch(
                [w.envelope for w in group],
                within=lambda tx, _: stamps.append(tx.recorded_at),
                fingerprints=True,
            )
            at = stamps[-1] if stamps else ""
            records = {
                r.command_id: replace(r, recorded_at=r.recorded_at or at) for r in outcome.records
            }
            for waiter in group:
                command_id = str(waiter.envelope.command.command_id)
                record = records.get(command_id) or self.bus.store.get_command(command_id)
                if record is None:
                    raise StoreError(f"command {command_id} was not recorded")
                waiter.record = record
        except Exception as exc:  # every caller of the group hears of the failure
            for waiter in group:
                waiter.error = exc
        finally:
            for waiter in group:
                waiter.ready.set()
