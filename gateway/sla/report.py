"""The SLA report: per name, latency percentiles, breaches, what is still pending and how old.

Each SLA family (deliveries today; imports and exports later) supplies its `SlaLine`s.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from gateway.sla.breaches import breach_counts
from gateway.store.sql import SqlEventStore


@dataclass(frozen=True, slots=True)
class SlaLine:
    """One SLA's state; latencies in seconds from due-clock start to completion."""

    kind: str
    name: str
    samples: int = 0
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    breaches: int = 0
    pages: int = 0
    pending: int = 0
    oldest_pending_age: float | None = None
    state: str = ""
    blocked: int = 0  # streams held back (a dead letter, or told to retry later again and again)
    blocked_reason: str = ""  # the latest reason one of them gave


SlaSource = Callable[[SqlEventStore, float], Sequence[SlaLine]]
"""A family's lines at `now` (epoch seconds), breaches not yet counted."""


def percentile(values: Sequence[float], rank: float) -> float | None:
    """Nearest-rank percentile of already sorted `values`: a value that was really observed."""
    if not values:
        return None
    index = max(0, math.ceil(rank / 100 * len(values)) - 1)
    return values[min(index, len(values) - 1)]


def latency_line(kind: str, name: str, latencies: Iterable[float]) -> SlaLine:
    ordered = sorted(latencies)
    return SlaLine(
        kind, name, len(ordered),
        percentile(ordered, 50), percentile(ordered, 95), percentile(ordered, 99),
    )  # fmt: skip


def report(store: SqlEventStore, sources: Iterable[SlaSource], *, now: float) -> list[SlaLine]:
    """Every source's lines, with the breaches recorded for each (kind, name)."""
    lines: list[SlaLine] = []
    counts: dict[str, dict[tuple[str, str], int]] = {}
    for source in sources:
        for line in source(store, now):
            if line.kind not in counts:
                counts[line.kind] = breach_counts(store, kind=line.kind)
            by_kind = counts[line.kind]
            lines.append(
                replace(
                    line,
                    breaches=by_kind.get((line.name, "breach"), 0),
                    pages=by_kind.get((line.name, "page"), 0),
                )
            )
    return lines
