"""Reconciliation speed: GL's balances of 100,000 accounts against 1,000,000 delivered postings.

The delivery records (deliveries and their ledger lines, as the running gateway keeps them) are
written raw; a few accounts differ on purpose. In the same run the ceiling: the file's rows
parsed with `csv`, staged with `executemany` and the same SQL aggregate run on the DB-API cursor.
Each side runs in a fresh child process, so its peak RSS is its own. Targets: < 30 s, <= 200 MB.

    .venv/bin/python bench/reconcile.py [--postings 1000000] [--accounts 100000] [--database URL]

It also measures how fast ledger lines are indexed from real events and the deliveries the real
dispatcher made of them (`--index-sample`, on SQLite): a cost paid once per posting, by the
`ledger-lines` job as deliveries come, not by the comparison.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peak_memory import peak_rss_kb

from adapters.gl.balances import GlBalancesFile, format_cents
from gateway.config import ReconciliationSourceConfig
from gateway.delivery.dispatch import Subscription, dispatch
from gateway.reconciliation.compare import FIGURES
from gateway.reconciliation.engine import Reconciler, ReconciliationSource
from gateway.reconciliation.lines import index_ledger_lines
from gateway.store import NewEvent, StreamAppend
from gateway.store.sql import SqlEventStore, open_store

AS_OF = "2026-11-26T23:00:00+00:00"
FILE_NAME = "GL_BALANCES_20261126.csv"
DAY_STARTED = datetime.fromisoformat(AS_OF).timestamp() - 86_400
LOST, LATE, DEAD = 1, 2, 3  # account n % 1000: GL lost a posting; last one pending; one dead
DELIVERY_COLUMNS = (
    "destination, position, stream_id, event_id, event_type, idempotency_key, status, attempts, "
    "event_at, due_at, next_attempt_at, created_at, delivered_at"
)


def ref(n: int, round_no: int) -> str:
    return f"P{n:06d}-{round_no:02d}"


def amount(n: int, round_no: int) -> int:
    signed = (n % 500 + 1) * 100 + round_no
    return signed if round_no % 3 else -signed  # every third a DR


def status(n: int, round_no: int, rounds: int) -> str:
    kind = n % 1000
    if kind == LATE and round_no == rounds - 1:
        return "pending"
    if kind == DEAD and round_no == rounds // 2:
        return "dead"
    return "delivered"


def record_rows(accounts: int, rounds: int) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """(delivery, ledger line) per posting, interleaved across accounts as a day's feed."""
    for round_no in range(rounds):
        for n in range(accounts):
            position = round_no * accounts + n + 1
            state = status(n, round_no, rounds)
            at = DAY_STARTED + position / 1000  # acknowledged during GL's day
            delivered = at + 0.05 if state == "delivered" else None
            delivery = ("gl", position, f"account-{n:012d}", str(uuid.uuid4()), "FundsDeposited",
                        str(uuid.uuid4()), state, 1, at, at + 300, at, at, delivered)  # fmt: skip
            yield (
                delivery,
                ("gl", position, f"{n:012d}", ref(n, round_no), amount(n, round_no), "EUR"),
            )


def write_records(store: SqlEventStore, accounts: int, rounds: int) -> None:
    deliveries, lines = [], []
    for delivery, line in record_rows(accounts, rounds):
        deliveries.append(delivery)
        lines.append(line)
        if len(lines) >= 20_000:
            _commit(store, deliveries, lines)
            deliveries, lines = [], []
    if lines:
        _commit(store, deliveries, lines)


def _commit(store: SqlEventStore, deliveries: list[Any], lines: list[Any]) -> None:
    with store.transaction() as tx:
        marks = ",".join("?" * 13)
        tx.connection.exec_driver_sql(
            store.sql(f"INSERT INTO deliveries ({DELIVERY_COLUMNS}) VALUES ({marks})"), deliveries
        )
        tx.connection.exec_driver_sql(
            store.sql("INSERT INTO ledger_lines (destination, position, account, reference, "
                      "amount, currency) VALUES (?,?,?,?,?,?)"),
            lines,
        )  # fmt: skip


def gl_row(n: int, rounds: int) -> str:
    """What GL holds: every acknowledged posting, but one it lost on LOST accounts."""
    kept = [
        r for r in range(rounds)
        if status(n, r, rounds) == "delivered" and not (n % 1000 == LOST and r == 3)
    ]  # fmt: skip
    balance = sum(amount(n, r) for r in kept)
    return f"{n:012d},EUR,{format_cents(balance)},{len(kept)},{ref(n, kept[-1])},{AS_OF}"


def write_gl_file(folder: Path, accounts: int, rounds: int) -> Path:
    path = folder / FILE_NAME
    total = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("CUSTOMER_ACCOUNT,CURRENCY,BALANCE,POSTING_COUNT,LAST_POSTING_REF,AS_OF\n")
        for n in range(accounts):
            row = gl_row(n, rounds)
            total += int(row.split(",")[2].replace(".", ""))
            out.write(row + "\n")
        out.write(f"TOTAL,{accounts},{format_cents(total)}\n")
    return path


def gateway(url: str, folder: Path) -> str:
    store = open_store(url, migrate=False)
    config = ReconciliationSourceConfig.model_validate(
        {"kind": "reconciliation", "adapter": "adapters.gl:balances_file", "destination": "gl",
         "landing": str(folder)}
    )  # fmt: skip
    source = ReconciliationSource("gl-balances", config, GlBalancesFile())
    outcome = Reconciler(store).reconcile_file(source, folder / FILE_NAME)
    kinds: dict[str, int] = {}
    for difference in outcome.differences:
        kinds[difference.kind.value] = kinds.get(difference.kind.value, 0) + 1
    return f"{outcome.status} {sorted(kinds.items())}".replace(" ", "")


def ceiling(url: str, folder: Path) -> str:
    """The file parsed by `csv`, staged raw, and the same aggregate on the DB-API cursor."""
    store = open_store(url, migrate=False)
    with (folder / FILE_NAME).open(newline="", encoding="utf-8") as stream:
        rows = [
            (999_999, r[0], line, r[1], int(r[2].replace(".", "")), int(r[3]), r[4])
            for line, r in enumerate(csv.reader(stream), start=1)
            if r[0] not in ("CUSTOMER_ACCOUNT", "TOTAL")
        ]
    raw = store.engine.raw_connection()
    cursor = raw.cursor()
    cursor.executemany(
        store.sql("INSERT INTO reconciliation_balances (import_id, account, line, currency, "
                  "balance, posting_count, last_ref) VALUES (?,?,?,?,?,?,?)"),
        rows,
    )  # fmt: skip
    raw.commit()
    as_of = datetime.fromisoformat(AS_OF).timestamp()
    cursor.execute(store.sql(FIGURES), (as_of, "gl", "gl", 999_999))
    differing = sum(1 for _ in cursor)
    cursor.execute(store.sql("DELETE FROM reconciliation_balances WHERE import_id = 999999"))
    raw.commit()
    return f"{differing}-accounts-to-explain"


def delivered_events(url: str, postings: int, accounts: int) -> None:
    """Real events and the deliveries the real dispatcher makes of them, with no ledger lines."""
    store = open_store(url)
    batch: list[StreamAppend] = []
    for position in range(postings):
        n, round_no = position % accounts, position // accounts
        data = {"account_no": f"{n:012d}", "posting_ref": ref(n, round_no),
                "amount": {"amount": f"{round_no + 1}.00", "currency": "EUR"},
                "value_date": "2026-11-26", "narrative": "SALARY"}  # fmt: skip
        batch.append(
            StreamAppend(f"account-{n:012d}", round_no, [NewEvent("FundsDeposited", data, 2)])
        )
        if len(batch) == 2000:
            with store.transaction() as tx:
                tx.append(batch)
            batch = []
    if batch:
        with store.transaction() as tx:
            tx.append(batch)
    subscription = Subscription("gl", frozenset({"FundsDeposited"}), 300.0)
    while dispatch(store, subscription, now=time.time(), limit=5000):
        pass
    store.engine.dispose()


def index(url: str, folder: Path) -> str:
    store = open_store(url, migrate=False)
    return f"{index_ledger_lines(store, 'gl', GlBalancesFile())}-lines"


def child(side: str, url: str, folder: Path) -> tuple[float, float, str]:
    """Run one side in a fresh process: (seconds of work, its own peak RSS in MB, its answer)."""
    command = [sys.executable, __file__, "--side", side, "--database", url, "--folder", str(folder)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    seconds, peak_kb, answer = done.stdout.split()[-3:]
    return float(seconds), int(peak_kb) / 1024, answer


def measured(side: str, url: str, folder: Path) -> None:
    started = time.perf_counter()
    answer = {"gateway": gateway, "ceiling": ceiling, "index": index}[side](url, folder)
    took = time.perf_counter() - started
    print(f"{took:.3f} {peak_rss_kb()} {answer}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--database", default=None, help="default: SQLite in a temp folder")
    parser.add_argument(
        "--index-sample",
        type=int,
        default=100_000,
        help="postings whose ledger lines are indexed from real events (0: skip)",
    )
    parser.add_argument("--side", choices=["gateway", "ceiling", "index"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        measured(args.side, args.database, args.folder)
        return
    folder = Path(tempfile.mkdtemp())
    url = args.database or f"sqlite:///{folder}/bench.db"
    rounds = args.postings // args.accounts
    store = open_store(url)
    started = time.perf_counter()
    write_records(store, args.accounts, rounds)
    write_gl_file(folder, args.accounts, rounds)
    if store.is_postgres:  # a live database has statistics (autovacuum); a fresh load has none
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE deliveries")
            conn.exec_driver_sql("ANALYZE ledger_lines")
            conn.commit()
    store.engine.dispose()
    took = time.perf_counter() - started
    print(f"wrote {args.accounts * rounds:,} delivered postings over {args.accounts:,} accounts "
          f"and GL's file in {took:.1f} s ({url.split(':')[0]})")  # fmt: skip
    top, top_rss, top_answer = child("ceiling", url, folder)
    print(f"ceiling: csv + executemany + the aggregate raw  {top:6.1f} s, peak RSS "
          f"{top_rss:4.0f} MB ({top_answer})")  # fmt: skip
    took, rss, answer = child("gateway", url, folder)
    print(f"gateway: Reconciler.reconcile_file           {took:6.1f} s, peak RSS {rss:4.0f} MB "
          f"({answer}): {top / took:.2f}x the ceiling")  # fmt: skip
    if args.index_sample:
        sample = f"sqlite:///{folder}/index.db"
        delivered_events(sample, args.index_sample, min(args.accounts, args.index_sample))
        took, rss, answer = child("index", sample, folder)
        print(f"ledger lines indexed from real events (kept current by a job): "
              f"{args.index_sample / took:,.0f} lines/s ({took:.1f} s, {answer}, peak RSS "
              f"{rss:.0f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
