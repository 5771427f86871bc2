"""The sample CBS files under examples/cbs/, dropped into the shipped config's CBS sources.

What a `make run` user does by hand, with the folders moved under the test's own directory.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from gateway.bootstrap import build
from gateway.config import parse_config
from gateway.imports.landing import LandingFolder, import_landed

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "examples" / "cbs"


def shipped_sources(root: Path) -> dict[str, Any]:
    """config.yaml's CBS sources as shipped, their folders moved under `root`."""
    shipped = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["sources"]
    sources = {name: dict(shipped[name]) for name in ("cbs-postings", "cbs-accounts")}
    for name, source in sources.items():
        source |= {"landing": str(root / "landing" / name), "archive": str(root / "archive"),
                   "error": str(root / "error")}  # fmt: skip
    text = dict(sources["cbs-postings"], encoding="cp1252", options={"framing": "lines"})
    sources["cbs-postings-text"] = text | {"landing": str(root / "landing" / "text")}
    return sources


def drop(samples: list[Path], landing: Path) -> None:
    landing.mkdir(parents=True, exist_ok=True)
    for sample in samples:
        shutil.copy(sample, landing / sample.name)
        shutil.copy(sample.with_name(sample.name + ".DONE"), landing / (sample.name + ".DONE"))


def test_the_samples_import_cleanly_through_the_shipped_sources(
    tmp_path: Path, database_url: str
) -> None:
    config = {"database": {"url": database_url}, "sources": shipped_sources(tmp_path)}
    gateway = build(parse_config(config))
    sources = gateway.batch_sources
    try:
        drop([SAMPLES / "CBS_ACCOUNTS_20240301.csv"], sources["cbs-accounts"].config.landing)
        accounts = import_landed(gateway.imports, LandingFolder(sources["cbs-accounts"]))
        drop([SAMPLES / "CBS_POSTINGS_20240301_001.DAT"], sources["cbs-postings"].config.landing)
        postings = import_landed(gateway.imports, LandingFolder(sources["cbs-postings"]))
        events = gateway.store.read_all(limit=1000)
    finally:
        gateway.close()

    assert [(r.record.status, r.record.events) for r in accounts] == [("completed", 5)]
    assert [(r.record.status, r.record.events) for r in postings] == [("completed", 9)]
    assert [e.type for e in events][-3:] == ["FundsWithdrawn", "PostingReversed", "FundsDeposited"]
    assert sorted(p.name for p in (tmp_path / "archive").iterdir()) == [
        "000001-CBS_ACCOUNTS_20240301.csv",
        "000002-CBS_POSTINGS_20240301_001.DAT",
    ]


def test_the_text_mode_sample_reads_as_the_binary_one(tmp_path: Path) -> None:
    sources = shipped_sources(tmp_path)
    gateway = build(parse_config({"database": {"url": f"sqlite:///{tmp_path}/g.db"},
                                  "sources": sources}))  # fmt: skip
    binary = gateway.batch_sources["cbs-postings"].adapter
    text = gateway.batch_sources["cbs-postings-text"].adapter
    gateway.close()
    with (SAMPLES / "CBS_POSTINGS_20240301_001.DAT").open("rb") as stream:
        from_binary = [r.values for r in binary.read(stream)]
    with (SAMPLES / "text-mode" / "CBS_POSTINGS_20240301_001.DAT").open("rb") as stream:
        from_text = [r.values for r in text.read(stream)]

    assert from_text == from_binary
    assert len(from_binary) == 11


def test_the_shipped_samples_are_what_make_samples_writes(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(SAMPLES / "make_samples.py"), "--out", str(tmp_path)],
        check=True, capture_output=True, cwd=ROOT,
    )  # fmt: skip

    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written
    for name in written:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name
