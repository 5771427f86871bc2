"""Exactly once for every re-send, on each backend: a posting applied is never applied again,
a posting refused never blocks its corrected re-send, and a file that fails adds nothing.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from adapters.cbs.ids import posting_command_id
from gateway.api.commands import command_status
from gateway.cli import app
from gateway.errors import LandingRefused, LeaseLost
from gateway.imports.engine import ImportEngine, ImportResult
from tests.adapters.cbs.spec_files import (
    TEXT,
    AccountLine,
    Posting,
    postings_file,
    postings_name,
)
from tests.imports.conftest import ACCOUNT, OTHER_ACCOUNT, Bank, make_bank

runner = CliRunner()
NEWCOMER = "100200300499"
FIRST = [
    Posting("TXN0000000000001", ACCOUNT, "DEP", Decimal("125.50")),
    Posting("TXN0000000000002", OTHER_ACCOUNT, "DEP", Decimal("10.00")),
]


def refs(bank: Bank) -> list[str]:
    return sorted(ref for _, _, ref in bank.postings())


def status_of(bank: Bank, txn_ref: str) -> dict[str, object]:
    body = command_status(bank.gateway.store, str(posting_command_id(txn_ref)))
    assert body is not None, f"GET /commands for {txn_ref} answers 404"
    shown: dict[str, object] = orjson.loads(body)
    return shown


def test_a_corrected_resend_of_a_posting_in_the_wrong_currency_is_applied_once(
    bank_with_accounts: Bank,
) -> None:
    bank = bank_with_accounts
    wrong = Posting("TXN0000000000009", ACCOUNT, "DEP", Decimal("7.00"), currency="USD")
    first = bank.deliver("cbs-postings", postings_name(seq=1), postings_file([*FIRST, wrong]))
    assert (first.record.accepted, first.record.rejected) == (2, 1)
    assert status_of(bank, wrong.txn_ref)["status"] == "rejected"
    assert status_of(bank, wrong.txn_ref)["code"] == "currency_mismatch"

    corrected = Posting("TXN0000000000009", ACCOUNT, "DEP", Decimal("7.00"))
    resent = postings_file([*FIRST, corrected], seq=2)
    second = bank.deliver("cbs-postings", postings_name(seq=2), resent)

    record = second.record
    assert (record.status, record.accepted, record.already_recorded) == ("completed", 1, 2)
    assert refs(bank) == ["TXN0000000000001", "TXN0000000000002", "TXN0000000000009"]
    shown = status_of(bank, corrected.txn_ref)
    assert (shown["status"], shown["stream_id"]) == ("accepted", f"account-{ACCOUNT}")
    assert [e["type"] for e in shown["events"]] == ["bank.FundsDeposited.v2"]  # type: ignore[union-attr]


def test_a_posting_refused_for_an_unknown_account_applies_when_resent_after_the_opening(
    bank_with_accounts: Bank,
) -> None:
    bank = bank_with_accounts
    early = Posting("TXN0000000000077", NEWCOMER, "DEP", Decimal("50.00"))
    first = bank.deliver("cbs-postings", postings_name(seq=1), postings_file([*FIRST, early]))
    assert first.record.rejected == 1
    bank.open_accounts(AccountLine(NEWCOMER), business_date="20240301")

    resent = postings_file([*FIRST, early], seq=2)
    second = bank.deliver("cbs-postings", postings_name(seq=2), resent)

    assert (second.record.accepted, second.record.already_recorded) == (1, 2)
    assert refs(bank).count(early.txn_ref) == 1
    assert (NEWCOMER, "FundsDeposited", early.txn_ref) in bank.postings()


def test_a_file_over_its_limit_by_refusals_only_the_accounts_can_tell_adds_no_event(
    tmp_path: Path, database_url: str
) -> None:
    bank = make_bank(tmp_path, database_url, **{"cbs-postings": {"reject_limit": "1%"}})
    try:
        bank.open_accounts(AccountLine(ACCOUNT), AccountLine(OTHER_ACCOUNT))
        postings = [Posting(f"TXN{n:013d}", ACCOUNT, "DEP", Decimal("1.00")) for n in range(295)]
        postings += [
            Posting(f"USD{n:013d}", OTHER_ACCOUNT, "DEP", Decimal("1.00"), currency="USD")
            for n in range(5)
        ]
        before = len(bank.events())

        result = bank.deliver("cbs-postings", postings_name(), postings_file(postings))

        assert result.record.status == "failed"
        assert result.record.reason is not None
        assert result.record.reason.startswith("5 of 300 records refused, over the reject limit")
        assert "currency_mismatch" in result.record.reason
        assert len(bank.events()) == before
    finally:
        bank.gateway.close()


def strangers_file() -> bytes:
    strangers = [Posting(f"TXN00000000001{n:02d}", f"9999999999{n:02d}") for n in range(11)]
    return postings_file([*FIRST, *strangers])


def open_strangers(bank: Bank) -> None:
    bank.open_accounts(
        *(AccountLine(f"9999999999{n:02d}") for n in range(11)), business_date="20240301"
    )


def test_a_refused_file_dropped_again_after_the_fix_is_imported(bank_with_accounts: Bank) -> None:
    bank = bank_with_accounts
    failed = bank.deliver("cbs-postings", postings_name(), strangers_file())
    assert failed.record.status == "failed"
    open_strangers(bank)

    again = bank.deliver("cbs-postings", postings_name(), strangers_file())

    record = again.record
    assert not again.duplicate
    assert (record.status, record.retry_of, record.accepted) == ("completed", failed.record.id, 13)
    assert len(refs(bank)) == 13
    assert bank.deliver("cbs-postings", postings_name(), strangers_file()).duplicate


def test_gateway_imports_retry_runs_a_failed_import_again_from_the_error_folder(
    bank_with_accounts: Bank,
) -> None:
    bank = bank_with_accounts
    failed = bank.deliver("cbs-postings", postings_name(), strangers_file())
    open_strangers(bank)
    command = ["imports", "retry", str(failed.record.id), "--config", str(bank.config_path)]

    retried = runner.invoke(app, command)

    assert retried.exit_code == 0, retried.output
    assert "completed; 13 records, 13 accepted" in retried.output
    assert len(refs(bank)) == 13
    assert bank.folder("error", "cbs-postings") == []
    assert len(bank.folder("archive", "cbs-postings")) == 1
    twice = runner.invoke(app, command)
    assert twice.exit_code == 1
    assert f"was run again as import {failed.record.id + 2} (completed)" in twice.output


def test_bytes_appended_after_the_claim_refuse_the_file_with_that_reason(
    bank_with_accounts: Bank,
) -> None:
    bank = bank_with_accounts
    whole = postings_file(FIRST)
    path = bank.drop("cbs-postings", postings_name(), whole[:240])  # header and one detail
    source = bank.gateway.batch_sources["cbs-postings"]
    claim = bank.gateway.imports.claim(source, path)
    with path.open("ab") as growing:  # the writer was not done
        growing.write(whole[240:])
    before = len(bank.events())

    result = bank.gateway.imports.run(source, path, claim.record)

    assert result.record.status == "failed"
    assert result.record.reason is not None
    assert "the file changed after its claim: 240 bytes were claimed" in result.record.reason
    assert len(bank.events()) == before


def still_written_after_the_claim(
    bank: Bank, monkeypatch: pytest.MonkeyPatch, write: Callable[[Path], None]
) -> None:
    """The legacy writer goes on writing a landed file just after the gateway claimed it."""
    ledger = bank.gateway.imports.ledger
    real = ledger.claim

    def claim_then_write(**kwargs: Any) -> Any:
        claimed = real(**kwargs)
        write(bank.gateway.batch_sources["cbs-postings"].config.landing / kwargs["file_name"])
        return claimed

    monkeypatch.setattr(ledger, "claim", claim_then_write)


def test_a_landed_file_grown_after_its_claim_is_refused_with_nothing_applied(
    bank_with_accounts: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = bank_with_accounts
    sent = postings_file(FIRST)  # whole and valid as read
    more = postings_file([Posting("TXN0000000000003", ACCOUNT, "DEP", Decimal("1.00"))])

    def append(path: Path) -> None:
        with path.open("ab") as growing:
            growing.write(more)

    still_written_after_the_claim(bank, monkeypatch, append)
    before = len(bank.events())

    result = bank.deliver("cbs-postings", postings_name(), sent)

    assert result.record.status == "failed"
    assert result.record.reason == (
        f"the file changed after its claim: {len(sent)} bytes were read and claimed, it now "
        f"has {len(sent) + len(more)}; nothing of it was applied"
    )
    assert len(bank.events()) == before
    assert bank.folder("error", "cbs-postings") != []


def test_a_landed_file_rewritten_in_place_after_its_claim_is_refused(
    bank_with_accounts: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = bank_with_accounts
    sent = postings_file(FIRST)
    other = postings_file([FIRST[0], Posting(FIRST[1].txn_ref, OTHER_ACCOUNT, "DEP",
                                             Decimal("99.00"))])  # fmt: skip
    assert len(other) == len(sent) and other != sent

    def rewrite(path: Path) -> None:
        path.write_bytes(other)  # same size, new content and modification time
        later = path.stat().st_mtime_ns + 1_000_000_000
        os.utime(path, ns=(later, later))

    still_written_after_the_claim(bank, monkeypatch, rewrite)
    before = len(bank.events())

    result = bank.deliver("cbs-postings", postings_name(), sent)

    assert result.record.status == "failed"
    assert result.record.reason == (
        "the file changed after its claim (rewritten in place); nothing was applied"
    )
    assert len(bank.events()) == before


def test_a_line_mode_file_without_line_ends_fails_with_the_line_number(
    bank_with_accounts: Bank,
) -> None:
    bank = bank_with_accounts
    data = postings_file(FIRST * 5000, mode=TEXT).replace(b"\r\n", b"")

    result = bank.deliver("cbs-postings-text", postings_name(), data)

    assert result.record.status == "failed"
    assert result.record.reason == (
        "record 1: no line end within 1048576 bytes; is the framing right?"
    )
    assert bank.folder("error", "cbs-postings-text") != []


def test_a_framing_error_further_down_names_the_record_where_the_line_ends_stop(
    bank_with_accounts: Bank,
) -> None:
    bank = bank_with_accounts
    lines = postings_file(FIRST * 5000, mode=TEXT).split(b"\r\n")
    data = b"\r\n".join(lines[:3]) + b"\r\n" + b"".join(lines[3:])  # header, two details

    result = bank.deliver("cbs-postings-text", postings_name(), data)

    assert result.record.status == "failed"
    assert result.record.reason == (
        "record 4: no line end within 1048576 bytes; is the framing right?"
    )
    assert not [e for e in bank.events() if e.type == "FundsDeposited"]


def test_the_same_txn_ref_on_another_account_in_a_later_file_is_refused(
    bank_with_accounts: Bank,
) -> None:
    bank = bank_with_accounts
    bank.deliver("cbs-postings", postings_name(seq=1), postings_file(FIRST[:1]))
    elsewhere = Posting(FIRST[0].txn_ref, OTHER_ACCOUNT, "DEP", Decimal("125.50"))

    later = bank.deliver("cbs-postings", postings_name(seq=2), postings_file([elsewhere], seq=2))

    assert (later.record.status, later.record.accepted, later.record.rejected) == (
        "completed", 0, 1,
    )  # fmt: skip
    [reject] = bank.gateway.imports.quarantine.list(import_id=later.record.id)
    assert reject.code == "identity_conflict"
    assert f"applied to account-{ACCOUNT}" in reject.reason
    assert bank.postings() == [(ACCOUNT, "FundsDeposited", FIRST[0].txn_ref)]


def test_a_txn_ref_repeated_within_one_file_is_applied_once_and_never_on_two_accounts(
    bank_with_accounts: Bank,
) -> None:
    bank = bank_with_accounts
    again = Posting(FIRST[0].txn_ref, ACCOUNT, "DEP", Decimal("125.50"))
    elsewhere = Posting(FIRST[1].txn_ref, ACCOUNT, "DEP", Decimal("10.00"))

    result = bank.deliver(
        "cbs-postings", postings_name(), postings_file([*FIRST, again, elsewhere])
    )

    record = result.record
    assert (record.status, record.accepted, record.already_recorded, record.rejected) == (
        "completed", 2, 1, 1,
    )  # fmt: skip
    [reject] = bank.gateway.imports.quarantine.list(import_id=record.id)
    assert (reject.code, reject.record_number) == ("identity_conflict", 5)
    assert sorted(bank.postings()) == [
        (ACCOUNT, "FundsDeposited", FIRST[0].txn_ref),
        (OTHER_ACCOUNT, "FundsDeposited", FIRST[1].txn_ref),
    ]


def test_imports_show_keeps_its_counts(bank_with_accounts: Bank) -> None:
    bank = bank_with_accounts
    bank.deliver("cbs-postings", postings_name(seq=1), postings_file(FIRST))
    second = [
        *FIRST,  # both applied by the first file: already recorded
        Posting("TXN0000000000003", ACCOUNT, "DEP", Decimal("3.00")),
        Posting("TXN0000000000004", NEWCOMER, "DEP", Decimal("4.00")),  # no such account
    ]
    result = bank.deliver("cbs-postings", postings_name(seq=2), postings_file(second))

    shown = runner.invoke(
        app, ["imports", "show", str(result.record.id), "--config", str(bank.config_path)]
    )

    counts = json.loads(shown.stdout)
    names = ("records", "accepted", "rejected", "already_recorded", "events")
    assert [counts[name] for name in names] == [4, 1, 1, 2, 1]


def test_a_symbolic_link_in_the_landing_folder_is_never_read(
    bank_with_accounts: Bank, tmp_path: Path
) -> None:
    bank = bank_with_accounts
    secret = tmp_path / "secret.txt"
    secret.write_text("root:TOP-SECRET-FIRST-LINE\n")
    folder = bank.gateway.batch_sources["cbs-postings"].config.landing
    folder.mkdir(parents=True)
    link = folder / postings_name()
    link.symlink_to(secret)
    (folder / f"{postings_name()}.DONE").touch()
    outside = folder / "CBS_POSTINGS_20240301_002.DAT"
    outside.symlink_to(tmp_path)  # a folder outside, under a data file's name
    source = bank.gateway.batch_sources["cbs-postings"]

    assert bank.import_landed("cbs-postings") == []
    with pytest.raises(LandingRefused, match="a symbolic link"):
        bank.gateway.imports.import_file(source, link)

    shown = [r.reason or "" for r in bank.gateway.imports.ledger.list(source="cbs-postings")]
    assert shown == []
    assert secret.read_text().startswith("root:")  # left where it was, never moved


def test_an_import_whose_lease_was_taken_over_stops_and_the_taker_finishes_it_once(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The first process stalls after its first chunk past its lease (a long GC pause, a
    stopped VM); a second takes the import over from the checkpoint and completes it. When
    the first wakes, its next chunk is refused by the fence: it stops, adding nothing."""
    overrides = {"cbs-postings": {"chunk_size": 2, "lease_seconds": 30}}
    bank = make_bank(tmp_path, database_url, **overrides)
    try:
        bank.open_accounts(AccountLine(ACCOUNT), AccountLine(OTHER_ACCOUNT))
        postings = [Posting(f"TXN{n:013d}", ACCOUNT if n % 2 else OTHER_ACCOUNT, "DEP",
                            Decimal(n + 1)) for n in range(6)]  # fmt: skip
        path = bank.drop("cbs-postings", postings_name(), postings_file(postings))
        source = bank.gateway.batch_sources["cbs-postings"]
        first = bank.gateway.imports
        later = ImportEngine(first.bus, owner="second",
                             clock=lambda: datetime.now(UTC) + timedelta(hours=1))  # fmt: skip
        taken: list[ImportResult] = []

        def stalled(done: int, total: int) -> None:
            if not taken:  # after the first chunk: the lease runs out meanwhile
                taken.append(later.import_file(source, path))

        with caplog.at_level(logging.WARNING, logger="gateway.imports.engine"):
            first.import_file(source, path, progress=stalled)

        (second,) = taken
        assert second.record.status == "completed" and second.record.lease_owner is None
        assert sorted(refs(bank)) == sorted(p.txn_ref for p in postings)  # each once
        record = first.ledger.get(second.record.id)
        assert record is not None and record.accepted == 6
        assert record.checkpoint == 6  # every detail applied
        assert any("lease was taken over" in r.getMessage() for r in caplog.records)
    finally:
        bank.gateway.close()


def test_a_process_that_lost_its_lease_cannot_move_the_checkpoint(bank: Bank) -> None:
    ledger, store = bank.gateway.imports.ledger, bank.gateway.store
    start = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
    lease = timedelta(seconds=30)
    first = ledger.claim(
        source="cbs-postings", file_name="F", sha256="ab" * 32, size=1, owner="first",
        now=start, lease=lease,
    )  # fmt: skip
    second = ledger.claim(
        source="cbs-postings", file_name="F", sha256="ab" * 32, size=1, owner="second",
        now=start + 2 * lease, lease=lease,
    )  # fmt: skip
    assert second.ours and second.record.id == first.record.id

    with pytest.raises(LeaseLost), store.transaction() as tx:
        ledger.advance(tx, first.record.id, owner="first", checkpoint=500, accepted=500)
    with store.transaction() as tx:
        ledger.advance(tx, first.record.id, owner="second", checkpoint=200, accepted=200)

    now = ledger.get(first.record.id)
    assert now is not None and (now.checkpoint, now.accepted) == (200, 200)
