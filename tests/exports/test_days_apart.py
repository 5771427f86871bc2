"""Movements that reach the feed on another day than their own: future value dates, refused days,
a file whose marker went missing. Each day's file still holds exactly the movements of its day.
"""

from __future__ import annotations

from datetime import date

import pytest

from adapters.stmt import StatementFile
from gateway.errors import ExportError
from gateway.exports.days import BusinessDays
from gateway.exports.port import FileEntry
from gateway.exports.sorting import ExternalSort
from gateway.store.port import StoredEvent
from tests.exports.bank import Bank


class LastTwelveDigits(StatementFile):
    """A corrected format: an account number too wide for STMT keeps its last 12 characters."""

    def entry(self, event: StoredEvent, days: BusinessDays) -> FileEntry | None:
        account = str(event.data.get("account_no", ""))
        data = {**event.data, "account_no": account[-12:]}
        return super().entry(event._replace(data=data), days)


def details(bank: Bank, day: str) -> list[bytes]:
    return [line[:25] for line in (bank.folder / f"STMT_{day}.TXT").read_bytes().splitlines()[1:-1]]


def test_a_posting_value_dated_two_days_ahead_waits_for_its_own_days_file(bank: Bank) -> None:
    bank.clock.set("2026-03-01T09:00:00Z")
    bank.open("000012345678")
    bank.post("DEP", "000012345678", "T-FWD", "50.00", value="2026-03-06",
              narrative="STANDING ORDER", at="2026-03-04T10:00:00Z")  # fmt: skip
    bank.post("DEP", "000012345678", "T-NOW", "10.00", value="2026-03-04",
              narrative="TODAY", at="2026-03-04T11:00:00Z")  # fmt: skip

    for evening in ("2026-03-04T22:05:00Z", "2026-03-05T22:05:00Z", "2026-03-06T22:05:00Z"):
        bank.clock.set(evening)
        bank.stmt().run()

    assert details(bank, "20260304") == [b"D00001234567820260304DEP+"]
    assert details(bank, "20260305") == []
    assert details(bank, "20260306") == [b"D00001234567820260306DEP+"]


def test_a_refused_day_is_written_whole_once_its_events_can_be_written(bank: Bank) -> None:
    bank.clock.set("2026-03-01T09:00:00Z")
    bank.open("000012345678")
    bank.open("GB29NWBK60161331926819")
    bank.post("DEP", "000012345678", "T-OK", "10.00", value="2026-03-04",
              narrative="FINE", at="2026-03-04T09:00:00Z")  # fmt: skip
    bank.post("DEP", "GB29NWBK60161331926819", "T-WIDE", "5.00", value="2026-03-04",
              narrative="TOO WIDE", at="2026-03-04T10:00:00Z")  # fmt: skip
    bank.clock.set("2026-03-04T22:05:00Z")
    with pytest.raises(ExportError, match="2026-03-04"):
        bank.stmt().run()
    assert not (bank.folder / "STMT_20260304.TXT").exists()

    bank.clock.set("2026-03-05T08:00:00Z")  # the format is fixed; the day is rerun
    manifest = bank.stmt(fmt=LastTwelveDigits()).rerun(date(2026, 3, 4))

    assert manifest.record_count == 2
    assert details(bank, "20260304") == [
        b"D00001234567820260304DEP+",
        b"D16133192681920260304DEP+",
    ]


def test_a_day_whose_marker_went_missing_is_written_again_whole(bank: Bank) -> None:
    bank.clock.set("2026-03-01T09:00:00Z")
    bank.open("000012345678")
    bank.post("DEP", "000012345678", "T-1", "10.00", value="2026-03-04",
              narrative="ONE", at="2026-03-04T09:00:00Z")  # fmt: skip
    bank.clock.set("2026-03-04T22:05:00Z")
    bank.stmt().run()
    written = (bank.folder / "STMT_20260304.TXT").read_bytes()
    (bank.folder / "STMT_20260304.OK").unlink()

    bank.clock.set("2026-03-05T22:05:00Z")
    report = bank.stmt().run()

    assert sorted(m.file_name for m in report.written) == ["STMT_20260304.TXT", "STMT_20260305.TXT"]
    assert (bank.folder / "STMT_20260304.TXT").read_bytes() == written
    assert (bank.folder / "STMT_20260304.OK").exists()


def test_records_beyond_memory_are_sorted_through_disk_and_merged() -> None:
    items = [("2026-03-04", f"{n % 7:012d}", n, n, b"R%d" % n, None) for n in range(50, 0, -1)]

    with ExternalSort(chunk=8) as sorter:
        for item in items:
            sorter.add(item)
        merged = list(sorter.merged())

    assert merged == sorted(items)
