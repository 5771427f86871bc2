"""The audit log: who did what to the gateway, when, and how it ended.

Every operator action (redrive, skip, replay, rerun, run now), from the console or the
command line, is one row, written after the action with its outcome; a refusal is recorded too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from gateway.errors import GatewayError
from gateway.store.sql import SqlEventStore

Outcome = Literal["done", "refused", "failed"]
COLUMNS = "id, at, actor, channel, action, target, outcome, detail"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: float
    actor: str
    channel: str  # console or cli
    action: str
    target: str
    outcome: Outcome
    detail: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: an operator's name as they signed in (or the OS user), and through what."""

    name: str
    channel: str


def record(
    store: SqlEventStore, actor: Actor, *, action: str, target: str, outcome: Outcome,
    detail: str | None, now: float,
) -> int:  # fmt: skip
    """Append one entry; returns its id."""
    with store.transaction() as tx:
        result = tx.connection.exec_driver_sql(
            store.sql(
                "INSERT INTO audit_log (at, actor, channel, action, target, outcome, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
            ),
            (now, actor.name, actor.channel, action, target, outcome, detail),
        )
        return int(result.scalar_one())


@dataclass(frozen=True, slots=True)
class Done:
    """What an action reports: its outcome and a sentence for the operator."""

    outcome: Outcome
    detail: str


def audited(
    store: SqlEventStore, actor: Actor, *, action: str, target: str, now: float,
    run: Callable[[], Done],
) -> tuple[int, Done]:  # fmt: skip
    """Run `run` and record it. A refusal the gateway raises (`GatewayError`) is a failed
    outcome; any other error is recorded as failed, then raised again."""
    try:
        done = run()
    except GatewayError as exc:
        done = Done("failed", str(exc))
    except Exception as exc:
        record(store, actor, action=action, target=target, outcome="failed", detail=str(exc),
               now=now)  # fmt: skip
        raise
    entry = record(store, actor, action=action, target=target, outcome=done.outcome,
                   detail=done.detail, now=now)  # fmt: skip
    return entry, done


def entries(
    store: SqlEventStore, *, limit: int = 100, search: str | None = None
) -> list[AuditEntry]:
    """Newest first; `search` keeps entries whose actor, action, target or detail holds it."""
    rows = store.fetch(f"SELECT {COLUMNS} FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
    found = [AuditEntry(*row) for row in rows]
    if search:
        wanted = search.lower()
        found = [e for e in found if wanted in " ".join(
            (e.actor, e.action, e.target, e.detail or "")).lower()]  # fmt: skip
    return found


def entry(store: SqlEventStore, entry_id: int) -> AuditEntry | None:
    rows = store.fetch(f"SELECT {COLUMNS} FROM audit_log WHERE id = ?", (entry_id,))
    return AuditEntry(*rows[0]) if rows else None
