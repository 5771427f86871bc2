"""Pass 2 applies what pass 1 read: every command comes back from the spool as it went in."""

from __future__ import annotations

import marshal
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
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
from gateway.imports.packing import ModelPacker
from gateway.imports.ports import RecordProblem
from gateway.imports.spool import RecordSpool

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


def test_the_spool_gives_records_back_in_file_order_from_a_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spool, "BLOCK", 7)
    records = RecordSpool(tmp_path)
    for number in range(1, 51):
        if number % 10 == 0:
            records.refuse(number, b"raw%d" % number, RecordProblem("bad", "DTL-AMOUNT"))
        else:
            envelope = Envelope(COMMANDS[number % len(COMMANDS)], "cbs", f"F record {number}")
            records.add(number, b"raw%d" % number, [envelope])

    read = list(records.read(after=23))

    assert [r.number for r in read] == list(range(24, 51))
    assert read[6].problem == RecordProblem("bad", "DTL-AMOUNT") and read[6].envelopes == []
    assert read[0].envelopes == [Envelope(COMMANDS[24 % len(COMMANDS)], "cbs", "F record 24")]
    assert read[0].raw == b"raw24"
    records.close()
