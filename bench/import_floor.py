"""The floor of a postings import in Python: the least work its guarantees need, hand-written.

No engine, no pydantic, no domain layers: one read hashed and copied; each detail decoded
(cp037, packed amount, calendar date), checked against its code's rules, given its identity
(uuid5 of the TXN-REF) and admitted against its account's currency, spooled (marshal); the
identities sorted and claimed in key order; then each record decided against its account's
balance and posting refs, its event and metadata JSON built (orjson) and appended a chunk a
transaction with its span row, into the same tables and pragmas as the import's ceiling. As the
import does (ADR 0006), pass 2 applies the postings grouped by account, each account's in file
order: a file in another order is spooled in sorted runs of 20,000 and merged back.
Each stage is timed on its own (CPU), in microseconds a record, so the import's own figures
(`bench/import_postings.py`) can be read against what any Python import of this file costs.

    .venv/bin/python bench/import_floor.py [--records 1000000] [--accounts 100000]
        [--order sorted|shuffled]
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import itertools
import marshal
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from import_postings import FILE_NAME, account_no, write_file  # noqa: E402
from raw_ceiling import raw_events_table  # noqa: E402

from gateway.store.writes import new_event_ids  # noqa: E402

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:bank:legacy:cbs").bytes
EVENTS = {"DEP": "FundsDeposited", "WDL": "FundsWithdrawn", "FEE": "FeeCharged",
          "INT": "InterestCredited"}  # fmt: skip
CREDITS = {"DEP", "INT"}
RECORD = 120
CHUNK = 1_000
RUN, RUN_BLOCK = 20_000, 250  # as the import's record spool (gateway/imports/spool.py)
BY_ACCOUNT = itemgetter(3, 0)  # account, then record number
DETAIL = "D".encode("cp037")


class Stages:
    """CPU seconds per named stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def timed(self, name: str, started: float) -> float:
        now = time.process_time()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - started
        return now


def read_once(path: Path, staging: Path) -> Iterator[bytes]:
    """The file's records from one read in 1 MiB blocks, each block hashed and copied."""
    digest = hashlib.sha256()
    with path.open("rb") as source, (staging / f"copy-{path.name}").open("wb") as copy:
        while block := source.read(RECORD * 8_738):
            digest.update(block)
            copy.write(block)
            for start in range(0, len(block), RECORD):
                yield block[start : start + RECORD]


def pass_one(
    records: Iterator[bytes], currencies: dict[str, str], spool: Path
) -> tuple[list[tuple[str, int, str]], list[list[tuple[int, int]]]]:
    """Decode, check, identify and admit every detail; spool it; the keys to claim and the
    spool's runs."""
    keys: list[tuple[str, int, str]] = []
    block: list[tuple[object, ...]] = []
    runs: list[list[tuple[int, int]]] = [[]]  # each run's blocks (offset, size)
    last_account, in_order = "", True
    with spool.open("wb") as out:
        for number, raw in enumerate(records, start=1):
            if raw[:1] != DETAIL:
                continue  # the header and trailer (checked by the import, not here)
            head = raw[:32].decode("cp037")
            ref, account, code = head[1:17].strip(), head[17:29].strip(), head[29:32]
            nibbles = raw[32:39].hex()
            cents = int(nibbles[:-1]) * (-1 if nibbles[-1] == "d" else 1)
            tail = raw[39:120].decode("cp037")
            currency, value_date = tail[:3], date.fromisoformat(tail[3:11])
            narrative = tail[11:41].strip()
            if code not in EVENTS or not cents or (code in CREDITS and cents < 0):
                continue  # refused on its own
            if currencies.get(account) != currency:
                continue  # refused by the account's standing
            digest = hashlib.sha1(NAMESPACE + f"posting/{ref}".encode()).digest()
            command_id = str(uuid.UUID(bytes=digest[:16], version=5))
            keys.append((command_id, number, f"account-{account}"))
            block.append((number, command_id, ref, account, code, abs(cents), currency,
                          value_date.toordinal(), narrative))  # fmt: skip
            in_order = in_order and account >= last_account
            last_account = account
            if in_order and len(block) == CHUNK:
                runs[-1].append(_write_block(out, block))
                block = []
            elif len(block) == RUN:
                block.sort(key=BY_ACCOUNT)
                runs.append([_write_block(out, block[i : i + RUN_BLOCK])
                             for i in range(0, len(block), RUN_BLOCK)])  # fmt: skip
                block, in_order, last_account = [], True, block[-1][3]  # type: ignore[assignment]
        if block and not in_order:
            block.sort(key=BY_ACCOUNT)
            runs.append([])
        if block:
            runs[-1].append(_write_block(out, block))
    return keys, [run for run in runs if run]


def _write_block(out: object, block: list[tuple[object, ...]]) -> tuple[int, int]:
    packed = marshal.dumps(block)
    offset = out.tell()  # type: ignore[attr-defined]
    out.write(packed)  # type: ignore[attr-defined]
    return offset, len(packed)


def spooled(spool: Path, runs: list[list[tuple[int, int]]]) -> Iterator[list[Any]]:
    """The spool a chunk at a time, grouped by account: a run as it is, or runs merged."""
    with spool.open("rb") as source:

        def run(blocks: list[tuple[int, int]]) -> Iterator[tuple[object, ...]]:
            for offset, size in blocks:
                source.seek(offset)
                yield from marshal.loads(source.read(size))

        if len(runs) == 1:
            for offset, size in runs[0]:
                source.seek(offset)
                yield marshal.loads(source.read(size))
            return
        merged = heapq.merge(*(run(blocks) for blocks in runs), key=BY_ACCOUNT)
        while chunk := list(itertools.islice(merged, CHUNK)):
            yield chunk


def claim(conn: sqlite3.Connection, keys: list[tuple[str, int, str]]) -> None:
    keys.sort()
    for start in range(0, len(keys), 20_000):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO record_claims VALUES (?, 1, ?, ?, 'DepositFunds')",
            keys[start : start + 20_000],
        )
        conn.execute("COMMIT")


def pass_two(
    conn: sqlite3.Connection, spool: Path, runs: list[list[tuple[int, int]]], file_name: str,
    stages: Stages,
) -> int:  # fmt: skip
    """Decide each spooled posting on its account, build its row, append a chunk a commit."""
    balances: dict[str, int] = {}
    refs: dict[str, set[str]] = {}
    versions: dict[str, int] = {}
    position, at = 0, "2026-11-26T02:00:00.000000Z"
    insert = "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?)"
    started = time.process_time()
    for block in spooled(spool, runs):
        rows = []
        event_ids = new_event_ids(len(block))
        for number, command_id, ref, account, code, cents, currency, ordinal, narrative in block:
            stream = f"account-{account}"
            seen = refs.setdefault(stream, set())
            if ref in seen:
                continue
            seen.add(ref)
            balance = balances.get(stream, 0) + (cents if code in CREDITS else -cents)
            balances[stream] = balance
            version = versions[stream] = versions.get(stream, 1) + 1
            position += 1
            amount = {"amount": str(Decimal(cents).scaleb(-2)), "currency": currency}
            value_date = date.fromordinal(ordinal).isoformat()
            data = {"account_no": account, "posting_ref": ref, "amount": amount,
                    "value_date": value_date, "narrative": narrative}  # fmt: skip
            if code == "WDL":
                data["overdrawn"] = balance < 0
            metadata = {"command_id": command_id, "source": "cbs",
                        "source_ref": f"{file_name} record {number}"}  # fmt: skip
            rows.append((position, stream, version, next(event_ids), EVENTS[code], 1,
                         orjson.dumps(data), orjson.dumps(metadata), at))  # fmt: skip
        started = stages.timed("pass 2: decide and build rows", started)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(insert, rows)
        conn.execute("INSERT INTO import_chunks VALUES (1, ?, ?, ?)",
                     (block[-1][0], rows[0][0], rows[-1][0]))  # fmt: skip
        conn.execute("COMMIT")
        started = stages.timed("pass 2: SQLite inserts and commits", started)
    return position


def run(records: int, accounts: int, shuffled: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / FILE_NAME
        write_file(path, records=records, accounts=accounts, shuffled=shuffled)
        currencies = {account_no(n): "EUR" for n in range(accounts)}
        conn = raw_events_table(Path(folder) / "floor.db", claims=True)
        stages = Stages()
        started = wall = time.process_time()
        keys, runs = pass_one(read_once(path, Path(folder)), currencies, Path(folder) / "spool")
        started = stages.timed("one read (SHA-256, staging copy) and pass 1", started)
        claim(conn, keys)
        del keys
        stages.timed("identities claimed in key order", started)
        events = pass_two(conn, Path(folder) / "spool", runs, FILE_NAME, stages)
        total = time.process_time() - wall
        conn.close()
    order = "shuffled" if shuffled else "sorted"
    print(f"{records:,} postings over {accounts:,} accounts, {order}: floor {records / total:,.0f}"
          f" records/s of CPU ({total:.1f} s, {events:,} events)")  # fmt: skip
    for name, seconds in stages.seconds.items():
        print(f"  {name:<45} {seconds * 1e6 / records:6.1f} us a record")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--order", choices=("sorted", "shuffled"), default="sorted")
    args = parser.parse_args()
    run(args.records, min(args.accounts, args.records), args.order == "shuffled")


if __name__ == "__main__":
    main()
