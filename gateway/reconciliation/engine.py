"""Reconcile a landed balances file: claim it, read it whole, compare, store the day's result.

The claim, lease, arrival SLA and archive/error folders are the batch imports' own; a refused
file stores no result. The comparison reads one consistent snapshot of the delivery records.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import Connection

from gateway.config import ReconciliationSourceConfig
from gateway.errors import BalancesFileRefused
from gateway.imports.engine import ImportResult, process_owner
from gateway.imports.landing import LandedFiles
from gateway.imports.ledger import ImportLedger, ImportRecord
from gateway.imports.staging import digest_of
from gateway.reconciliation.compare import (
    gateway_only_figures,
    ledger_figures,
    sent_postings,
    stage_balances,
)
from gateway.reconciliation.differences import AccountFigures, Difference, explain
from gateway.reconciliation.lines import index_ledger_lines
from gateway.reconciliation.metrics import publish
from gateway.reconciliation.ports import BalancesFormat, BalancesStatement
from gateway.reconciliation.results import NewReconciliation, Reconciliation, ReconciliationBook
from gateway.store.sql import SqlEventStore
from gateway.store.writes import Clock, timestamp, utc_now

log = logging.getLogger(__name__)
Status = Literal["agrees", "differs", "refused", "duplicate", "running"]


@dataclass(frozen=True, slots=True)
class ReconciliationSource:
    """A configured reconciliation source with its adapter (e.g. GL's balances file)."""

    name: str
    config: ReconciliationSourceConfig
    adapter: BalancesFormat

    @property
    def system(self) -> str:
        return self.config.system_name


@dataclass(frozen=True, slots=True)
class ReconciliationOutcome:
    """What reconciling one file did; `reconciliation` is None when the file was refused."""

    status: Status
    record: ImportRecord
    reconciliation: Reconciliation | None = None
    differences: list[Difference] = field(default_factory=list)

    @property
    def as_import(self) -> ImportResult:
        return ImportResult(self.record, duplicate=self.status == "duplicate")


class Reconciler:
    def __init__(
        self, store: SqlEventStore, *, clock: Clock = utc_now, owner: str | None = None
    ) -> None:
        self.store = store
        self.ledger = ImportLedger(store)
        self.book = ReconciliationBook(store)
        self.clock = clock
        self.owner = owner or process_owner()
        self._landings: dict[str, LandedFiles] = {}  # kept: `stable_age` compares two looks

    def reconcile_file(self, source: ReconciliationSource, path: Path) -> ReconciliationOutcome:
        """Reconcile `path` once; the same content again is answered from the stored result."""
        sha256, size = digest_of(path, name_key=path.name)
        claim = self.ledger.claim(
            source=source.name, file_name=path.name, sha256=sha256, size=size, owner=self.owner,
            now=self.clock(), lease=timedelta(seconds=source.config.lease_seconds),
        )  # fmt: skip
        if not claim.ours:
            return self._earlier(claim.record)
        try:
            with path.open("rb") as stream:
                statement = source.adapter.read(stream, file_name=path.name)
        except BalancesFileRefused as exc:
            return self._refuse(claim.record, str(exc))
        self.ledger.set_records(claim.record.id, len(statement.rows), owner=self.owner)
        return self._compare(source, claim.record, statement)

    def reconcile_landed(self, source: ReconciliationSource) -> list[ReconciliationOutcome]:
        """Every complete file in the source's landing folder, oldest name first."""
        landing = self._landing(source)
        return [self.reconcile_path(source, path) for path in landing.complete_files()]

    def reconcile_path(self, source: ReconciliationSource, path: Path) -> ReconciliationOutcome:
        """Reconcile `path`; a file of the landing folder then moves to archive or error."""
        outcome = self.reconcile_file(source, path)
        landing = self._landing(source)
        in_landing = path.resolve().parent == source.config.landing.resolve()
        if in_landing and outcome.status != "running":  # another process is comparing it
            landing.settle(path, outcome.as_import)
        return outcome

    def _landing(self, source: ReconciliationSource) -> LandedFiles:
        return self._landings.setdefault(source.name, LandedFiles(source, clock=self.clock))

    def _earlier(self, record: ImportRecord) -> ReconciliationOutcome:
        if record.status == "running":
            return ReconciliationOutcome("running", record)
        if record.status == "failed":
            return ReconciliationOutcome("duplicate", record)
        return ReconciliationOutcome("duplicate", record, self.book.for_import(record.id))

    def _refuse(self, record: ImportRecord, reason: str) -> ReconciliationOutcome:
        with self.store.transaction() as tx:
            self.ledger.finish(tx, record.id, "failed", reason, owner=self.owner)
        log.warning("balances file %s refused: %s", record.file_name, reason)
        return ReconciliationOutcome("refused", self._reread(record))

    def _compare(
        self, source: ReconciliationSource, record: ImportRecord, statement: BalancesStatement
    ) -> ReconciliationOutcome:
        destination = source.config.destination
        index_ledger_lines(self.store, destination, source.adapter)
        with self.store.transaction() as tx:
            stage_balances(self.store, tx.connection, record.id, statement.rows)
        with self._snapshot() as conn:
            differences = find_differences(
                self.store, conn, destination=destination, import_id=record.id,
                as_of=statement.as_of.timestamp(),
            )  # fmt: skip
        run = NewReconciliation(
            system=source.system, source=source.name, day=statement.day.isoformat(),
            import_id=record.id, file_name=record.file_name, sha256=record.sha256,
            as_of=statement.as_of.isoformat(), accounts=len(statement.rows),
            gl_total=statement.total,
        )  # fmt: skip
        with self.store.transaction() as tx:
            run_id = self.book.save(tx, run, differences, at=timestamp(self.clock()))
            tx.connection.exec_driver_sql(
                self.store.sql("DELETE FROM reconciliation_balances WHERE import_id = ?"),
                (record.id,),
            )
            self.ledger.finish(tx, record.id, "completed", None, owner=self.owner)
        stored = self.book.get(run_id)
        assert stored is not None
        publish(source.system, self.book.classes(run_id))
        log.info(
            "%s %s: %d accounts, %d differences", source.system, run.day, run.accounts,
            len(differences), extra={"reconciliation_id": run_id},
        )  # fmt: skip
        status: Status = "differs" if differences else "agrees"
        return ReconciliationOutcome(status, self._reread(record), stored, differences)

    @contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        """One read transaction for the whole comparison: every query sees the same records."""
        with self.store.engine.connect() as conn:
            if self.store.is_postgres:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                if self.store.is_postgres:
                    # The aggregate is read through a cursor: plan it for all its rows (hash
                    # joins), not for the first ones (nested loops over a million lines).
                    conn.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
                yield conn

    def _reread(self, record: ImportRecord) -> ImportRecord:
        current = self.ledger.get(record.id)
        assert current is not None
        return current


def find_differences(
    store: SqlEventStore, conn: Connection, *, destination: str, import_id: int, as_of: float
) -> list[Difference]:
    """Every difference, in account order: the file's accounts, then those only the gateway has."""
    figures: list[AccountFigures] = [
        *ledger_figures(store, conn, destination=destination, import_id=import_id, as_of=as_of),
        *gateway_only_figures(
            store, conn, destination=destination, import_id=import_id, as_of=as_of
        ),
    ]
    postings = sent_postings(
        store, conn, destination=destination, accounts=[f.account for f in figures]
    )
    differences: list[Difference] = []
    for figure in sorted(figures, key=lambda f: f.account):
        differences.extend(explain(figure, postings.get(figure.account, []), as_of=as_of))
    return differences
