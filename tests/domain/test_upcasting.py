"""Old event versions are brought up to date on read; stored rows are never rewritten.

FundsDeposited v1 (pilot, bare amount string, EUR only) becomes v2 with exact Money.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from gateway.domain.messages import Event, UnknownMessageType, event_class, event_types, upcast
from gateway.domain.money import Money
from gateway.domain.postings import FundsDeposited
from tests.domain.stories import ACCOUNT_STORY, CUSTOMER_STORY

PILOT_DEPOSIT = {
    "account_no": "000012345678",
    "posting_ref": "TXN0000000000815",
    "amount": "125.5",
    "value_date": "2026-03-02",
    "narrative": "PILOT SALARY MARCH",
}


def load(name: str, version: int, data: dict[str, Any]) -> object:
    """What the event store does with a stored row."""
    return event_class(name).model_validate(upcast(name, version, data))


def test_a_pilot_deposit_is_read_as_an_exact_euro_amount() -> None:
    assert load("FundsDeposited", 1, PILOT_DEPOSIT) == FundsDeposited(
        account_no="000012345678",
        posting_ref="TXN0000000000815",
        amount=Money.of(Decimal("125.50"), "EUR"),
        value_date=date(2026, 3, 2),
        narrative="PILOT SALARY MARCH",
    )


def test_upcasting_leaves_the_stored_payload_untouched() -> None:
    stored = copy.deepcopy(PILOT_DEPOSIT)
    upcast("FundsDeposited", 1, stored)
    assert stored == PILOT_DEPOSIT


def test_a_current_version_passes_through_as_stored() -> None:
    current = {**PILOT_DEPOSIT, "amount": {"amount": "125.50", "currency": "USD"}}
    assert upcast("FundsDeposited", 2, current) == current


def test_a_pilot_deposit_stored_with_a_float_amount_does_not_load() -> None:
    with pytest.raises(ValueError, match="Decimal, int or decimal string"):
        load("FundsDeposited", 1, {**PILOT_DEPOSIT, "amount": 125.5})


def test_a_version_newer_than_this_gateway_is_refused() -> None:
    with pytest.raises(UnknownMessageType, match="newer than this gateway"):
        upcast("FundsDeposited", 3, PILOT_DEPOSIT)


@pytest.mark.parametrize("event", ACCOUNT_STORY + CUSTOMER_STORY, ids=lambda e: e.type_name)
def test_every_event_comes_back_from_the_store_as_it_went_in(event: Event) -> None:
    stored = json.dumps(event.model_dump(mode="json"))
    assert load(event.type_name, event.schema_version, json.loads(stored)) == event


def test_the_stories_cover_every_event_type() -> None:
    domain_types = {
        name for name, cls in event_types().items() if cls.__module__.startswith("gateway.domain.")
    }
    assert {e.type_name for e in ACCOUNT_STORY + CUSTOMER_STORY} == domain_types
