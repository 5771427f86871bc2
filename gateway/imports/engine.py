"""The import engine: read a complete file once, claim it, check it whole, apply it in chunks.

One read feeds the digest and pass 1; pass 2 applies what pass 1 read, from its spool. Every
refusal that decides the reject limit is known before the first chunk commits; each chunk's
events, rejects, chunk span and checkpoint commit together, fenced by the import's lease.
Pass 2 goes in the spool's order (`spool.py`): the file's, or grouped by stream; the
checkpoint counts the records applied in that order.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from gateway.commands import BatchOutcome, CommandBus, Envelope
from gateway.config import BatchSourceConfig, parse_reject_limit
from gateway.errors import LeaseLost
from gateway.imports.checking import CheckedFile, FileCheck, Refusal
from gateway.imports.claims import ClaimOutcome, RecordClaims, slot
from gateway.imports.collector import fewer_collections
from gateway.imports.ledger import Claim, ImportLedger, ImportRecord
from gateway.imports.ports import BatchAdapter, FileRejected
from gateway.imports.quarantine import NewReject, Quarantine
from gateway.imports.staging import StagedFile, StagingRead, digest_of
from gateway.store.port import CommandRecord
from gateway.store.writes import Clock, StoreTransaction, utc_now
from gateway.tracing import span
from gateway.tracing.spans import Attributes

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
Origin = tuple[int, bytes]
"""The record an envelope came from: its number and raw bytes (for a quarantine row)."""


@dataclass(frozen=True, slots=True)
class BatchSource:
    """A configured batch source with its adapter, ready to import from."""

    name: str
    config: BatchSourceConfig
    adapter: BatchAdapter

    def reject_limit(self, records: int) -> int:
        value, percent = parse_reject_limit(self.config.reject_limit)
        return int(records * value / 100) if percent else int(value)

    @property
    def staging(self) -> Path:
        """The gateway's own folder for the spools of pass 1 (no legacy system writes it)."""
        return self.config.staging or Path("var/staging") / self.name


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one call of `import_file` did; `duplicate` when the content was imported before."""

    record: ImportRecord
    duplicate: bool = False


class ImportFailed(Exception):
    """The file as a whole is refused; nothing of it is applied."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """Records of pass 2 handled in one transaction: the spool's first `last` are done after it."""

    envelopes: list[Envelope]
    origins: list[Origin]  # the record each envelope came from, by index
    rejects: list[NewReject]
    applied_before: int  # commands skipped: another import applied them
    last: int

    def refused_by_domain(self, rejected: list[CommandRecord]) -> list[NewReject]:
        """Quarantine rows for the commands the domain refused, with their records' bytes."""
        if not rejected:
            return []
        origin = {
            str(envelope.command.command_id): record
            for envelope, record in zip(self.envelopes, self.origins, strict=True)
        }
        return [
            NewReject(
                *origin[r.command_id], r.code or "rejected", r.reason or "", None, r.command_id,
                r.type,
            )
            for r in rejected
        ]  # fmt: skip


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ImportEngine:
    def __init__(
        self, bus: CommandBus, *, clock: Clock = utc_now, owner: str | None = None
    ) -> None:
        self.bus = bus
        self.store = bus.store
        self.ledger = ImportLedger(bus.store)
        self.quarantine = Quarantine(bus.store)
        self.claims = RecordClaims(bus.store)
        self.clock = clock
        self.owner = owner or process_owner()

    def import_file(
        self, source: BatchSource, path: Path, *, name: str | None = None,
        progress: Progress | None = None,
    ) -> ImportResult:  # fmt: skip
        """Import `path` once; the same content again (any name) is reported as a duplicate.

        `name` is the file's legacy name when it lies under another (a retry from the error
        folder). Content whose imports all failed is imported again.
        """
        name = name or path.name
        running = self.ledger.running_elsewhere(source.name, name, self.owner, self.clock())
        if running is not None:
            return ImportResult(running)
        staged, checked, refused = self._read(source, path, name)
        claim = self._claim(source, name, staged.sha256, staged.size)
        if not claim.ours:
            checked.close()
            return ImportResult(claim.record, duplicate=claim.record.status != "running")
        return self._run(source, staged, claim.record, checked, refused, progress)

    def claim(self, source: BatchSource, path: Path) -> Claim:
        """Claim a file's content before importing it (`run`), as an upload does."""
        sha256, size = digest_of(path, name_key=source.adapter.name_key(path.name))
        return self._claim(source, path.name, sha256, size)

    def run(
        self, source: BatchSource, path: Path, record: ImportRecord, *,
        progress: Progress | None = None,
    ) -> ImportResult:  # fmt: skip
        """Run a claimed import to its end; the file must still be the content claimed."""
        staged, checked, refused = self._read(source, path, record.file_name)
        if staged.sha256 != record.sha256:
            refused = ImportFailed(
                f"the file changed after its claim: {record.size} bytes were claimed (SHA-256 "
                f"{record.sha256[:12]}…), it now has {staged.size} (SHA-256 {staged.sha256[:12]}…)"
                "; nothing of it was applied"
            )
        return self._run(source, staged, record, checked, refused, progress)

    def _claim(self, source: BatchSource, name: str, sha256: str, size: int) -> Claim:
        return self.ledger.claim(
            source=source.name, file_name=name, sha256=sha256, size=size, owner=self.owner,
            now=self.clock(), lease=timedelta(seconds=source.config.lease_seconds),
        )  # fmt: skip

    # --- pass 1: one read ------------------------------------------------------------------

    def _read(
        self, source: BatchSource, path: Path, name: str
    ) -> tuple[StagedFile, CheckedFile, Exception | None]:
        """Digest and pass 1 (with its spool, in the staging folder) from one read."""
        reading = StagingRead(path, name_key=source.adapter.name_key(name))
        check = FileCheck(self.bus, source.adapter, file_name=name, spool_folder=source.staging)
        refused: Exception | None = None
        try:
            with fewer_collections():
                check.run(reading)
        except FileRejected as exc:
            refused = exc
        except BaseException:
            reading.close()
            check.checked.close()
            raise
        return reading.finish(), check.checked, refused

    # --- the run ---------------------------------------------------------------------------

    def _run(
        self, source: BatchSource, staged: StagedFile, record: ImportRecord,
        checked: CheckedFile, refused: Exception | None, progress: Progress | None,
    ) -> ImportResult:  # fmt: skip
        """Run a claimed import to its end: completed, or failed with its reason.

        The import is one trace: a span for the file, a child span per chunk, whose
        `traceparent` each event of the chunk keeps.
        """
        attributes: Attributes = {"import.id": record.id, "import.source": source.name,
                      "import.file": record.file_name}  # fmt: skip
        with span(f"import {source.name}", attributes=attributes):
            self._run_claimed(source, staged, record, checked, refused, progress)
        finished = self.ledger.get(record.id)
        assert finished is not None
        log.info(
            "import %d of %s (%s) %s", finished.id, finished.file_name, source.name,
            finished.status, extra={"import_id": finished.id, "events": finished.events},
        )  # fmt: skip
        return ImportResult(finished)

    def _run_claimed(
        self, source: BatchSource, staged: StagedFile, record: ImportRecord,
        checked: CheckedFile, refused: Exception | None, progress: Progress | None,
    ) -> None:  # fmt: skip
        try:
            if refused is not None:
                raise refused
            self.ledger.set_records(record.id, checked.records, owner=self.owner)
            change = staged.change()
            if change is not None:
                raise ImportFailed(change)
            claimed = self.claims.claim(record.id, checked.keys())
            self._enforce_limit(source, checked, claimed)
            with fewer_collections():
                self._apply(source, record, checked, claimed, progress)
        except (FileRejected, ImportFailed) as exc:
            self._fail(record.id, str(exc))
        except LeaseLost:
            log.warning("import %d: its lease was taken over; this process stops", record.id)
        finally:
            checked.close()

    def _enforce_limit(
        self, source: BatchSource, checked: CheckedFile, claimed: ClaimOutcome
    ) -> None:
        for number, (command_id, type_name, reason) in claimed.refused.items():
            checked.refuse(number, Refusal("identity_conflict", reason, command_id, type_name))
        limit = source.reject_limit(checked.records)
        if checked.refused > limit:
            raise ImportFailed(
                f"{checked.refused} of {checked.records} records refused, over the reject limit "
                f"of {limit} ({source.config.reject_limit}): {'; '.join(checked.examples)}"
            )

    # --- pass 2: pass 1's spool ------------------------------------------------------------

    def _apply(
        self, source: BatchSource, record: ImportRecord, checked: CheckedFile,
        claimed: ClaimOutcome, progress: Progress | None,
    ) -> None:  # fmt: skip
        lease = timedelta(seconds=source.config.lease_seconds)
        for chunk in self._chunks(source, record, checked, claimed):
            commit = partial(self._commit_chunk, import_id=record.id, chunk=chunk, lease=lease)
            with span("import chunk", attributes={"import.records_applied": chunk.last}):
                self.bus.handle_batch(chunk.envelopes, within=commit, record_commands=False)
            if progress is not None:
                progress(chunk.last, checked.records)
        with self.store.transaction() as tx:
            self.ledger.finish(tx, record.id, "completed", None, owner=self.owner)

    def _chunks(
        self, source: BatchSource, record: ImportRecord, checked: CheckedFile,
        claimed: ClaimOutcome,
    ) -> Iterator[Chunk]:  # fmt: skip
        """Pass 1's spooled records after the checkpoint, `chunk_size` a transaction.

        `last` counts records in the spool's order (the checkpoint a resume skips); refusals,
        skipped commands and quarantine rows go by each record's own number."""
        envelopes: list[Envelope] = []
        origins: list[Origin] = []  # the record each envelope came from
        rejects: list[NewReject] = []
        size, after = source.config.chunk_size, record.checkpoint
        last, committed, skipped = after, after, 0
        refusals, applied_before = checked.refusals, claimed.applied_before
        for last, item in enumerate(checked.details.read(after=after), start=after + 1):
            number = item.number
            refusal = refusals.get(number)
            if refusal is not None:
                rejects.append(
                    NewReject(number, item.raw, refusal.code, refusal.reason, None,
                              refusal.command_id, refusal.command_type)
                )  # fmt: skip
            elif item.problem is not None:
                problem = item.problem
                rejects.append(
                    NewReject(number, item.raw, problem.code, problem.reason, problem.field)
                )
            else:
                for index, envelope in enumerate(item.envelopes):
                    if applied_before.count and slot(number, index) in applied_before:
                        skipped += 1
                        continue
                    envelopes.append(envelope)
                    origins.append((number, item.raw))
            if len(envelopes) + len(rejects) + skipped >= size:
                yield Chunk(envelopes, origins, rejects, skipped, last)
                envelopes, origins, rejects, skipped, committed = [], [], [], 0, last
        if last > committed:
            yield Chunk(envelopes, origins, rejects, skipped, last)

    def _commit_chunk(
        self, tx: StoreTransaction, outcome: BatchOutcome, *, import_id: int, chunk: Chunk,
        lease: timedelta,
    ) -> None:  # fmt: skip
        refused = chunk.refused_by_domain(outcome.rejected)
        # The fence first: a process whose lease was taken over (it stalled past it) stops
        # here with LeaseLost, before its rows can meet the ones its successor wrote.
        self.ledger.advance(
            tx, import_id, owner=self.owner, checkpoint=chunk.last, accepted=outcome.accepted,
            rejected=len(chunk.rejects) + len(refused),
            already_recorded=chunk.applied_before + len(outcome.already_recorded),
            events=outcome.events,
        )  # fmt: skip
        self.ledger.renew(tx, import_id, owner=self.owner, until=self.clock() + lease)
        self.claims.release(tx, import_id, [r.command_id for r in outcome.rejected])
        self.quarantine.add(tx, import_id, [*chunk.rejects, *refused])
        self.claims.record_chunk(tx, import_id, chunk.last, outcome.first_position,
                                 outcome.last_position)  # fmt: skip

    def _fail(self, import_id: int, reason: str) -> None:
        """Failed with nothing applied: its keys are released, so its content can come again."""
        try:
            with self.store.transaction() as tx:
                self.claims.release_import(tx, import_id)
                self.ledger.finish(tx, import_id, "failed", reason, owner=self.owner)
        except LeaseLost:
            log.warning("import %d: lease taken over before it could be marked failed", import_id)
