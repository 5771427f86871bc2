"""What the delivery engine asks of a legacy adapter: render an event, judge the answer.

Adapters under `adapters/<system>/` implement `LegacyTranslator`; the engine does the sending.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from gateway.store.port import StoredEvent


class Verdict(StrEnum):
    """What one answer means for the delivery."""

    DELIVERED = "delivered"
    DUPLICATE = "duplicate"  # seen before by the legacy system: as good as delivered
    PERMANENT = "permanent"  # never retried: dead-lettered at once
    TRANSIENT = "transient"  # retried on the destination's schedule, counted by its stop rule
    RETRY_LATER = "retry_later"  # throttled or out of turn: retried, by a stop rule of its own
    PAUSE = "pause"  # our side is wrong (credentials, certificate): the destination pauses

    @property
    def succeeded(self) -> bool:
        return self in (Verdict.DELIVERED, Verdict.DUPLICATE)


@dataclass(frozen=True, slots=True)
class LegacyRequest:
    """One HTTP request to the legacy system; `path` is appended to the destination's base URL."""

    method: str
    path: str
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class LegacyAnswer:
    """The legacy system's answer; header names are lower case. `truncated`: the body was
    longer than the client reads (1 MiB) and was cut there."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    truncated: bool = False


AnswerTable = Mapping[str, Verdict]
"""Status code ("201"), class ("5xx") or "default" -> verdict; the most specific key wins."""


def classify_status(status: int, table: AnswerTable) -> Verdict:
    for key in (str(status), f"{status // 100}xx", "default"):
        verdict = table.get(key)
        if verdict is not None:
            return verdict
    return Verdict.DELIVERED if 200 <= status < 300 else Verdict.PERMANENT


class LegacyTranslator(Protocol):
    """A legacy system's half of a destination (the anti-corruption layer in reverse)."""

    @property
    def answers(self) -> AnswerTable:
        """The default meaning of each answer, from the system's spec."""
        ...

    @property
    def transient_errors(self) -> tuple[type[Exception], ...]:
        """Errors of `translate` worth retrying; any other error dead-letters the delivery."""
        ...

    def translate(self, event: StoredEvent) -> LegacyRequest:
        """The legacy request for one event; raises `TranslationFailed` when it cannot."""
        ...

    def judge(self, answer: LegacyAnswer, verdict: Verdict) -> Verdict:
        """Refine the table's verdict by the answer's body, where the spec says so."""
        ...
