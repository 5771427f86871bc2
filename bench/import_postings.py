"""Import speed of a CBS postings file through the real engine, against raw sqlite3.

Generates N postings over A accounts (sorted by account number, as CBS batch output is, then
the same records shuffled), opens the accounts by appending AccountOpened events in bulk, and
imports the file in a child process through `ImportEngine.import_file` (one read for the
digest, pass 1 and the staging copy; the claim; the identities claimed in key order; pass 2 in
chunked commits), measuring its wall time and peak RSS. TXN-REFs follow no order (a file sorted
by account). The ceiling is measured in the same run: `sqlite3.executemany` of the same rows the
import wrote, laid out as it lays them, into equivalent tables with the same pragmas: the
identity claims in key order, 20,000 a transaction, then the event rows a chunk a transaction
with each chunk's span row. That is the least any import keeping the guarantees writes.

    .venv/bin/python bench/import_postings.py [--records 1000000] [--accounts 100000]
        [--order sorted|shuffled|both] [--profile FILE.prof] [--url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from peak_memory import peak_rss_kb  # noqa: E402
from raw_ceiling import raw_events_table  # noqa: E402

from gateway.bootstrap import build  # noqa: E402
from gateway.config import parse_config  # noqa: E402
from gateway.domain.account_lifecycle import AccountOpened  # noqa: E402
from gateway.store import NewEvent, StreamAppend  # noqa: E402
from gateway.store.sql import open_store  # noqa: E402
from gateway.store.writes import EVENT_COLUMNS  # noqa: E402

BUSINESS_DATE = "20261126"
FILE_NAME = f"CBS_POSTINGS_{BUSINESS_DATE}_001.DAT"
CODES = ("DEP", "DEP", "DEP", "DEP", "WDL", "WDL", "WDL", "FEE", "FEE", "INT")
SCATTER = 7_919_393  # coprime with 10**15: index -> TXN-REF is one to one, in no order


def account_no(index: int) -> str:
    return f"{index + 100_000_000_000:012d}"


# --- the file --------------------------------------------------------------------------------


def packed(cents: int, digits: int) -> bytes:
    """COMP-3 as the copybook declares it: the digits, then sign nibble C or D."""
    return bytes.fromhex(f"{abs(cents):0{digits}d}{'D' if cents < 0 else 'C'}")


def detail(index: int, accounts: int, records: int) -> tuple[bytes, int]:
    """Posting `index` on its account (CBS output is sorted by account); its TXN-REF follows
    no order, as a bank's references do not within an account-sorted file."""
    code = CODES[index % len(CODES)]
    cents = index % 99_999 + 1
    cents = -cents if code in ("WDL", "FEE") else cents  # debits as they hit the balance
    account = account_no(index * accounts // records)
    head = f"DT{index * SCATTER % 10**15:015d}{account}{code}".encode("cp037")
    tail = f"EUR{BUSINESS_DATE}{'SALARY NOVEMBER ACME LTD':<30}{'':40}".encode("cp037")
    return head + packed(cents, 13) + tail, cents


def write_file(path: Path, *, records: int, accounts: int, shuffled: bool) -> None:
    order: list[int] | range = range(records)
    if shuffled:
        order = list(order)
        random.Random(7).shuffle(order)
    total = 0
    with path.open("wb") as out:
        out.write(f"H{BUSINESS_DATE}{'CBS':<8}001{'':100}".encode("cp037"))
        for index in order:
            record, cents = detail(index, accounts, records)
            total += cents
            out.write(record)
        out.write(f"T{records:09d}".encode("cp037") + packed(total, 17) + b"\x40" * 101)


# --- the accounts ----------------------------------------------------------------------------


def open_accounts(url: str, accounts: int) -> None:
    """Every account opened, as an accounts-file import would leave it, appended in bulk."""
    store = open_store(url)
    metadata = {"command_id": "bench", "source": "bench"}
    for start in range(0, accounts, 10_000):
        appends = [
            StreamAppend(f"account-{account_no(n)}", 0, [NewEvent("AccountOpened", opened(n), 1,
                                                                   metadata)])
            for n in range(start, min(start + 10_000, accounts))
        ]  # fmt: skip
        with store.transaction() as tx:
            tx.append(appends)
    store.engine.dispose()


def opened(index: int) -> dict[str, object]:
    return AccountOpened(
        account_no=account_no(index), customer_no=f"{index:08d}", product="CURRENT",
        currency="EUR", opened_on=date(2020, 1, 1), branch="0042",
    ).model_dump(mode="json")  # fmt: skip


# --- the import, in a child process ----------------------------------------------------------


def run_import(
    url: str, path: Path, chunk: int, profile: str | None, cache: int | None
) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", url, str(path), "--chunk", str(chunk)]
    if cache is not None:
        command += ["--state-cache", str(cache)]
    if profile:
        command += ["--profile", profile]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result


def child(url: str, path: Path, chunk: int, profile: str | None, cache: int | None) -> None:
    source_config = {
        "kind": "batch", "adapter": "adapters.cbs:postings_adapter", "landing": str(path.parent),
        "staging": str(path.parent / "staging"), "encoding": "cp037", "chunk_size": chunk,
        "lease_seconds": 600,
    }  # fmt: skip
    config: dict[str, object] = {"database": {"url": url}, "sources": {"cbs": source_config}}
    if cache is not None:
        config["store"] = {"state_cache_size": cache}
    gateway = build(parse_config(config))
    source = gateway.batch_sources["cbs"]
    started, cpu_started = time.perf_counter(), time.process_time()
    if profile:
        import cProfile

        with cProfile.Profile() as profiler:
            result = gateway.imports.import_file(source, path)
        profiler.dump_stats(profile)
    else:
        result = gateway.imports.import_file(source, path)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    gateway.close()
    record = result.record
    figures = {
        "seconds": elapsed, "cpu_seconds": cpu, "peak_rss_mb": peak_rss_kb() / 1024,
        "status": record.status, "reason": record.reason, "events": record.events,
        "accepted": record.accepted, "rejected": record.rejected,
    }  # fmt: skip
    print(json.dumps(figures))


# --- the ceiling -----------------------------------------------------------------------------


def event_rows(db: Path, after: int, batch: int) -> Iterator[list[tuple[object, ...]]]:
    source = sqlite3.connect(db)
    cursor = source.execute(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position", (after,)
    )
    while rows := cursor.fetchmany(batch):
        yield rows
    source.close()


def claim_rows(db: Path, batch: int) -> Iterator[list[tuple[object, ...]]]:
    source = sqlite3.connect(db)
    cursor = source.execute(
        "SELECT command_id, import_id, record_number, stream_id, type FROM record_claims "
        "ORDER BY command_id"
    )
    while rows := cursor.fetchmany(batch):
        yield rows
    source.close()


def measure_raw(db: Path, raw_db: Path, after: int, batch: int) -> tuple[float, int]:
    """The rows the import wrote, already serialised, straight into executemany as the import
    lays them out: its claims in key order, then its events a chunk a transaction, each with
    its chunk's span row. Only the inserts are timed."""
    conn = raw_events_table(raw_db, claims=True)
    insert_events = f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)"
    insert_claims = "INSERT INTO record_claims VALUES (?,?,?,?,?)"
    insert_chunk = "INSERT INTO import_chunks VALUES (?,?,?,?)"
    elapsed, count = 0.0, 0
    for rows in claim_rows(db, 20_000):
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(insert_claims, rows)
        conn.execute("COMMIT")
        elapsed += time.perf_counter() - started
    for rows in event_rows(db, after, batch):
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(insert_events, rows)
        conn.execute(insert_chunk, (1, count + len(rows), rows[0][0], rows[-1][0]))
        conn.execute("COMMIT")
        elapsed += time.perf_counter() - started
        count += len(rows)
    conn.close()
    return elapsed, count


def measure(args: argparse.Namespace, *, shuffled: bool) -> None:
    with tempfile.TemporaryDirectory(dir=args.tmp) as folder:
        db, path = Path(folder) / "gateway.db", Path(folder) / FILE_NAME
        url = args.url or f"sqlite:///{db}"
        write_file(path, records=args.records, accounts=args.accounts, shuffled=shuffled)
        open_accounts(url, args.accounts)
        profile = f"{args.profile}.{'shuffled' if shuffled else 'sorted'}" if args.profile else None
        result = run_import(url, path, args.chunk, profile, args.state_cache)
        if not args.url:
            raw, rows = measure_raw(db, Path(folder) / "raw.db", args.accounts, args.chunk)
    rate = args.records / float(result["seconds"])  # type: ignore[arg-type]
    line = (
        f"{'shuffled' if shuffled else 'sorted  '}: import {rate:>8,.0f} records/s "
        f"({result['seconds']:.1f} s, CPU {result['cpu_seconds']:.1f} s, {result['events']:,} "
        f"events, {result['status']}) | peak RSS {result['peak_rss_mb']:.0f} MB"
    )
    if not args.url:
        ceiling = rows / raw
        line += (
            f"\n{'':10}ceiling: raw executemany of the same events and identity rows "
            f"{ceiling:>8,.0f} records/s ({raw:.1f} s) | import = {rate / ceiling:.2f}x ceiling"
        )
    print(line)
    if result["status"] != "completed":
        print(f"  reason: {result['reason']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=1_000)
    parser.add_argument("--order", choices=("sorted", "shuffled", "both"), default="both")
    parser.add_argument("--profile", help="write a cProfile of each import to FILE.<order>")
    parser.add_argument("--tmp", help="folder for the files and databases (default: system)")
    parser.add_argument("--state-cache", type=int, help="store.state_cache_size (default 20000)")
    parser.add_argument("--url", help="import into this database instead (no ceiling measured)")
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.chunk, args.profile, args.state_cache)
        return
    if args.url and args.order == "both":  # the second would find every account opened
        parser.error("--url takes one --order at a time, each into an empty database")
    accounts = min(args.accounts, args.records)
    args.accounts = accounts
    print(f"{args.records:,} postings over {accounts:,} accounts, chunks of {args.chunk:,}; "
          "targets: >= 50,000 records/s, >= 0.35x ceiling (shuffled: 0.5x), "
          "peak RSS <= 200 MB")  # fmt: skip
    for shuffled in {"sorted": [False], "shuffled": [True], "both": [False, True]}[args.order]:
        measure(args, shuffled=shuffled)


if __name__ == "__main__":
    main()
