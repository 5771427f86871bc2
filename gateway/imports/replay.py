"""Replaying quarantined records once their cause is fixed (say, the account now exists).

The record is decoded again from its raw bytes and its commands run with their original ids;
each applied command claims its identity for the import it came from, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.commands import BatchOutcome, CommandBus
from gateway.imports.claims import RecordClaims
from gateway.imports.engine import BatchSource
from gateway.imports.ledger import ImportLedger
from gateway.imports.ports import RecordRejected
from gateway.imports.quarantine import Quarantine, QuarantinedRecord
from gateway.store.writes import StoreTransaction


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    reject: QuarantinedRecord
    replayed: bool
    reason: str | None = None


def replay_rejects(
    bus: CommandBus, sources: dict[str, BatchSource], rejects: list[QuarantinedRecord]
) -> list[ReplayOutcome]:
    """Run each quarantined record again; those now accepted are marked `replayed`."""
    ledger, quarantine = ImportLedger(bus.store), Quarantine(bus.store)
    outcomes = []
    for reject in rejects:
        imported = ledger.get(reject.import_id)
        source = sources.get(imported.source) if imported else None
        if imported is None or source is None:
            outcomes.append(ReplayOutcome(reject, False, "its source is no longer configured"))
            continue
        outcomes.append(_replay_one(bus, quarantine, source, reject, imported.file_name))
    return outcomes


def _replay_one(
    bus: CommandBus, quarantine: Quarantine, source: BatchSource, reject: QuarantinedRecord,
    file_name: str,
) -> ReplayOutcome:  # fmt: skip
    record = source.adapter.decode(reject.raw, number=reject.record_number)
    try:
        if record.error is not None:
            raise RecordRejected(record.error)
        envelopes = source.adapter.translate(record, file_name=file_name)
    except RecordRejected as refused:
        return ReplayOutcome(reject, False, refused.problem.reason)
    claims = RecordClaims(bus.store)
    held = claims.held([str(e.command.command_id) for e in envelopes])
    pending = [e for e in envelopes if str(e.command.command_id) not in held]

    def within(tx: StoreTransaction, outcome: BatchOutcome) -> None:
        rows = [(row[0], reject.import_id, reject.record_number, row[2], row[1])
                for row in outcome.accepted_rows]  # fmt: skip
        claims.insert(tx, rows)
        if not outcome.rejected:
            quarantine.mark_replayed(tx, reject.id)

    outcome = bus.handle_batch(pending, within=within, record_commands=False)
    if outcome.rejected:
        first = outcome.rejected[0]
        return ReplayOutcome(reject, False, f"{first.code}: {first.reason}")
    return ReplayOutcome(reject, True)
