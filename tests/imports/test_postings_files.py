"""CBS postings files through the real import engine, on each backend: exactly once.

Every file is built from legacy-specs/cbs-files.md alone (tests/adapters/cbs/spec_files.py).
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.cbs.ids import posting_command_id
from gateway.imports import spool
from gateway.imports.claims import imported_command
from gateway.imports.landing import LandingFolder, import_landed
from tests.adapters.cbs.spec_files import (
    TEXT,
    AccountLine,
    Posting,
    postings_file,
    postings_name,
)
from tests.imports.conftest import ACCOUNT, OTHER_ACCOUNT, Bank, make_bank

DAY = [
    Posting("TXN0000000000001", ACCOUNT, "DEP", Decimal("125.50"), narrative="Salary March"),
    Posting("TXN0000000000002", ACCOUNT, "WDL", Decimal("-100.00"), narrative="Cash machine"),
    Posting("TXN0000000000003", OTHER_ACCOUNT, "FEE", Decimal("-2.50"), narrative="Card fee"),
    Posting("TXN0000000000004", OTHER_ACCOUNT, "INT", Decimal("0.37"), narrative="Interest"),
    Posting("TXN0000000000005", ACCOUNT, "REV", Decimal("100.00"), reverses_ref="TXN0000000000002"),
]


def meaning(bank: Bank) -> list[tuple[str, int, str, dict[str, object]]]:
    return [(e.stream_id, e.stream_version, e.type, e.data) for e in bank.events()]


def test_a_day_of_postings_becomes_one_event_each(bank_with_accounts: Bank) -> None:
    bank = bank_with_accounts

    result = bank.deliver("cbs-postings", postings_name(), postings_file(DAY))

    record = result.record
    assert (record.status, record.records, record.accepted, record.events) == ("completed", 5, 5, 5)
    assert bank.postings() == [  # grouped by account, each account's in the file's order
        (ACCOUNT, "FundsDeposited", "TXN0000000000001"),
        (ACCOUNT, "FundsWithdrawn", "TXN0000000000002"),
        (ACCOUNT, "PostingReversed", "TXN0000000000005"),
        (OTHER_ACCOUNT, "FeeCharged", "TXN0000000000003"),
        (OTHER_ACCOUNT, "InterestCredited", "TXN0000000000004"),
    ]
    withdrawn = next(e for e in bank.events() if e.type == "FundsWithdrawn")
    assert withdrawn.data["amount"] == {"amount": "100.00", "currency": "EUR"}
    assert withdrawn.metadata["source_ref"] == f"{postings_name()} record 3"
    assert bank.folder("archive", "cbs-postings") == [f"{record.id:06d}-{postings_name()}"]


def test_an_ebcdic_file_and_its_text_mode_drop_give_identical_events(
    bank_with_accounts: Bank, tmp_path: Path
) -> None:
    binary = bank_with_accounts
    text = make_bank(tmp_path / "text", f"sqlite:///{tmp_path / 'text.db'}")
    text.open_accounts(AccountLine(ACCOUNT), AccountLine(OTHER_ACCOUNT))
    try:
        binary.deliver("cbs-postings", postings_name(), postings_file(DAY))
        text.deliver("cbs-postings-text", postings_name(), postings_file(DAY, mode=TEXT))

        assert meaning(text) == meaning(binary)
        assert len(meaning(binary)) == 2 + 5
    finally:
        text.gateway.close()


def test_a_text_mode_drop_with_lf_line_ends_reads_the_same(bank_with_accounts: Bank) -> None:
    data = postings_file(DAY, mode=TEXT, line_end=b"\n")

    result = bank_with_accounts.deliver("cbs-postings-text", postings_name(), data)

    assert (result.record.status, result.record.events) == ("completed", 5)


def test_the_same_file_imported_twice_adds_no_events(bank_with_accounts: Bank) -> None:
    bank = bank_with_accounts
    first = bank.deliver("cbs-postings", postings_name(), postings_file(DAY))
    before = len(bank.events())

    again = bank.deliver("cbs-postings", postings_name(), postings_file(DAY))

    assert again.duplicate and again.record.id == first.record.id
    assert len(bank.events()) == before
    assert f"duplicate-of-{first.record.id:06d}-{postings_name()}" in bank.folder(
        "archive", "cbs-postings"
    )


def test_a_renamed_copy_of_an_imported_file_adds_no_events(bank_with_accounts: Bank) -> None:
    bank = bank_with_accounts
    bank.deliver("cbs-postings", postings_name(seq=1), postings_file(DAY))
    before = len(bank.events())

    renamed = bank.deliver("cbs-postings", postings_name(seq=7), postings_file(DAY))

    assert renamed.duplicate
    assert len(bank.events()) == before


def test_a_resent_day_adds_only_the_postings_not_sent_before(bank_with_accounts: Bank) -> None:
    bank = bank_with_accounts
    bank.deliver("cbs-postings", postings_name(seq=1), postings_file(DAY[:3]))
    later = Posting("TXN0000000000009", ACCOUNT, "DEP", Decimal("7.00"))

    resent = bank.deliver("cbs-postings", postings_name(seq=2), postings_file([*DAY, later]))

    record = resent.record
    assert (record.status, record.accepted, record.already_recorded) == ("completed", 3, 3)
    refs = [ref for _, _, ref in bank.postings()]
    assert sorted(refs) == sorted({p.txn_ref for p in [*DAY, later]})
    assert len(refs) == len(set(refs)) == 6


def test_a_file_without_its_done_file_is_not_read(bank_with_accounts: Bank) -> None:
    bank = bank_with_accounts
    bank.drop("cbs-postings", postings_name(), postings_file(DAY), done=False)

    assert bank.import_landed("cbs-postings") == []
    assert bank.postings() == []

    bank.drop("cbs-postings", postings_name(), postings_file(DAY))
    assert [r.record.status for r in bank.import_landed("cbs-postings")] == ["completed"]


def test_a_file_still_growing_is_not_read_until_its_size_holds(
    tmp_path: Path, database_url: str
) -> None:
    overrides = {"completeness": "stable_age", "min_age_seconds": 0}
    bank = make_bank(tmp_path, database_url, **{"cbs-postings": overrides})
    try:
        bank.open_accounts(AccountLine(ACCOUNT), AccountLine(OTHER_ACCOUNT))
        landing = LandingFolder(bank.gateway.batch_sources["cbs-postings"])
        data = postings_file(DAY)
        path = bank.drop("cbs-postings", postings_name(), data[:240], done=False)

        assert landing.complete_files() == []  # first look: size not seen before
        path.write_bytes(data[:480])
        assert landing.complete_files() == []  # it grew since the last look
        path.write_bytes(data)
        assert landing.complete_files() == []  # grew again
        assert bank.postings() == []

        results = import_landed(bank.gateway.imports, landing)  # same size as at the last look

        assert [r.record.status for r in results] == ["completed"]
        assert len(bank.postings()) == len(DAY)
    finally:
        bank.gateway.close()


def test_a_file_in_no_order_is_applied_grouped_by_account_each_in_file_order(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spool, "RUN_RECORDS", 40)  # a file of several sorted runs
    bank = make_bank(tmp_path, database_url, **{"cbs-postings": {"chunk_size": 25}})
    try:
        applied_grouped_by_account(bank)
    finally:
        bank.gateway.close()


def applied_grouped_by_account(bank: Bank) -> None:
    accounts = [f"{200_000_000_000 + n:012d}" for n in range(12)]
    bank.open_accounts(*(AccountLine(a) for a in accounts))
    chance = random.Random(3)
    postings = [
        Posting(f"TXN{n:013d}", chance.choice(accounts), "DEP", Decimal(n + 1)) for n in range(300)
    ]
    postings[100] = Posting("TXN0000000000100", "999999999999")  # refused: unknown account
    skip_first = len(bank.events())

    result = bank.deliver("cbs-postings", postings_name(), postings_file(postings))

    assert (result.record.status, result.record.accepted) == ("completed", 299)
    assert result.record.checkpoint == 300  # records applied, in the order applied
    events = bank.events()[skip_first:]
    streams = [e.stream_id for e in events]
    assert streams == sorted(streams)  # each account's events together: its state loaded once
    assert [e.data["posting_ref"] for e in events] == [
        p.txn_ref for a in sorted(accounts) for p in postings if p.account_no == a
    ]  # and within an account, in the file's order
    record = imported_command(bank.gateway.store, str(posting_command_id(postings[7].txn_ref)))
    assert record is not None and record.status == "accepted"
    (found,) = bank.gateway.store.read_positions(record.first_position, record.first_position)
    assert (found.data["posting_ref"], found.stream_id) == (
        postings[7].txn_ref, f"account-{postings[7].account_no}",
    )  # fmt: skip
    assert record.source_ref == f"{postings_name()} record {7 + 2}"
