"""Records' identities, claimed by the import that applies them: one row a key, in key order.

A key is the command id an adapter derives from the legacy record's own identity (CBS: the
TXN-REF). Pass 1 spools each admitted key; the claim writes them sorted, so the index grows
at its cheapest (a random key a row costs a page write a row). Only applied records hold one.
"""

from __future__ import annotations

import heapq
import marshal
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

from gateway.errors import StoreError
from gateway.store.copying import copy_rows
from gateway.store.port import CommandRecord
from gateway.store.sql import SqlEventStore
from gateway.store.writes import StoreTransaction

# (command id, record number, slot of the command within its record, stream id, command type)
KeyEntry = tuple[str, int, int, str, str]
SLOTS = 4
"""Commands a record may stand for (CBS: a posting is one, an accounts row two)."""
RUN = 50_000
RUN_BLOCK = 1_000
"""Keys a run's file is read back in at a time: the merge holds one block of every run."""
CLAIM_BATCH = 20_000
CLAIM_COLUMNS = "command_id, import_id, record_number, stream_id, type"


class RecordSet:
    """A set of small non-negative ints as a bitmap: a million in 125 KB."""

    def __init__(self) -> None:
        self._bits = bytearray()
        self.count = 0

    def add(self, number: int) -> None:
        byte, bit = divmod(number, 8)
        if byte >= len(self._bits):
            self._bits.extend(bytes(byte - len(self._bits) + 1 + len(self._bits) // 2))
        if not self._bits[byte] & (1 << bit):
            self._bits[byte] |= 1 << bit
            self.count += 1

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int):
            return False
        byte, bit = divmod(number, 8)
        return byte < len(self._bits) and bool(self._bits[byte] & (1 << bit))


def slot(number: int, index: int) -> int:
    """Where the `index`-th command of record `number` sits in a `RecordSet`."""
    if index >= SLOTS:
        raise ValueError(f"record {number} stands for more than {SLOTS} commands")
    return number * SLOTS + index


class KeySpool:
    """Keys in sorted runs on disk, merged back in key order: memory holds one run at most."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._folder = folder
        self._pending: list[KeyEntry] = []
        self._runs: list[BinaryIO] = []

    def add(self, entry: KeyEntry) -> None:
        self._pending.append(entry)
        if len(self._pending) >= RUN:
            self._spill()

    def _spill(self) -> None:
        self._pending.sort()
        run = tempfile.TemporaryFile(dir=self._folder)  # noqa: SIM115 (closed in `close`)
        for start in range(0, len(self._pending), RUN_BLOCK):
            block = marshal.dumps(self._pending[start : start + RUN_BLOCK])
            run.write(len(block).to_bytes(8, "big") + block)
        run.seek(0)
        self._runs.append(run)
        self._pending = []

    def sorted(self) -> Iterator[KeyEntry]:
        """Every key in key order; memory holds a block of each run (the last spilled too)."""
        if self._pending:
            self._spill()
        return heapq.merge(*(_read_run(run) for run in self._runs))

    def close(self) -> None:
        for run in self._runs:
            run.close()
        self._runs, self._pending = [], []


def _read_run(run: BinaryIO) -> Iterator[KeyEntry]:
    """A run's blocks, each read whole (`marshal.load` on a file reads it a few bytes a call)."""
    while size := int.from_bytes(run.read(8), "big"):
        block: list[KeyEntry] = marshal.loads(run.read(size))
        yield from block


@dataclass(slots=True)
class ClaimOutcome:
    """What the claim found: commands applied before (skip them) and records it refuses."""

    applied_before: RecordSet = field(default_factory=RecordSet)
    refused: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    """Record number -> (command id, command type, reason): its key is another stream's."""


class HeldClaim(NamedTuple):
    """A key's claim (a tuple: the claim makes one for each key it writes)."""

    command_id: str
    import_id: int
    record_number: int
    stream_id: str
    type: str


class RecordClaims:
    """The `record_claims` table."""

    def __init__(self, store: SqlEventStore) -> None:
        self.store = store

    def claim(self, import_id: int, entries: Iterable[KeyEntry]) -> ClaimOutcome:
        """Claim every key for `import_id`, in key order, `CLAIM_BATCH` to a transaction.

        A key held by this import already (a resumed import) stays; one held by another
        import is applied (or being applied) there: skipped on the same stream, and on
        another stream the record is refused, since one identity names one posting.
        """
        outcome = ClaimOutcome()
        batch: list[KeyEntry] = []
        for entry in entries:
            batch.append(entry)
            if len(batch) >= CLAIM_BATCH:
                self._claim_batch(import_id, batch, outcome)
                batch = []
        if batch:
            self._claim_batch(import_id, batch, outcome)
        return outcome

    def _claim_batch(self, import_id: int, batch: list[KeyEntry], outcome: ClaimOutcome) -> None:
        for _ in range(3):
            held = self.held([entry[0] for entry in batch])
            rows = self._sort_out(import_id, batch, held, outcome)
            try:
                with self.store.transaction() as tx:
                    self.insert(tx, rows)
                return
            except StoreError:  # another import claimed one of these keys meanwhile
                continue
        raise StoreError(f"import {import_id}: keys kept being claimed by other imports")

    @staticmethod
    def _sort_out(
        import_id: int, batch: list[KeyEntry], held: dict[str, HeldClaim], outcome: ClaimOutcome
    ) -> list[tuple[str, int, int, str, str]]:
        rows: list[tuple[str, int, int, str, str]] = []
        claimed = ("", 0, 0, "", "")  # the last row claimed here: a key repeated follows it
        for key, number, index, stream_id, type_name in batch:
            first = held.get(key)
            if first is None and claimed[0] == key:
                first = HeldClaim(*claimed)
            if first is None:
                claimed = (key, import_id, number, stream_id, type_name)
                rows.append(claimed)
            elif first.import_id == import_id and first.record_number == number:
                continue  # ours, from before a crash
            elif first.stream_id == stream_id:
                outcome.applied_before.add(slot(number, index))
            else:
                outcome.refused[number] = (key, type_name, _elsewhere(first, stream_id))
        return rows

    def insert(self, tx: StoreTransaction, rows: list[tuple[str, int, int, str, str]]) -> None:
        if rows and self.store.is_postgres:
            copy_rows(tx.connection, "record_claims", CLAIM_COLUMNS, rows)
        elif rows:
            tx.connection.exec_driver_sql(
                self.store.sql(f"INSERT INTO record_claims ({CLAIM_COLUMNS}) VALUES (?,?,?,?,?)"),
                rows,
            )

    def held(self, command_ids: list[str]) -> dict[str, HeldClaim]:
        found: dict[str, HeldClaim] = {}
        for start in range(0, len(command_ids), 500):
            chunk = command_ids[start : start + 500]
            rows = self.store.fetch(
                "SELECT command_id, import_id, record_number, stream_id, type FROM record_claims "
                f"WHERE command_id IN ({', '.join('?' * len(chunk))})",
                tuple(chunk),
            )
            found.update((row[0], HeldClaim(*row)) for row in rows)
        return found

    def release(self, tx: StoreTransaction, import_id: int, command_ids: list[str]) -> None:
        """Give up keys whose commands the domain refused: their corrected re-send applies."""
        if command_ids:
            tx.connection.exec_driver_sql(
                self.store.sql("DELETE FROM record_claims WHERE command_id = ? AND import_id = ?"),
                [(command_id, import_id) for command_id in command_ids],
            )

    def record_chunk(
        self, tx: StoreTransaction, import_id: int, last_applied: int, first: int | None,
        last: int | None,
    ) -> None:  # fmt: skip
        """The span of positions a chunk appended: where the import's events lie."""
        tx.connection.exec_driver_sql(
            self.store.sql(
                "INSERT INTO import_chunks (import_id, last_applied, first_position, "
                "last_position) VALUES (?,?,?,?)"
            ),
            (import_id, last_applied, first, last),
        )

    def release_import(self, tx: StoreTransaction, import_id: int) -> None:
        """A failed import applied nothing: none of its keys stays claimed."""
        tx.connection.exec_driver_sql(
            self.store.sql("DELETE FROM record_claims WHERE import_id = ?"), (import_id,)
        )


def _elsewhere(first: HeldClaim, stream_id: str) -> str:
    return (
        f"its identity was applied to {first.stream_id} by import {first.import_id} "
        f"(record {first.record_number}); one identity names one posting, not one on {stream_id}"
    )


def imported_command(store: SqlEventStore, command_id: str) -> CommandRecord | None:
    """A file import's command as a command record: applied (its claim), or else refused.

    Imports write no `commands` row per record; `GET /commands/{id}` answers from here.
    """
    claim = RecordClaims(store).held([command_id]).get(command_id)
    if claim is not None:
        return _applied(store, claim)
    rows = store.fetch(
        "SELECT r.code, r.reason, r.command_type, r.recorded_at, r.record_number, i.source, "
        "i.file_name FROM import_rejects r JOIN imports i ON i.id = r.import_id "
        "WHERE r.command_id = ? ORDER BY r.id DESC LIMIT 1",
        (command_id,),
    )
    if not rows:
        return None
    code, reason, type_name, at, number, source, file_name = rows[0]
    return CommandRecord(
        command_id, type_name or "", "", "rejected", code, reason, source=source,
        source_ref=f"{file_name} record {number}", recorded_at=at,
    )  # fmt: skip


def _applied(store: SqlEventStore, claim: HeldClaim) -> CommandRecord:
    """The claim with the events its command appended: its stream's, within its import's span
    (chunks need not follow the file's order, so a record's chunk is not known by its number)."""
    span = store.fetch(
        "SELECT MIN(first_position), MAX(last_position) FROM import_chunks WHERE import_id = ?",
        (claim.import_id,),
    )
    events = []
    if span and span[0][0] is not None:
        events = [
            e
            for e in store.read_positions(
                int(span[0][0]), int(span[0][1]), stream_id=claim.stream_id
            )
            if e.metadata.get("command_id") == claim.command_id
        ]
    first = events[0] if events else None
    return CommandRecord(
        claim.command_id, claim.type, claim.stream_id, "accepted",
        first_position=first.position if first else None,
        last_position=events[-1].position if events else None,
        source=first.metadata.get("source") if first else None,
        source_ref=first.metadata.get("source_ref") if first else None,
        recorded_at=first.recorded_at if first else "",
    )  # fmt: skip
