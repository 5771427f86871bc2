"""A gateway killed (SIGKILL) while it writes STMT's file: STMT never sees a partial file.

The export runs in a real `gateway` process, which is killed mid-write: once it has handed
`KILLED_AFTER` bytes of the file to the kernel, it sends itself SIGKILL. Watching the folder
from outside missed the moment under a loaded suite: the whole file is written in about 30 ms.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

import pytest

from gateway.exports.days import BusinessDays
from gateway.store.sql import open_store
from tests.exports.bank import append_deposits

ROOT = Path(__file__).resolve().parents[2]
MOVEMENTS = 80_000
KILLED_AFTER = 200_000  # bytes of a 6.5 MB file: well past the writer's first buffers
KILLED_MID_WRITE = f"""
import os, signal
from gateway.cli import app
from gateway.exports import engine
real = engine.replace_atomically
def killed_mid_write(folder, name, chunks):
    def until_killed():
        written = 0
        for chunk in chunks:
            yield chunk
            written += len(chunk)
            if written > {KILLED_AFTER}:
                os.kill(os.getpid(), signal.SIGKILL)
    return real(folder, name, until_killed())
engine.replace_atomically = killed_mid_write
app()
"""
LONDON = BusinessDays(ends_at=clock_time(22, 0), timezone="Europe/London")
pytestmark = pytest.mark.slow


def write_config(folder: Path) -> Path:
    path = folder / "config.yaml"
    path.write_text(f"""\
database: {{url: "sqlite:///{folder}/gateway.db"}}
log: {{format: json}}
jobs: {{lease_seconds: 1, heartbeat_seconds: 0.3}}
exports:
  stmt:
    adapter: adapters.stmt:StatementFile
    events: [FundsDeposited]
    folder: {folder / "stmt"}
    file_name: "STMT_{{day:%Y%m%d}}.TXT"
    marker_name: "STMT_{{day:%Y%m%d}}.OK"
""")
    return path


def gateway(config: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gateway", *args, "--config", str(config)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def run_killed_mid_write(config: Path, *args: str) -> list[Path]:
    """The command in a gateway process that is SIGKILLed while it writes the file; the
    temporary files it leaves."""
    process = subprocess.run(
        [sys.executable, "-c", KILLED_MID_WRITE, *args, "--config", str(config)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=180,
    )  # fmt: skip
    assert process.returncode == -signal.SIGKILL, "the export ended before it was killed"
    return [p for p in (config.parent / "stmt").glob(".STMT_*.tmp") if p.stat().st_size > 50_000]


def finish(config: Path, *args: str) -> None:
    time.sleep(1.2)  # the dead process's lease expires
    assert gateway(config, *args).wait(timeout=180) == 0


@pytest.fixture
def day_of_movements(tmp_path: Path) -> tuple[Path, str]:
    config = write_config(tmp_path)
    day = LONDON.last_closed(datetime.now(UTC))
    store = open_store(f"sqlite:///{tmp_path}/gateway.db")
    append_deposits(store, value_date=day, count=MOVEMENTS, accounts=5_000)
    store.engine.dispose()
    return config, day.strftime("%Y%m%d")


def test_a_crash_mid_export_leaves_no_file_and_no_marker_and_the_next_run_completes_it(
    day_of_movements: tuple[Path, str],
) -> None:
    config, day = day_of_movements
    folder = config.parent / "stmt"

    partial = run_killed_mid_write(config, "exports", "run", "stmt")

    assert partial and not (folder / f"STMT_{day}.TXT").exists()
    assert not (folder / f"STMT_{day}.OK").exists()
    finish(config, "exports", "run", "stmt")
    lines = (folder / f"STMT_{day}.TXT").read_bytes().splitlines()
    assert (len(lines), lines[-1][:10]) == (MOVEMENTS + 2, f"T{MOVEMENTS:09d}".encode())
    assert (folder / f"STMT_{day}.OK").exists()
    assert sorted(p.name for p in folder.iterdir()) == [f"STMT_{day}.OK", f"STMT_{day}.TXT"]


def test_a_crash_mid_rerun_leaves_the_previous_complete_file_beside_its_marker(
    day_of_movements: tuple[Path, str],
) -> None:
    config, day = day_of_movements
    folder = config.parent / "stmt"
    assert gateway(config, "exports", "run", "stmt").wait(timeout=180) == 0
    complete = (folder / f"STMT_{day}.TXT").read_bytes()

    assert run_killed_mid_write(config, "exports", "rerun", "stmt", day)

    assert (folder / f"STMT_{day}.TXT").read_bytes() == complete
    assert (folder / f"STMT_{day}.OK").exists()
    finish(config, "exports", "rerun", "stmt", day)
    assert (folder / f"STMT_{day}.TXT").read_bytes() == complete  # no event changed
