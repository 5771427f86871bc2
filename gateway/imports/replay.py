"""Replaying quarantined records once their cause is fixed (say, the account now exists).

The record is decoded again from its raw bytes and its commands run with their original ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.commands import CommandBus
from gateway.imports.engine import BatchSource
from gateway.imports.ledger import ImportLedger
from gateway.imports.ports import RecordRejected
from gateway.imports.quarantine import Quarantine, QuarantinedRecord


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
    for envelope in envelopes:
        result = bus.handle(envelope, retry_rejected=True)
        if result.status == "rejected":
            return ReplayOutcome(reject, False, f"{result.code}: {result.reason}")
    with bus.store.transaction() as tx:
        quarantine.mark_replayed(tx, reject.id)
    return ReplayOutcome(reject, True)
