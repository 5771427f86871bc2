"""The console's reconciliation page: each reconciled day, and one day's differences with each
posting linked to its journey (legacy input, command, events, every delivery attempt)."""

from __future__ import annotations

from typing import Any

from gateway.api.console.rendering import Query, console_page
from gateway.api.console.sessions import Session
from gateway.bootstrap import Gateway
from gateway.reconciliation.results import StoredDifference
from gateway.reconciliation.views import DayView, day_view, parse_day
from gateway.store.sql import SqlEventStore

SHOWN = 500  # differences on the page; the API and the CLI list them all


@console_page("/admin/reconciliation", "Reconciliation", "reconciliation.html")
def reconciliation(gateway: Gateway, query: Query, session: Session) -> dict[str, Any]:
    if gateway.reconciler is None:
        return {"runs": [], "view": None, "commands": {}, "problem": None}
    book = gateway.reconciler.book
    runs = book.recent(limit=60)
    view, problem = _chosen(gateway, runs, query)
    shown = view.differences[:SHOWN] if view else []
    return {"runs": runs, "view": view, "shown": shown, "problem": problem,
            "commands": commands_of(gateway.store, shown)}  # fmt: skip


def _chosen(gateway: Gateway, runs: list[Any], query: Query) -> tuple[DayView | None, str | None]:
    """The day asked for (`?day=&system=`), else the newest day reconciled."""
    assert gateway.reconciler is not None
    day, system = query.get("day", "").strip(), query.get("system", "").strip()
    if not day:
        if not runs:
            return None, None
        day, system = runs[0].day, runs[0].system
    try:
        parsed = parse_day(day)
    except ValueError as exc:
        return None, str(exc)
    chosen = system or (runs[0].system if runs else "")
    view = day_view(gateway.reconciler.book, system=chosen, day=parsed)
    return view, None if view else f"no reconciliation of {chosen} for {parsed}"


def commands_of(store: SqlEventStore, differences: list[StoredDifference]) -> dict[int, str]:
    """The command behind each posting's event, by feed position, for its journey link."""
    positions = sorted({int(p["position"]) for d in differences for p in d.postings})
    found: dict[int, str] = {}
    for start in range(0, len(positions), 500):
        batch = positions[start : start + 500]
        for event in store.read_positions(batch[0], batch[-1]):
            command = event.metadata.get("command_id")
            if event.position in batch and command:
                found[event.position] = str(command)
    return found
