"""The import engine: claim a complete file, check its envelope, apply its records in chunks.

Each chunk's events, command records, rejects and checkpoint commit in one transaction, so a
crashed import resumes where it stopped, with nothing lost and nothing applied twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import BinaryIO

from gateway.commands import BatchOutcome, CommandBus, Envelope
from gateway.config import BatchSourceConfig, parse_reject_limit
from gateway.imports.collector import fewer_collections
from gateway.imports.ledger import Claim, ImportLedger, ImportRecord
from gateway.imports.ports import BatchAdapter, FileRejected, RecordRejected, SourceRecord
from gateway.imports.quarantine import NewReject, Quarantine
from gateway.store.port import CommandRecord
from gateway.store.writes import Clock, StoreTransaction, utc_now
from gateway.tracing import span
from gateway.tracing.spans import Attributes

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
STREAM_CHECK_BATCH = 2000


@dataclass(frozen=True, slots=True)
class BatchSource:
    """A configured batch source with its adapter, ready to import from."""

    name: str
    config: BatchSourceConfig
    adapter: BatchAdapter

    def reject_limit(self, records: int) -> int:
        value, percent = parse_reject_limit(self.config.reject_limit)
        return int(records * value / 100) if percent else int(value)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one call of `import_file` did; `duplicate` when the content was imported before."""

    record: ImportRecord
    duplicate: bool = False


class ImportFailed(Exception):
    """The file as a whole is refused; nothing of it is applied."""


@dataclass(slots=True)
class EnvelopeSummary:
    """What pass 1 learnt: how many detail records, and which of them will be refused."""

    records: int = 0
    refused: int = 0
    first_refusals: list[str] | None = None


@dataclass(frozen=True, slots=True)
class Chunk:
    """Records of pass 2 handled in one transaction, up to and including record `last`."""

    envelopes: list[Envelope]
    origins: list[SourceRecord]  # the record each envelope came from, by index
    rejects: list[NewReject]
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
                origin[r.command_id].number, origin[r.command_id].raw, r.code or "rejected",
                r.reason or "", None, r.command_id,
            )
            for r in rejected
        ]  # fmt: skip


def file_digest(path: Path, *, name_key: str = "") -> tuple[str, int]:
    """SHA-256 of the content (then of the adapter's `name_key`, when it has one), and size."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
            size += len(block)
    if name_key:
        digest.update(b"\x00name:" + name_key.encode())
    return digest.hexdigest(), size


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
        self.clock = clock
        self.owner = owner or process_owner()

    def import_file(
        self, source: BatchSource, path: Path, *, progress: Progress | None = None
    ) -> ImportResult:
        """Import `path` once; the same content again (any name) is reported as a duplicate."""
        claim = self.claim(source, path)
        if not claim.ours:
            return ImportResult(claim.record, duplicate=claim.record.status != "running")
        return self.run(source, path, claim.record, progress=progress)

    def claim(self, source: BatchSource, path: Path) -> Claim:
        sha256, size = file_digest(path, name_key=source.adapter.name_key(path.name))
        return self._claim(source, path.name, sha256, size)

    def run(
        self, source: BatchSource, path: Path, record: ImportRecord, *,
        progress: Progress | None = None,
    ) -> ImportResult:  # fmt: skip
        """Run a claimed import to its end: completed, or failed with its reason.

        The import is one trace: a span for the file, a child span per chunk, whose
        `traceparent` each event of the chunk keeps.
        """
        attributes: Attributes = {"import.id": record.id, "import.source": source.name,
                      "import.file": path.name}  # fmt: skip
        with span(f"import {source.name}", attributes=attributes):
            return self._run(source, path, record, progress)

    def _run(
        self, source: BatchSource, path: Path, record: ImportRecord, progress: Progress | None
    ) -> ImportResult:
        try:
            with fewer_collections(), path.open("rb") as stream:
                summary = self._check_envelope(source, stream, path.name)
            self.ledger.set_records(record.id, summary.records)
            self._enforce_limit(source, summary.refused, summary.records, summary.first_refusals)
            with fewer_collections(), path.open("rb") as stream:
                self._apply(source, stream, path.name, record, summary.records, progress)
        except (FileRejected, ImportFailed) as exc:
            self._fail(record.id, str(exc))
        finished = self.ledger.get(record.id)
        assert finished is not None
        log.info(
            "import %d of %s (%s) %s", finished.id, path.name, source.name, finished.status,
            extra={"import_id": finished.id, "events": finished.events},
        )  # fmt: skip
        return ImportResult(finished)

    def _claim(self, source: BatchSource, name: str, sha256: str, size: int) -> Claim:
        return self.ledger.claim(
            source=source.name, file_name=name, sha256=sha256, size=size, owner=self.owner,
            now=self.clock(), lease=timedelta(seconds=source.config.lease_seconds),
        )  # fmt: skip

    # --- pass 1 ----------------------------------------------------------------------------

    def _check_envelope(self, source: BatchSource, stream: BinaryIO, name: str) -> EnvelopeSummary:
        """Stream the whole file once: envelope rules, undecodable records, unknown streams."""
        check = source.adapter.envelope_check(name)
        summary = EnvelopeSummary(first_refusals=[])
        pending: dict[str, list[int]] = {}
        for record in source.adapter.read(stream):
            check.add(record)
            if record.kind != "detail":
                continue
            summary.records += 1
            if record.error is not None:
                self._note_refusal(summary, record.number, record.error.reason)
            elif (required := source.adapter.required_stream(record)) is not None:
                pending.setdefault(required, []).append(record.number)
                if len(pending) >= STREAM_CHECK_BATCH:
                    self._check_streams(summary, pending)
        check.finish()
        self._check_streams(summary, pending)
        return summary

    def _check_streams(self, summary: EnvelopeSummary, pending: dict[str, list[int]]) -> None:
        known = self.store.stream_versions(pending)
        for stream_id, numbers in pending.items():
            if stream_id not in known:
                for number in numbers:
                    self._note_refusal(summary, number, f"{stream_id} does not exist")
        pending.clear()

    @staticmethod
    def _note_refusal(summary: EnvelopeSummary, number: int, reason: str) -> None:
        summary.refused += 1
        if summary.first_refusals is not None and len(summary.first_refusals) < 5:
            summary.first_refusals.append(f"record {number}: {reason}")

    def _enforce_limit(
        self, source: BatchSource, refused: int, records: int, examples: list[str] | None
    ) -> None:
        limit = source.reject_limit(records)
        if refused > limit:
            shown = "; ".join(examples or [])
            raise ImportFailed(
                f"{refused} of {records} records refused, over the reject limit of {limit} "
                f"({source.config.reject_limit}): {shown}"
            )

    # --- pass 2 ----------------------------------------------------------------------------

    def _apply(
        self, source: BatchSource, stream: BinaryIO, name: str, record: ImportRecord,
        records: int, progress: Progress | None,
    ) -> None:  # fmt: skip
        refused = record.rejected
        lease = timedelta(seconds=source.config.lease_seconds)
        for chunk in self._chunks(source, stream, name, after=record.checkpoint):
            commit = partial(self._commit_chunk, import_id=record.id, chunk=chunk, lease=lease)
            with span("import chunk", attributes={"import.records_to": chunk.last}):
                outcome = self.bus.handle_batch(chunk.envelopes, within=commit)
            # Pass 1 already refused what needs no state; what the domain refuses here
            # (a currency that is not the account's) can still pass the limit mid-file.
            refused += len(chunk.rejects) + len(outcome.rejected)
            self._enforce_limit(source, refused, records, None)
            if progress is not None:
                progress(chunk.last, records)
        with self.store.transaction() as tx:
            self.ledger.finish(tx, record.id, "completed", None)

    def _chunks(
        self, source: BatchSource, stream: BinaryIO, name: str, *, after: int
    ) -> Iterator[Chunk]:
        envelopes: list[Envelope] = []
        origins: list[SourceRecord] = []  # the record each envelope came from
        rejects: list[NewReject] = []
        size, last = source.config.chunk_size, after
        translate = source.adapter.translate
        for record in source.adapter.read(stream):
            if record.number <= after or record.kind != "detail":
                continue
            last = record.number
            try:
                if record.error is not None:
                    raise RecordRejected(record.error)
                for envelope in translate(record, file_name=name):
                    envelopes.append(envelope)
                    origins.append(record)
            except RecordRejected as refused:
                problem = refused.problem
                rejects.append(
                    NewReject(
                        record.number, record.raw, problem.code, problem.reason, problem.field
                    )
                )
            if len(envelopes) + len(rejects) >= size:
                yield Chunk(envelopes, origins, rejects, last)
                envelopes, origins, rejects = [], [], []
        if envelopes or rejects or last > after:
            yield Chunk(envelopes, origins, rejects, last)

    def _commit_chunk(
        self, tx: StoreTransaction, outcome: BatchOutcome, *, import_id: int, chunk: Chunk,
        lease: timedelta,
    ) -> None:  # fmt: skip
        refused = chunk.refused_by_domain(outcome.rejected)
        self.quarantine.add(tx, import_id, [*chunk.rejects, *refused])
        self.ledger.advance(
            tx, import_id, checkpoint=chunk.last, accepted=outcome.accepted,
            rejected=len(chunk.rejects) + len(refused),
            already_recorded=len(outcome.already_recorded), events=outcome.events,
        )  # fmt: skip
        self.ledger.renew(tx, import_id, until=self.clock() + lease)

    def _fail(self, import_id: int, reason: str) -> None:
        with self.store.transaction() as tx:
            self.ledger.finish(tx, import_id, "failed", reason)
