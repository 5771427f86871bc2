"""What CBS gets wrong: files refused whole, records quarantined alone, and their replay.

A refused file adds no event and lands in the error folder; its reason is one command away.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from tests.adapters.cbs.spec_files import (
    AccountLine,
    Posting,
    detail,
    header,
    join,
    postings_file,
    postings_name,
    trailer,
)
from tests.imports.conftest import ACCOUNT, OTHER_ACCOUNT, Bank

runner = CliRunner()
GOOD = [
    Posting("TXN0000000000001", ACCOUNT, "DEP", Decimal("125.50")),
    Posting("TXN0000000000002", OTHER_ACCOUNT, "DEP", Decimal("10.00")),
    Posting("TXN0000000000003", ACCOUNT, "WDL", Decimal("-20.00")),
]
TOTAL = Decimal("115.50")


def show(bank: Bank, import_id: int) -> dict[str, object]:
    result = runner.invoke(
        app, ["imports", "show", str(import_id), "--config", str(bank.config_path)]
    )
    assert result.exit_code == 0, result.output
    shown: dict[str, object] = json.loads(result.stdout)
    return shown


def without_trailer() -> bytes:
    return join([header("20240301", 1), *(detail(p) for p in GOOD)], mode="cp037")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            postings_file(GOOD, count=4),
            "record 5: the trailer counts 4 detail records, the file has 3",
        ),
        (
            postings_file(GOOD, total=Decimal("115.49")),
            "record 5: the trailer totals 115.49, the details sum to 115.50",
        ),
        (without_trailer(), "no trailer: the file ends at record 4"),
        (
            postings_file(GOOD, business_date="20240302"),
            "record 1: header business date 20240302 is not the file name's 20240301",
        ),
        (
            join(
                [detail(GOOD[0]), header("20240301", 1), trailer(1, Decimal("125.50"))],
                mode="cp037",
            ),
            "record 1: the file does not start with a header",
        ),
    ],
    ids=["trailer-count", "trailer-total", "no-trailer", "header-date", "header-not-first"],
)
def test_a_file_breaking_the_envelope_is_refused_whole(
    bank_with_accounts: Bank, data: bytes, reason: str
) -> None:
    bank = bank_with_accounts
    events_before = len(bank.events())

    result = bank.deliver("cbs-postings", postings_name(), data)

    assert result.record.status == "failed"
    assert len(bank.events()) == events_before
    assert bank.folder("error", "cbs-postings") == [f"{result.record.id:06d}-{postings_name()}"]
    assert bank.folder("archive", "cbs-postings") == []
    assert show(bank, result.record.id)["reason"] == reason


def test_bad_records_are_quarantined_one_by_one_and_the_rest_imported(
    bank_with_accounts: Bank,
) -> None:
    bank = bank_with_accounts
    records = [
        header("20240301", 1),
        detail(GOOD[0]),  # 2
        _with_bad_nibble(detail(Posting("TXN0000000000010", ACCOUNT, amount=Decimal("1.00")))),
        detail(Posting("TXN0000000000011", ACCOUNT, "XFR")),  # 4: unknown code
        detail(Posting("TXN0000000000012", "999999999999")),  # 5: unknown account
        detail(Posting("TXN0000000000013", ACCOUNT, value_date="20240230")),  # 6: bad date
        detail(GOOD[1]),  # 7
        detail(Posting("TXN0000000000014", ACCOUNT, amount=Decimal("0.00"))),  # 8: zero
        detail(Posting("TXN0000000000015", ACCOUNT, currency="USD")),  # 9: not its currency
        detail(GOOD[2]),  # 10
    ]
    total = TOTAL + Decimal("1.00") + 4 * Decimal("10.00")
    data = join([*records, trailer(9, total)], mode="cp037")
    data += detail(Posting("TXN0000000000016", ACCOUNT))[:50]  # 12: cut short after the trailer

    result = bank.deliver("cbs-postings", postings_name(), data)

    assert result.record.status == "completed", result.record.reason
    by_account = [GOOD[0], GOOD[2], GOOD[1]]  # applied grouped by account, each in file order
    assert [ref for _, _, ref in bank.postings()] == [p.txn_ref for p in by_account]
    rejects = bank.gateway.imports.quarantine.list(import_id=result.record.id)
    assert [(r.record_number, r.field, r.code) for r in rejects] == [
        (3, "DTL-AMOUNT", "undecodable_record"),
        (4, "DTL-TXN-CODE", "invalid_record"),
        (5, None, "unknown_account"),
        (6, "DTL-VALUE-DATE", "undecodable_record"),
        (8, "DTL-AMOUNT", "invalid_record"),
        (9, None, "currency_mismatch"),
        (12, None, "truncated_record"),
    ]
    assert "sign nibble A, not C, D or F" in rejects[0].reason
    assert "XFR" in rejects[1].reason
    assert "'20240230' is not a valid date" in rejects[3].reason
    assert rejects[6].reason == "file ends after 50 of the record's 120 bytes"
    assert bytes.fromhex(rejects[0].raw_hex) == records[2]
    assert (result.record.rejected, result.record.accepted) == (7, 3)


def _with_bad_nibble(record: bytes) -> bytes:
    """The last byte of DTL-AMOUNT (offset 38) with sign nibble A."""
    return record[:38] + bytes([record[38] & 0xF0 | 0x0A]) + record[39:]


def test_over_the_reject_limit_the_whole_file_fails_with_nothing_applied(
    bank_with_accounts: Bank,
) -> None:
    bank = bank_with_accounts
    strangers = [Posting(f"TXN00000000001{n:02d}", f"9999999999{n:02d}") for n in range(11)]
    events_before = len(bank.events())

    result = bank.deliver("cbs-postings", postings_name(), postings_file([*GOOD, *strangers]))

    assert result.record.status == "failed"
    assert result.record.reason is not None
    assert result.record.reason.startswith("11 of 14 records refused, over the reject limit of 10")
    assert len(bank.events()) == events_before
    assert bank.folder("error", "cbs-postings") == [f"{result.record.id:06d}-{postings_name()}"]


def test_a_quarantined_posting_is_replayed_once_its_account_is_opened(
    bank_with_accounts: Bank,
) -> None:
    bank = bank_with_accounts
    newcomer = Posting("TXN0000000000077", "100200300499", "DEP", Decimal("50.00"))
    result = bank.deliver("cbs-postings", postings_name(), postings_file([*GOOD, newcomer]))
    assert result.record.rejected == 1
    command = ["rejects", "replay", "--import", str(result.record.id)]
    command += ["--config", str(bank.config_path)]

    still = runner.invoke(app, command)
    assert still.exit_code == 1, still.output  # refused: a script can tell
    assert "still refused: unknown_account" in still.output

    bank.open_accounts(AccountLine("100200300499"), business_date="20240301")
    replayed = runner.invoke(app, command)

    assert replayed.exit_code == 0, replayed.output
    assert "1 of 1 replayed" in replayed.output
    assert ("100200300499", "FundsDeposited", "TXN0000000000077") in bank.postings()
    again = runner.invoke(app, command)
    assert "0 of 0 replayed" in again.output
    assert len([p for p in bank.postings() if p[2] == "TXN0000000000077"]) == 1
