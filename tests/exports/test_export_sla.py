"""STMT's file is due by 22:30: a late file is a breach recorded at 22:30, not when it appears.

It shows in the same SLA report as deliveries and imports.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.exports.report import export_sla_source
from gateway.sla import list_breaches, report
from tests.exports.bank import Bank


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).astimezone(UTC).timestamp()


def test_a_file_written_by_22_30_is_no_breach(bank: Bank) -> None:
    bank.clock.set("2026-03-04T22:05:00Z")
    bank.stmt().run()

    bank.clock.set("2026-03-04T22:30:00Z")
    assert bank.stmt().check_sla() is False
    assert list_breaches(bank.store, kind="export") == []


def test_a_missing_file_at_22_30_is_a_breach_dated_22_30(bank: Bank) -> None:
    bank.clock.set("2026-03-04T22:30:00.250Z")

    assert bank.stmt().check_sla() is True

    [breach] = list_breaches(bank.store, kind="export")
    assert (breach.name, breach.subject) == ("stmt", "2026-03-04")
    assert breach.due_at == breach.breached_at == epoch("2026-03-04T22:30:00Z")


def test_the_file_appearing_later_leaves_the_breach_dated_22_30(bank: Bank) -> None:
    bank.clock.set("2026-03-04T22:30:00Z")
    bank.stmt().check_sla()

    bank.clock.set("2026-03-04T22:47:00Z")
    bank.stmt().run()

    [breach] = list_breaches(bank.store, kind="export")
    assert breach.breached_at == epoch("2026-03-04T22:30:00Z")


def test_a_late_file_is_a_breach_even_when_no_check_ran_at_22_30(bank: Bank) -> None:
    bank.clock.set("2026-03-04T23:10:00Z")  # the gateway was down from 22:00 to 23:10
    bank.stmt().run()

    [breach] = list_breaches(bank.store, kind="export")
    assert (breach.subject, breach.breached_at) == ("2026-03-04", epoch("2026-03-04T22:30:00Z"))
    assert "STMT_20260304.TXT written" in (breach.detail or "")


def test_in_summer_22_30_is_london_time(bank: Bank) -> None:
    bank.clock.set("2026-07-01T21:31:00Z")  # 22:31 BST

    bank.stmt().check_sla()

    [breach] = list_breaches(bank.store, kind="export")
    assert breach.breached_at == epoch("2026-07-01T22:30:00+01:00")


def test_the_sla_report_has_a_line_for_the_export(bank: Bank) -> None:
    bank.clock.set("2026-03-03T22:05:00Z")
    bank.stmt().run()
    bank.clock.set("2026-03-04T22:30:00Z")
    bank.stmt().check_sla()

    [line] = report(bank.store, [export_sla_source([bank.stmt()])], now=epoch("2026-03-04T23:00Z"))

    assert (line.kind, line.name, line.breaches, line.samples) == ("export", "stmt", 1, 1)
    assert line.p50 == 300.0  # written five minutes after the day ended
    assert (line.pending, line.oldest_pending_age) == (1, 3600.0)
