"""Exact money: a Decimal amount with exactly two places and an ISO 4217 currency code.

Floats are refused outright: a binary fraction is never an amount of money.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints

CENT = Decimal("0.01")

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def _exact_amount(value: Any) -> Decimal:
    """Accept Decimal, int or a decimal string; refuse floats, NaN, infinities and sub-cents."""
    if type(value) is not Decimal and (
        isinstance(value, bool | float) or not isinstance(value, Decimal | int | str)
    ):
        raise ValueError(f"an amount must be a Decimal, int or decimal string, not {value!r}")
    try:
        amount = value if type(value) is Decimal else Decimal(value)
        if not amount.is_finite():
            raise ValueError(f"{value!r} is not a finite amount")
        cents = amount.quantize(CENT)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal amount of at most 28 digits") from None
    if cents != amount:
        raise ValueError(f"{value!r} has more than two decimal places")
    return cents


Amount = Annotated[Decimal, BeforeValidator(_exact_amount)]
"""A Decimal quantized to 0.01; stored in JSON as a string such as "125.50"."""


class Money(BaseModel):
    """An amount in one currency; negative only where a balance can be (closing balances)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Amount
    currency: CurrencyCode

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        return cls(amount=amount, currency=currency)

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
