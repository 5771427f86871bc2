"""Events that reach the feed after their day's file was written: reported, then re-exported.

A re-export replaces the file under its own name in one rename and rewrites the `.OK`.
"""

from __future__ import annotations

from datetime import date

import pytest

from gateway.errors import ExportError
from gateway.exports.manifests import load_manifest
from tests.exports.bank import Bank

DAY = date(2026, 3, 4)


def exported_day(bank: Bank) -> None:
    bank.clock.set("2026-03-01T09:00:00Z")
    bank.open("000012345678")
    bank.post("DEP", "000012345678", "T-1", "125.50", value="2026-03-04",
              narrative="SALARY MARCH", at="2026-03-04T09:00:00Z")  # fmt: skip
    bank.clock.set("2026-03-04T22:05:00Z")
    bank.stmt().run()


def test_a_posting_for_an_exported_day_is_reported_as_late(bank: Bank) -> None:
    exported_day(bank)
    bank.post("FEE", "000012345678", "T-2", "2.50", value="2026-03-04",
              narrative="LATE FEE", at="2026-03-05T01:30:00Z")  # fmt: skip
    late_position = bank.store.head_position()

    bank.clock.set("2026-03-05T22:05:00Z")
    report = bank.stmt().run()

    assert report.late == {"2026-03-04": 1}
    manifest = load_manifest(bank.store, "stmt", DAY)
    assert manifest is not None
    assert (manifest.late_count, manifest.late_first_position) == (1, late_position)
    assert manifest.through_position < late_position
    assert [m.business_day for m in report.written] == [date(2026, 3, 5)]


def test_a_rerun_replaces_the_file_with_the_late_events_and_rewrites_the_marker(
    bank: Bank,
) -> None:
    exported_day(bank)
    old_file = (bank.folder / "STMT_20260304.TXT").stat()
    old_marker = (bank.folder / "STMT_20260304.OK").stat()
    bank.post("FEE", "000012345678", "T-2", "2.50", value="2026-03-04",
              narrative="LATE FEE", at="2026-03-05T01:30:00Z")  # fmt: skip

    bank.clock.set("2026-03-05T08:00:00Z")
    manifest = bank.stmt().rerun(DAY)

    lines = (bank.folder / "STMT_20260304.TXT").read_bytes().splitlines()
    assert lines[0][9:23] == b"20260305080000"  # made anew: the events changed
    assert [line[:45] for line in lines[1:-1]] == [
        b"D00001234567820260304DEP+0000000012550EURSALA",
        b"D00001234567820260304FEE-0000000000250EURLATE",
    ]
    assert lines[-1][:25] == b"T000000002+00000000012300"
    assert (manifest.record_count, manifest.late_count, manifest.exports) == (2, 0, 2)
    assert (bank.folder / "STMT_20260304.TXT").stat().st_ino != old_file.st_ino
    assert (bank.folder / "STMT_20260304.OK").stat().st_ino != old_marker.st_ino
    assert not [p.name for p in bank.folder.iterdir() if p.name.startswith(".")]


def test_a_day_that_has_not_ended_cannot_be_rerun(bank: Bank) -> None:
    bank.clock.set("2026-03-04T21:59:00Z")

    with pytest.raises(ExportError, match="has not ended yet"):
        bank.stmt().rerun(DAY)


def test_a_movement_stmt_cannot_print_holds_back_only_its_own_day(bank: Bank) -> None:
    bank.clock.set("2026-03-01T09:00:00Z")
    bank.open("GB29NWBK60161331926819")  # 22 characters: STMT's field holds 12
    bank.post("DEP", "GB29NWBK60161331926819", "T-IBAN", "5.00", value="2026-03-03",
              narrative="TOO WIDE", at="2026-03-03T09:00:00Z")  # fmt: skip
    bank.clock.set("2026-03-02T22:05:00Z")
    bank.stmt().run()

    bank.clock.set("2026-03-04T22:05:00Z")
    with pytest.raises(ExportError, match=r"2026-03-03.*ACCOUNT-NO") as refused:
        bank.stmt().run()

    assert "STMT_20260304.TXT (0 records)" in str(refused.value)
    assert not (bank.folder / "STMT_20260303.TXT").exists()
    assert (bank.folder / "STMT_20260304.OK").exists()
