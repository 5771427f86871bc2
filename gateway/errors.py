"""The gateway's one error tree: every failure a caller can act on has its own type here.

Foreign errors (SQLAlchemy, httpx, pydantic) are translated to these at the boundary.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""


class ConfigError(GatewayError):
    """`config.yaml` or an environment variable it names is wrong; the message names the key."""


class StoreError(GatewayError):
    """The event store could not do what was asked."""


class ConcurrencyConflict(StoreError):
    """Another writer appended to the stream first: re-read the stream and decide again."""

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(f"stream {stream_id!r} is no longer at version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


class CorruptEvent(StoreError):
    """A stored row cannot be decoded (bad JSON, unknown type, failed upcast)."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"event at position {position}: {reason}")
        self.position = position
        self.reason = reason


class UnknownStream(StoreError):
    """No event was ever recorded on the stream."""


class CommandRejected(GatewayError):
    """The domain refused a command; the rejection is recorded with its reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class DuplicateCommand(StoreError):
    """The command was recorded by another writer first: answer from its record."""

    def __init__(self, command_ids: list[str]) -> None:
        super().__init__(f"commands already recorded: {', '.join(command_ids[:5])}")
        self.command_ids = command_ids
