"""A message built from proven values is the very message validation builds from them."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from gateway.domain.messages import proven
from gateway.domain.money import Money
from gateway.domain.postings import FundsWithdrawn, ReversePosting


def test_a_proven_event_equals_and_serialises_as_the_validated_one() -> None:
    money = Money(amount=Decimal("12.50"), currency="EUR")
    fields = {"account_no": "100200300400", "posting_ref": "TXN1", "amount": money,
              "value_date": date(2024, 3, 1), "overdrawn": True}  # fmt: skip

    built = proven(FundsWithdrawn, **fields)

    validated = FundsWithdrawn(**fields)
    assert built == validated
    assert built.model_dump_json() == validated.model_dump_json()
    assert built.narrative == ""  # a default left out is filled in
    assert proven(Money, amount=Decimal("12.50"), currency="EUR") == money


def test_a_proven_command_keeps_its_defaults_and_is_frozen() -> None:
    command_id = uuid.uuid4()
    built = proven(ReversePosting, command_id=command_id, account_no="1", posting_ref="R",
                   reverses_ref="T", value_date=date(2024, 3, 1))  # fmt: skip

    assert built.currency is None and built.narrative == ""
    assert built == ReversePosting(command_id=command_id, account_no="1", posting_ref="R",
                                   reverses_ref="T", value_date=date(2024, 3, 1))  # fmt: skip
    try:
        built.narrative = "changed"  # type: ignore[misc]
    except Exception as exc:
        assert "frozen" in str(exc).lower()
    else:
        raise AssertionError("a proven message must stay frozen")
