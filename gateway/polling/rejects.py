"""Quarantined poll items: listed with their payload as received, and replayed once fixed.

A replay translates the stored payload again and runs its command with its original id, so an
item the legacy API shows again later is still a duplicate; only a rejected command is retried.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from pydantic import ValidationError

from gateway.commands import CommandBus, Envelope
from gateway.polling.poller import command_id_for
from gateway.polling.port import PollAdapter, PolledItem
from gateway.store.sql import SqlEventStore

RejectStatus = Literal["quarantined", "replayed"]
COLUMNS = "id, source, item_key, payload, code, reason, command_id, recorded_at, status"


@dataclass(frozen=True, slots=True)
class PollReject:
    id: int
    source: str
    item_key: str
    payload: dict[str, Any]
    code: str
    reason: str
    command_id: str | None
    recorded_at: str
    status: RejectStatus


@dataclass(frozen=True, slots=True)
class PollReplay:
    reject: PollReject
    replayed: bool
    reason: str | None = None


def list_poll_rejects(
    store: SqlEventStore, *, source: str | None = None, status: RejectStatus | None = None,
    keys: Sequence[str] = (), limit: int = 1000,
) -> list[PollReject]:  # fmt: skip
    """Quarantined items, oldest first; `keys` narrows them to those item keys."""
    clauses: list[str] = []
    params: list[object] = []
    for column, value in (("source", source), ("status", status)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if keys:
        clauses.append(f"item_key IN ({', '.join('?' * len(keys))})")
        params.extend(keys)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = store.fetch(
        f"SELECT {COLUMNS} FROM poll_rejects {where} ORDER BY id LIMIT ?", (*params, limit)
    )
    return [PollReject(r[0], r[1], r[2], orjson.loads(r[3]), *r[4:]) for r in rows]


def replay_poll_rejects(
    bus: CommandBus, adapters: Mapping[str, PollAdapter], rejects: Sequence[PollReject]
) -> list[PollReplay]:
    """Run each quarantined item again; those now accepted are marked `replayed`."""
    outcomes = []
    for reject in rejects:
        adapter = adapters.get(reject.source)
        if adapter is None:
            outcomes.append(PollReplay(reject, False, f"source {reject.source} is not enabled"))
        elif reject.status == "replayed":
            outcomes.append(PollReplay(reject, False, "replayed already"))
        else:
            outcomes.append(_replay_one(bus, adapter, reject))
    return outcomes


def _replay_one(bus: CommandBus, adapter: PollAdapter, reject: PollReject) -> PollReplay:
    item = PolledItem(reject.item_key, reject.payload)
    try:
        command = adapter.translate(item, command_id=command_id_for(reject.source, item.key))
    except ValidationError as exc:
        return PollReplay(reject, False, f"invalid_item: {exc.error_count()} field errors")
    envelope = Envelope(command, source=reject.source, source_ref=item.key)
    result = bus.handle(envelope, retry_rejected=True)
    if result.status == "rejected":
        return PollReplay(reject, False, f"{result.code}: {result.reason}")
    with bus.store.transaction() as tx:
        tx.connection.exec_driver_sql(
            bus.store.sql("UPDATE poll_rejects SET status = 'replayed' WHERE id = ?"),
            (reject.id,),
        )
    return PollReplay(reject, True)
