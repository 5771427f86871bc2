"""CBS accounts files day after day: accounts opened, frozen, unfrozen and closed, once each.

Each row states the account as CBS sees it that day; a row that changed nothing adds nothing.
"""

from __future__ import annotations

from tests.adapters.cbs.spec_files import AccountLine, accounts_file, accounts_name
from tests.imports.conftest import Bank


def account_events(bank: Bank) -> list[tuple[str, str]]:
    return [(e.data["account_no"], e.type) for e in bank.events()]


def test_new_accounts_are_opened_in_the_state_cbs_reports(bank: Bank) -> None:
    lines = [
        AccountLine("100000000001"),
        AccountLine("100000000002", status="F"),
        AccountLine("100000000003", status="C", currency="GBP"),
    ]

    result = bank.deliver("cbs-accounts", accounts_name("20240301"), accounts_file(lines))

    assert result.record.status == "completed", result.record.reason
    assert account_events(bank) == [
        ("100000000001", "AccountOpened"),
        ("100000000002", "AccountOpened"),
        ("100000000002", "AccountFrozen"),
        ("100000000003", "AccountOpened"),
        ("100000000003", "AccountClosed"),
    ]
    opened = bank.events()[0].data
    assert opened == {
        "account_no": "100000000001", "customer_no": "10000001", "product": "CURRENT",
        "currency": "EUR", "opened_on": "2024-02-01", "branch": "0042",
    }  # fmt: skip
    frozen = bank.events()[2].data
    assert frozen["effective_on"] == "2024-03-01"  # the file's business date


def test_an_unchanged_day_adds_nothing_and_changes_add_one_event_each(bank: Bank) -> None:
    first_day = [AccountLine("100000000001"), AccountLine("100000000002", status="F")]
    bank.deliver("cbs-accounts", accounts_name("20240301"), accounts_file(first_day))
    before = len(bank.events())

    same = bank.deliver("cbs-accounts", accounts_name("20240302"), accounts_file(first_day))
    assert (same.record.status, same.record.events) == ("completed", 0)
    assert len(bank.events()) == before

    next_day = [AccountLine("100000000001", status="F"), AccountLine("100000000002", status="O")]
    changed = bank.deliver("cbs-accounts", accounts_name("20240303"), accounts_file(next_day))

    assert changed.record.events == 2
    assert account_events(bank)[before:] == [
        ("100000000001", "AccountFrozen"),
        ("100000000002", "AccountUnfrozen"),
    ]


def test_an_account_frozen_again_later_is_frozen_again(bank: Bank) -> None:
    days = [("20240301", "F"), ("20240302", "O"), ("20240303", "F"), ("20240304", "C")]
    for day, status in days:
        line = AccountLine("100000000001", status=status)
        bank.deliver("cbs-accounts", accounts_name(day), accounts_file([line]))

    assert [kind for _, kind in account_events(bank)] == [
        "AccountOpened",
        "AccountFrozen",
        "AccountUnfrozen",
        "AccountFrozen",
        "AccountClosed",
    ]


def test_a_hand_re_exported_file_with_a_bom_and_quotes_reads_the_same(bank: Bank) -> None:
    body = (
        "ACCOUNT_NO;CUST_NO;PRODUCT;CURRENCY;OPEN_DATE;BRANCH;STATUS\r\n"
        '"100000000001";"10000001";"CURRENT; PLUS";"EUR";"01.02.2024";"0042";"O"\r\n'
    )

    result = bank.deliver("cbs-accounts", accounts_name(), b"\xef\xbb\xbf" + body.encode())

    assert result.record.status == "completed", result.record.reason
    assert bank.events()[0].data["product"] == "CURRENT; PLUS"


def test_a_bad_row_is_quarantined_with_its_line_and_the_rest_opened(bank: Bank) -> None:
    lines = [
        AccountLine("100000000001"),
        AccountLine("100000000002", open_date="31.02.2024"),
        AccountLine("100000000003", status="X"),
        AccountLine("100000000004"),
    ]

    result = bank.deliver("cbs-accounts", accounts_name(), accounts_file(lines))

    assert result.record.status == "completed", result.record.reason
    assert account_events(bank) == [
        ("100000000001", "AccountOpened"),
        ("100000000004", "AccountOpened"),
    ]
    rejects = bank.gateway.imports.quarantine.list(import_id=result.record.id)
    assert [(r.record_number, r.field) for r in rejects] == [(3, "OPEN_DATE"), (4, "STATUS")]
    assert "'31.02.2024' is not a valid date" in rejects[0].reason


def test_an_accounts_file_with_the_wrong_header_is_refused_whole(bank: Bank) -> None:
    data = b"ACCOUNT;CUSTOMER\r\n100000000001;10000001\r\n"

    result = bank.deliver("cbs-accounts", accounts_name(), data)

    assert result.record.status == "failed"
    assert result.record.reason is not None
    assert result.record.reason.startswith("record 1: header is 'ACCOUNT;CUSTOMER'")
    assert bank.events() == []


def test_a_day_whose_rows_equal_an_earlier_days_is_still_applied(bank: Bank) -> None:
    friday, saturday = [AccountLine("100000000001", status="F")], [AccountLine("100000000001")]
    for day, lines in (("20240301", friday), ("20240302", saturday), ("20240303", friday)):
        result = bank.deliver("cbs-accounts", accounts_name(day), accounts_file(lines))
        assert not result.duplicate

    assert [kind for _, kind in account_events(bank)][-1] == "AccountFrozen"
    assert bank.deliver(
        "cbs-accounts", "CBS_ACCOUNTS_20240303.csv", accounts_file(friday)
    ).duplicate
