"""A postings import killed (SIGKILL) at random moments, again and again, then left to finish.

The first dies in pass 1, before any claim; each later restart takes over the dead claim once
its lease runs out and resumes at the checkpoint. The file is in no order, so pass 2 applies
it grouped by account from sorted runs merged back, and a resume skips records in that order.
On both backends (PostgreSQL writes the claims and events by COPY, not the statements SQLite
runs).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.bootstrap import build
from gateway.config import load_config
from gateway.imports.ledger import ImportLedger, ImportRecord
from tests.adapters.cbs.spec_files import (
    AccountLine,
    Posting,
    accounts_file,
    accounts_name,
    postings_file,
    postings_name,
)
from tests.imports.conftest import make_bank

ROOT = Path(__file__).resolve().parents[2]
RECORDS = 50_000
ACCOUNTS = 500
STRANGERS = 25  # postings for an account CBS never sent: quarantined, not applied
KILLS_IN_PASS_2 = 4
LEASE_SECONDS = 1
EARLY_KILL_SECONDS = 0.8  # the process started, reading the file: pass 1 takes seconds


def account(n: int) -> str:
    return f"{100_000_000_000 + n:012d}"


def day_of_postings() -> list[Posting]:
    postings = [
        Posting(f"TXN{n:013d}", account(n * ACCOUNTS // RECORDS), "DEP", Decimal(n % 997 + 1) / 100)
        for n in range(RECORDS - STRANGERS)
    ]
    postings += [Posting(f"XXX{n:013d}", "999999999999") for n in range(STRANGERS)]
    random.Random(20240229).shuffle(postings)  # more than one sorted run of the spool
    return postings


def start_import(config: Path, path: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "GATEWAY_DATABASE_URL"}
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "gateway", "import", "cbs-postings", str(path)]
    return subprocess.Popen(
        [*command, "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip


def current(ledger: ImportLedger) -> ImportRecord | None:
    found = ledger.list(source="cbs-postings", limit=1)
    return found[0] if found else None


def wait_for(ledger: ImportLedger, reached: Callable[[ImportRecord], bool]) -> ImportRecord:
    """Poll the ledger (as an operator would) until the running import reaches a point."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        record = current(ledger)
        if record is not None and (record.status != "running" or reached(record)):
            return record
        time.sleep(0.02)
    raise AssertionError("the import made no progress")


def kill_at(
    config: Path, path: Path, ledger: ImportLedger, reached: Callable[[ImportRecord], bool]
) -> ImportRecord:
    """Start an import, SIGKILL it once it reaches the point, and wait out its lease."""
    process = start_import(config, path)
    try:
        wait_for(ledger, reached)
    finally:  # also when it made no progress: no import left running after the test
        process.send_signal(signal.SIGKILL)
        process.wait()
    time.sleep(LEASE_SECONDS + 0.1)
    record = current(ledger)
    assert record is not None
    return record


def kill_early(config: Path, path: Path, ledger: ImportLedger) -> None:
    """SIGKILL an import while it reads the file and runs pass 1, before it claims anything."""
    process = start_import(config, path)
    time.sleep(EARLY_KILL_SECONDS)
    process.send_signal(signal.SIGKILL)
    process.wait()
    record = current(ledger)
    assert record is None or record.status == "running", record


@pytest.mark.slow
def test_an_import_killed_at_random_points_ends_with_one_event_per_valid_posting(
    tmp_path: Path, database_url: str
) -> None:
    overrides = {"lease_seconds": LEASE_SECONDS, "chunk_size": 500, "reject_limit": "1%"}
    bank = make_bank(tmp_path, database_url, **{"cbs-postings": overrides})
    lines = [AccountLine(account(n)) for n in range(ACCOUNTS)]
    bank.deliver("cbs-accounts", accounts_name("20240229"), accounts_file(lines))
    incoming = tmp_path / "incoming" / postings_name()
    incoming.parent.mkdir()
    postings = day_of_postings()
    incoming.write_bytes(postings_file(postings))
    ledger = ImportLedger(bank.gateway.store)
    chance = random.Random(20240301)

    kill_early(bank.config_path, incoming, ledger)
    seen = [kill_at(bank.config_path, incoming, ledger, lambda r: r.records > 0)]
    for _ in range(KILLS_IN_PASS_2):  # at a random record in the first half of those left
        done = seen[-1].checkpoint
        if seen[-1].status != "running" or done >= RECORDS:
            break
        target = chance.randint(done + 1, done + (RECORDS - done) // 2)
        reached: Callable[[ImportRecord], bool] = lambda r, t=target: r.checkpoint >= t  # noqa: E731
        seen.append(kill_at(bank.config_path, incoming, ledger, reached))
    final = start_import(bank.config_path, incoming)
    assert final.wait(timeout=120) == 0

    record = current(ledger)
    assert record is not None and record.status == "completed", record
    checkpoints = [r.checkpoint for r in seen]
    assert checkpoints == sorted(checkpoints)  # each restart resumed, none started over
    assert sum(0 < c < RECORDS for c in checkpoints) >= 2, checkpoints
    bank.gateway.close()
    check = build(load_config(bank.config_path))
    deposits = [e for e in check.store.read_all(limit=200_000) if e.type == "FundsDeposited"]
    refs = [e.data["posting_ref"] for e in deposits]
    assert len(refs) == len(set(refs)) == RECORDS - STRANGERS
    applied: dict[str, list[str]] = {}
    for event in deposits:
        applied.setdefault(event.stream_id, []).append(event.data["posting_ref"])
    in_the_file: dict[str, list[str]] = {}
    for posting in postings:
        if not posting.txn_ref.startswith("XXX"):
            in_the_file.setdefault(f"account-{posting.account_no}", []).append(posting.txn_ref)
    assert applied == in_the_file  # each account's postings in the file's order
    rejects = check.imports.quarantine.list(import_id=record.id, limit=1000)
    assert len({r.record_number for r in rejects}) == len(rejects) == STRANGERS
    assert (record.accepted, record.rejected) == (RECORDS - STRANGERS, STRANGERS)
    check.close()
