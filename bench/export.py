"""Export speed: STMT's file for one business day of 1,000,000 movements over 100,000 accounts.

In the same run it measures the ceiling: the same events read from the store with `read_all`
and the same lines written by plain Python (f-strings, one in-memory sort). Each side runs in
a fresh child process, so its peak RSS is its own. Target: >= 0.5x the ceiling, <= 200 MB.

    .venv/bin/python bench/export.py [--movements 1000000] [--accounts 100000] [--database URL]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peak_memory import peak_rss_kb

from adapters.stmt import StatementFile
from gateway.domain.messages import event_class
from gateway.exports.engine import ExportJob
from gateway.exports.settings import ExportConfig
from gateway.store import NewEvent, StreamAppend
from gateway.store.sql import SqlEventStore, open_store

DAY = date(2026, 11, 26)
EXPORTED_AT = datetime(2026, 11, 26, 22, 5, tzinfo=UTC)
KINDS = [("FundsDeposited", "SALARY NOVEMBER"), ("FundsWithdrawn", "ATM WITHDRAWAL"),
         ("FeeCharged", "MONTHLY FEE"), ("InterestCredited", "INTEREST")]  # fmt: skip
EVENTS = [kind for kind, _ in KINDS]
FILLER = " " * 9


def append_day(store: SqlEventStore, movements: int, accounts: int) -> None:
    batch: list[StreamAppend] = []
    for n in range(movements):
        account, version = f"{n % accounts:012d}", n // accounts
        kind, narrative = KINDS[n % len(KINDS) if n % 7 else 0]
        data = {"account_no": account, "posting_ref": f"TX{n:014d}",
                "amount": {"amount": f"{n % 4999 + 1}.{n % 100:02d}", "currency": "EUR"},
                "value_date": DAY.isoformat(), "narrative": narrative}  # fmt: skip
        event = NewEvent(kind, data, event_class(kind).schema_version)
        batch.append(StreamAppend(f"account-{account}", version, [event]))
        if len(batch) == 10_000:
            _commit(store, batch)
            batch = []
    _commit(store, batch)


def _commit(store: SqlEventStore, batch: list[StreamAppend]) -> None:
    if batch:
        with store.transaction() as tx:
            tx.append(batch)


def engine(url: str, folder: Path) -> None:
    """The product: `ExportJob.run()` on the STMT config, as the schedule would run it."""
    names = {"file_name": "STMT_{day:%Y%m%d}.TXT", "marker_name": "STMT_{day:%Y%m%d}.OK"}
    config = ExportConfig(adapter="adapters.stmt:StatementFile", events=EVENTS, folder=folder,
                          **names)  # fmt: skip
    store = open_store(url, migrate=False)
    job = ExportJob("stmt", config, StatementFile(), store, clock=lambda: EXPORTED_AT)
    job.run()


def ceiling(url: str, folder: Path) -> None:
    """Plain Python: read the events, f-string each line, sort them all in memory, write."""
    store = open_store(url, migrate=False)
    codes = {"FundsDeposited": ("DEP", "+"), "FundsWithdrawn": ("WDL", "-"),
             "FeeCharged": ("FEE", "-"), "InterestCredited": ("INT", "+")}  # fmt: skip
    lines, after = [], 0
    while page := store.read_all(after=after, limit=5000):
        for e in page:
            d = e.data
            code, sign = codes[e.type]
            amount = d["amount"]
            cents = int(amount["amount"].replace(".", ""))
            day, narrative = d["value_date"].replace("-", ""), d["narrative"][:30]
            line = (f"D{d['account_no']:<12}{day}{code}{sign}{cents:013d}{amount['currency']}"
                    f"{narrative:<30}{FILLER}\n")  # fmt: skip
            lines.append((line[1:13], e.recorded_at, e.position, line))
        after = page[-1].position
    lines.sort()
    with open(folder / "ceiling.TXT", "w", encoding="ascii") as out:
        out.writelines(line for *_, line in lines)


def child(side: str, url: str, folder: Path) -> tuple[float, float]:
    """Run one side in a fresh process: (seconds of work, its own peak RSS in MB)."""
    command = [sys.executable, __file__, "--side", side, "--database", url, "--folder", str(folder)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    seconds, peak_kb = done.stdout.split()[-2:]
    return float(seconds), int(peak_kb) / 1024


def measured(side: str, url: str, folder: Path) -> None:
    """In the child: do the work, then print its duration and the process's peak RSS."""
    started = time.perf_counter()
    (engine if side == "engine" else ceiling)(url, folder)
    took = time.perf_counter() - started
    print(f"{took:.3f} {peak_rss_kb()}")


def same_lines(folder: Path) -> bool:
    details = (folder / "STMT_20261126.TXT").read_bytes().splitlines(keepends=True)[1:-1]
    wanted = (folder / "ceiling.TXT").read_bytes()
    return hashlib.sha256(b"".join(details)).digest() == hashlib.sha256(wanted).digest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--database", default=None, help="default: SQLite in a temp folder")
    parser.add_argument("--side", choices=["engine", "ceiling"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        measured(args.side, args.database, args.folder)
        return
    folder = Path(tempfile.mkdtemp())
    url = args.database or f"sqlite:///{folder}/bench.db"
    store = open_store(url)
    started = time.perf_counter()
    append_day(store, args.movements, args.accounts)
    print(f"appended {args.movements:,} movements over {args.accounts:,} accounts in "
          f"{time.perf_counter() - started:.1f} s ({url.split(':')[0]})")  # fmt: skip
    store.engine.dispose()
    top, top_rss = child("ceiling", url, folder)
    print(f"ceiling: read_all + f-strings + sort  {args.movements / top:9,.0f} movements/s "
          f"({top:.1f} s, peak RSS {top_rss:.0f} MB)")  # fmt: skip
    took, rss = child("engine", url, folder)
    print(f"engine:  ExportJob.run (read+sort+write) {args.movements / took:9,.0f} movements/s "
          f"({took:.1f} s, peak RSS {rss:.0f} MB): {top / took:.2f}x the ceiling")  # fmt: skip
    print(f"same detail lines as the ceiling: {same_lines(folder)}")


if __name__ == "__main__":
    main()
