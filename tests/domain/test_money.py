"""Money is exact: two decimal places, an ISO currency, and never a float.

What goes into the store as JSON must come back as the very same Decimal.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pydantic import ValidationError

from gateway.domain.money import Money


@pytest.mark.parametrize("amount", ["125.5", "125.50", Decimal("125.5"), Decimal("1.255E2")])
def test_an_amount_is_kept_to_the_cent(amount: str | Decimal) -> None:
    money = Money.of(amount, "EUR")
    assert money.amount == Decimal("125.50")
    assert str(money.amount) == "125.50"


def test_a_whole_amount_is_given_two_places() -> None:
    assert str(Money.of(7, "EUR").amount) == "7.00"


@pytest.mark.parametrize("amount", [125.5, 0.1, True])
def test_a_float_is_never_taken_as_money(amount: object) -> None:
    with pytest.raises(ValidationError, match="Decimal, int or decimal string"):
        Money(amount=amount, currency="EUR")


@pytest.mark.parametrize("amount", ["1.005", "0.001", Decimal("12.345")])
def test_fractions_of_a_cent_are_refused(amount: str | Decimal) -> None:
    with pytest.raises(ValidationError, match="more than two decimal places"):
        Money.of(amount, "EUR")


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_amounts_that_are_not_numbers_are_refused(amount: str) -> None:
    with pytest.raises(ValidationError):
        Money.of(amount, "EUR")


@pytest.mark.parametrize("amount", ["twelve", "1e40", ""])
def test_amounts_that_cannot_be_exact_are_refused(amount: str) -> None:
    with pytest.raises(ValidationError, match="not a decimal amount"):
        Money.of(amount, "EUR")


@pytest.mark.parametrize("currency", ["eur", "EURO", "E1R", ""])
def test_a_currency_is_three_capital_letters(currency: str) -> None:
    with pytest.raises(ValidationError):
        Money.of("1.00", currency)


def test_money_goes_through_json_unchanged() -> None:
    money = Money.of("-12345678901234.99", "GBP")
    stored = json.dumps(money.model_dump(mode="json"))
    assert stored == '{"amount": "-12345678901234.99", "currency": "GBP"}'
    assert Money.model_validate(json.loads(stored)) == money


def test_money_is_immutable() -> None:
    money = Money.of("1.00", "EUR")
    with pytest.raises(ValidationError):
        money.amount = Decimal("2.00")  # type: ignore[misc]
