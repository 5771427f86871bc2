"""Pass 2 applies what pass 1 read: every command comes back from the spool as it went in."""

from __future__ import annotations

import io
import marshal
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest
from pydantic import BaseModel

from gateway.commands import Envelope
from gateway.domain.account_lifecycle import CloseAccount, OpenAccount
from gateway.domain.cards import CardStatus, ChangeCardStatus
from gateway.domain.holds import PlaceHold
from gateway.domain.money import Money
from gateway.domain.postings import DepositFunds, ReversePosting
from gateway.imports import spool
from gateway.imports.checking import FileCheck
from gateway.imports.packing import ModelPacker
from gateway.imports.ports import ByteStream, RecordProblem, SourceRecord
from gateway.imports.spool import RecordSpool
from tests.imports.conftest import Bank

COMMANDS = [
    DepositFunds(
        command_id=uuid4(), account_no="100000000001", posting_ref="TXN1",
        amount=Money(amount=Decimal("12.30"), currency="EUR"), value_date=date(2026, 11, 26),
        narrative="SALARY",
    ),
    ReversePosting(
        command_id=uuid4(), account_no="100000000001", posting_ref="TXN2", reverses_ref="TXN1",
        value_date=date(2026, 11, 27),
    ),
    ReversePosting(
        command_id=uuid4(), account_no="1", posting_ref="TXN3", reverses_ref="TXN1",
        value_date=date(2026, 11, 27), currency="CHF",
    ),
    OpenAccount(
        command_id=uuid4(), account_no="2", customer_no="C1", product="CURRENT", currency="EUR",
        opened_on=date(2020, 1, 1), branch="0042",
    ),
    CloseAccount(command_id=uuid4(), account_no="2", effective_on=date(2026, 1, 1)),
    PlaceHold(command_id=uuid4(), account_no="2", hold_id="H1", amount=Money.of("5.00", "USD")),
    ChangeCardStatus(
        command_id=uuid4(), account_no="2", card_id="C9", status=CardStatus.BLOCKED,
        changed_at=datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=UTC),
    ),
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: type(c).__name__)
def test_a_packed_command_comes_back_equal_and_serialises_the_same(command: BaseModel) -> None:
    packer = ModelPacker()

    back = packer.unpack(marshal.loads(marshal.dumps(packer.pack(command))))

    assert type(back) is type(command)
    assert back == command
    assert back.model_dump_json() == command.model_dump_json()
    assert [type(value) for value in back.__dict__.values()] == [
        type(value) for value in command.__dict__.values()
    ]


def test_a_field_of_a_type_it_cannot_pack_is_refused_not_guessed() -> None:
    class Odd(BaseModel):
        values: list[int]

    with pytest.raises(TypeError, match="cannot spool"):
        ModelPacker().pack(Odd(values=[1]))


def test_the_spool_gives_records_back_in_file_order_past_a_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spool, "BLOCK", 7)
    records = RecordSpool(tmp_path)
    for number in range(1, 51):
        if number % 10 == 0:
            records.refuse(number, b"raw%d" % number, RecordProblem("bad", "DTL-AMOUNT"))
        else:
            envelope = Envelope(COMMANDS[number % len(COMMANDS)], "cbs", f"F record {number}")
            records.add(number, b"raw%d" % number, [envelope], envelope.command.stream_id())

    read = list(records.read(after=23))

    assert [r.number for r in read] == list(range(24, 51))
    assert read[6].problem == RecordProblem("bad", "DTL-AMOUNT") and read[6].envelopes == []
    assert read[0].envelopes == [Envelope(COMMANDS[24 % len(COMMANDS)], "cbs", "F record 24")]
    assert read[0].raw == b"raw24"
    records.close()


def deposit(number: int, account: str) -> Envelope:
    command = DepositFunds(
        command_id=uuid4(), account_no=account, posting_ref=f"TXN{number}",
        amount=Money.of("1.00", "EUR"), value_date=date(2026, 11, 26), narrative="",
    )  # fmt: skip
    return Envelope(command, "cbs", f"F record {number}")


@pytest.mark.parametrize("after", [0, 17, 60])
def test_by_stream_it_gives_each_streams_records_together_in_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    monkeypatch.setattr(spool, "RUN_RECORDS", 9)  # several sorted runs, merged back
    monkeypatch.setattr(spool, "RUN_BLOCK", 2)
    records = RecordSpool(tmp_path, by_stream=True)
    accounts = [f"A{n}" for n in (3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3)]
    added: list[tuple[str, int]] = []
    for number, account in enumerate(accounts * 5, start=2):
        if number % 11 == 0:
            records.refuse(number, b"raw%d" % number, RecordProblem("bad", "DTL-AMOUNT"))
            continue
        records.add(number, b"raw%d" % number, [deposit(number, account)], f"account-{account}")
        added.append((account, number))

    resumed = list(records.read(after=after))
    everything = list(records.read())

    assert records.runs_sorted >= 5
    assert len(everything) == len(accounts) * 5
    grouped = [(r.envelopes[0].command.account_no, r.number) for r in everything if not r.problem]
    assert grouped == sorted(added)  # by account, each account's records in file order
    assert resumed == everything[after:]
    records.close()


def test_records_that_come_grouped_by_stream_are_written_as_they_come(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spool, "BLOCK", 4)
    records = RecordSpool(tmp_path, by_stream=True)
    for number in range(2, 40):
        account = f"A{number // 5:02d}"
        if number % 7 == 0:
            records.refuse(number, b"raw", RecordProblem("bad"))
        else:
            records.add(number, b"raw", [deposit(number, account)], f"account-{account}")

    assert [r.number for r in records.read(after=9)] == list(range(11, 40))
    assert records.runs_sorted == 0  # no sort, no merge: a sorted file costs what it did
    records.close()


class TwoAccountsAdapter:
    """An adapter that says it applies by stream, yet gives one record two accounts' commands."""

    apply_order = "stream"

    def read(self, stream: ByteStream) -> Iterator[SourceRecord]:
        yield SourceRecord(1, b"H", "header")
        yield SourceRecord(2, b"D", "detail")

    def envelope_check(self, file_name: str) -> Any:
        return SimpleNamespace(add=lambda record: None, finish=lambda: None)

    def translate(self, record: SourceRecord, *, file_name: str) -> list[Envelope]:
        return [deposit(record.number, "A1"), deposit(record.number + 1, "B2")]


def test_a_record_of_two_streams_from_an_adapter_that_applies_by_stream_stops_pass_1(
    bank: Bank, tmp_path: Path
) -> None:
    check = FileCheck(bank.gateway.bus, TwoAccountsAdapter(), file_name="F",  # type: ignore[arg-type]
                      spool_folder=tmp_path)  # fmt: skip
    try:
        with pytest.raises(ValueError, match="record 2 stands for commands of account-A1, "
                           "account-B2: an adapter whose files apply by stream"):  # fmt: skip
            check.run(io.BytesIO(b""))
    finally:
        check.checked.close()
