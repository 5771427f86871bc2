"""STMT's business day ends at 22:00 Europe/London: 24 hours, or 23 and 25 when clocks change.

A movement with a value date belongs to that day; one without, to the day it happened in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from gateway.exports.days import BusinessDays
from tests.exports.bank import Bank

LONDON = BusinessDays(ends_at=time(22, 0), timezone="Europe/London")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2026, 3, 4), 24), (date(2026, 3, 29), 23), (date(2026, 10, 25), 25),
     (date(2026, 7, 1), 24)],
)  # fmt: skip
def test_a_business_day_lasts_from_22_00_to_22_00_local_time(day: date, hours: int) -> None:
    assert LONDON.end_of(day) - LONDON.start_of(day) == timedelta(hours=hours)
    assert LONDON.end_of(day).astimezone(LONDON.zone).time() == time(22, 0)


def test_22_30_on_3_march_belongs_to_4_march() -> None:
    assert LONDON.business_day_of(at("2026-03-03T22:30:00+00:00")) == date(2026, 3, 4)
    assert LONDON.business_day_of(at("2026-03-03T21:59:59+00:00")) == date(2026, 3, 3)
    assert LONDON.business_day_of(at("2026-03-03T22:00:00+00:00")) == date(2026, 3, 4)


def test_in_summer_the_day_ends_at_21_00_utc() -> None:
    assert LONDON.business_day_of(at("2026-07-01T20:59:59Z")) == date(2026, 7, 1)
    assert LONDON.business_day_of(at("2026-07-01T21:00:00Z")) == date(2026, 7, 2)


def test_a_value_date_decides_whatever_the_time() -> None:
    assert LONDON.of_movement(date(2026, 3, 1), "2026-03-04T23:30:00.000000Z") == date(2026, 3, 1)
    assert LONDON.of_movement(None, "2026-03-04T23:30:00.000000Z") == date(2026, 3, 5)


def undated_at_the_edges(bank: Bank, moments: list[str]) -> None:
    bank.clock.set("2026-03-01T09:00:00Z")
    bank.open("000012345678")
    for n, moment in enumerate(moments):
        bank.undated_deposit("000012345678", f"CASH-{n}", f"{n + 1}.00", at=moment)


def evenings_export(bank: Bank, evenings: list[str]) -> None:
    """The scheduled export, five minutes after each day ends (22:05 local)."""
    for evening in evenings:
        bank.clock.set(evening)
        bank.stmt().run()


def counted(bank: Bank, day: str) -> int:
    trailer = (bank.folder / f"STMT_{day}.TXT").read_bytes().splitlines()[-1]
    return int(trailer[1:10])


def test_the_day_the_clocks_go_forward_takes_exactly_its_23_hours(bank: Bank) -> None:
    undated_at_the_edges(bank, [
        "2026-03-28T21:59:59Z",  # 21:59:59 GMT on the 28th: the 28th
        "2026-03-28T22:00:00Z",  # 22:00 GMT: the 29th begins
        "2026-03-29T00:59:59Z",  # 00:59:59 GMT, a second before the change
        "2026-03-29T01:00:00Z",  # 02:00 BST
        "2026-03-29T20:59:59Z",  # 21:59:59 BST: the 29th's last second
        "2026-03-29T21:00:00Z",  # 22:00 BST: the 30th
    ])  # fmt: skip

    evenings_export(bank, ["2026-03-28T22:05:00Z", "2026-03-29T21:05:00Z", "2026-03-30T21:05:00Z"])

    assert [counted(bank, d) for d in ("20260328", "20260329", "20260330")] == [1, 4, 1]


def test_the_day_the_clocks_go_back_takes_exactly_its_25_hours(bank: Bank) -> None:
    undated_at_the_edges(bank, [
        "2026-10-24T20:59:59Z",  # 21:59:59 BST on the 24th: the 24th
        "2026-10-24T21:00:00Z",  # 22:00 BST: the 25th begins
        "2026-10-25T00:30:00Z",  # 01:30 BST, the first time round
        "2026-10-25T01:30:00Z",  # 01:30 GMT, the second time round
        "2026-10-25T21:59:59Z",  # 21:59:59 GMT: the 25th's last second
        "2026-10-25T22:00:00Z",  # 22:00 GMT: the 26th
    ])  # fmt: skip

    evenings_export(bank, ["2026-10-24T21:05:00Z", "2026-10-25T22:05:00Z", "2026-10-26T22:05:00Z"])

    assert [counted(bank, d) for d in ("20261024", "20261025", "20261026")] == [1, 4, 1]


def test_a_movement_without_a_value_date_carries_its_business_day_as_value_date(
    bank: Bank,
) -> None:
    undated_at_the_edges(bank, ["2026-03-03T22:30:00Z"])
    bank.clock.set("2026-03-04T22:05:00Z")

    bank.stmt().run()

    detail = (bank.folder / "STMT_20260304.TXT").read_bytes().splitlines()[1]
    assert detail[:41] == b"D00001234567820260304DEP+0000000000100EUR"
