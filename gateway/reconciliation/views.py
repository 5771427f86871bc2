"""One reconciled day as the CLI, the API and the console show it: result, differences, history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from gateway.reconciliation.results import Reconciliation, ReconciliationBook, StoredDifference


def parse_day(text: str) -> date:
    """`2026-11-26` or `20261126`."""
    for layout in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a day (2026-11-26 or 20261126)")


@dataclass(frozen=True, slots=True)
class DayView:
    current: Reconciliation
    differences: list[StoredDifference]
    classes: dict[str, int]
    history: list[Reconciliation]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.current.as_dict(),
            "classes": self.classes,
            "differences": [d.as_dict() for d in self.differences],
            "history": [r.as_dict() for r in self.history],
        }


def day_view(book: ReconciliationBook, *, system: str, day: date) -> DayView | None:
    """The day's current result with its differences, then the results it replaced."""
    runs = book.day(system, day.isoformat())
    if not runs:
        return None
    current, *history = runs
    return DayView(current, book.differences(current.id), dict(book.classes(current.id)), history)
