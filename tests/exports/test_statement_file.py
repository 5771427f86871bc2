"""STMT's statement file for a business day, as statement printing reads it (stmt.md).

The golden file was written by hand from stmt.md; the export must match it byte for byte.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from gateway.exports.manifests import load_manifest
from tests.exports.bank import Bank

GOLDEN = Path(__file__).parent / "golden" / "STMT_20260304.TXT"
GOLDEN_DAY = date(2026, 3, 4)


def a_day_of_movements(bank: Bank) -> None:
    """4 March 2026: six movements of that value date, in feed order unlike file order."""
    bank.clock.set("2026-03-01T09:00:00Z")
    for account, currency in (("000012345678", "EUR"), ("000012345600", "EUR"),
                              ("000099999999", "GBP")):  # fmt: skip
        bank.open(account, currency)
    bank.post("WDL", "000099999999", "T-RENT", "1234567.89", value="2026-03-04",
              narrative="RENT MARCH", at="2026-03-04T07:30:00Z", currency="GBP")  # fmt: skip
    bank.post("DEP", "000012345678", "T-EARLY", "10.00", value="2026-03-03",
              narrative="YESTERDAY", at="2026-03-04T08:00:00Z")  # fmt: skip
    bank.post("DEP", "000012345678", "T-SAL", "125.50", value="2026-03-04",
              narrative="SALARY MARCH", at="2026-03-04T09:00:00Z")  # fmt: skip
    bank.post("FEE", "000012345678", "T-FEE", "2.50", value="2026-03-04",
              narrative="MONTHLY FEE", at="2026-03-04T10:00:00Z")  # fmt: skip
    bank.post("WDL", "000012345678", "T-ATM", "40.00", value="2026-03-04",
              narrative="ATM WITHDRAWAL", at="2026-03-04T11:00:00Z")  # fmt: skip
    bank.reverse("000012345678", "T-REFUND", "T-FEE", value="2026-03-04",
                 narrative="FEE REFUND", at="2026-03-04T12:00:00Z")  # fmt: skip
    bank.post("DEP", "000012345678", "T-NEXT", "99.00", value="2026-03-05",
              narrative="TOMORROW", at="2026-03-04T13:00:00Z")  # fmt: skip
    bank.post("INT", "000012345600", "T-INT", "0.37", value="2026-03-04",
              narrative="INTEREST Q1", at="2026-03-04T21:59:59Z")  # fmt: skip


def test_a_days_statement_file_matches_the_spec_byte_for_byte(bank: Bank) -> None:
    a_day_of_movements(bank)
    bank.clock.set("2026-03-04T22:05:00Z")

    report = bank.stmt().run()

    written = bank.folder / "STMT_20260304.TXT"
    assert written.read_bytes() == GOLDEN.read_bytes()
    assert (bank.folder / "STMT_20260304.OK").read_bytes() == b""
    assert [m.file_name for m in report.written] == ["STMT_20260304.TXT"]


def test_the_manifest_records_positions_count_totals_and_checksum(bank: Bank) -> None:
    a_day_of_movements(bank)
    bank.clock.set("2026-03-04T22:05:00Z")

    bank.stmt().run()

    manifest = load_manifest(bank.store, "stmt", GOLDEN_DAY)
    assert manifest is not None
    assert (manifest.record_count, manifest.net_total_minor) == (6, -123448202)
    assert manifest.sha256 == hashlib.sha256(GOLDEN.read_bytes()).hexdigest()
    assert manifest.size_bytes == 8 * 81
    assert manifest.through_position == bank.store.head_position()
    assert manifest.first_position is not None and manifest.last_position is not None
    assert manifest.first_position < manifest.last_position <= manifest.through_position
    assert manifest.created_at == "2026-03-04T22:05:00+00:00"


def test_a_day_without_movements_still_gets_its_file(bank: Bank) -> None:
    bank.clock.set("2026-03-04T22:05:00Z")

    bank.stmt().run()

    assert (bank.folder / "STMT_20260304.TXT").read_bytes() == (
        b"H2026030420260304220500" + b" " * 57 + b"\nT000000000+00000000000000" + b" " * 55 + b"\n"
    )
    assert (bank.folder / "STMT_20260304.OK").exists()


def test_the_same_day_exported_again_is_the_same_file_byte_for_byte(bank: Bank) -> None:
    a_day_of_movements(bank)
    bank.clock.set("2026-03-04T22:05:00Z")
    bank.stmt().run()
    first = (bank.folder / "STMT_20260304.TXT").read_bytes()

    bank.clock.set("2026-03-06T10:00:00Z")
    manifest = bank.stmt().rerun(GOLDEN_DAY)

    assert (bank.folder / "STMT_20260304.TXT").read_bytes() == first
    assert (manifest.exports, manifest.created_at) == (2, "2026-03-04T22:05:00+00:00")


def test_a_run_writes_only_days_not_yet_written(bank: Bank) -> None:
    bank.clock.set("2026-03-04T22:05:00Z")
    bank.stmt().run()
    marker = bank.folder / "STMT_20260304.OK"
    written_at = marker.stat().st_mtime_ns

    bank.clock.set("2026-03-04T23:05:00Z")
    report = bank.stmt().run()

    assert report.written == []
    assert marker.stat().st_mtime_ns == written_at


def test_days_missed_while_the_gateway_was_down_are_written_on_the_next_run(bank: Bank) -> None:
    bank.clock.set("2026-03-02T22:05:00Z")
    bank.stmt().run()

    bank.clock.set("2026-03-05T22:10:00Z")
    report = bank.stmt().run()

    assert [m.business_day.isoformat() for m in report.written] == [
        "2026-03-03", "2026-03-04", "2026-03-05",
    ]  # fmt: skip
    names = sorted(p.name for p in bank.folder.iterdir())
    assert names == [f"STMT_2026030{d}.{x}" for d in (2, 3, 4, 5) for x in ("OK", "TXT")]
