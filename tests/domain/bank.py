"""The demo bank's cast for domain tests: one customer, one EUR account, builders for the rest.

Builders fill what a test does not care about, so each test names only what its rule needs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import uuid4

from gateway.domain.account_lifecycle import AccountOpened, OpenAccount
from gateway.domain.customers import CustomerRegistered, RegisterCustomer
from gateway.domain.messages import Command, Message
from gateway.domain.money import Money

CUSTOMER = "00012345"
ACCOUNT = "000012345678"
VALUE_DATE = date(2026, 11, 26)
M = TypeVar("M", bound=Message)

HOME = {
    "line1": "1 High Street",
    "line2": "",
    "city": "London",
    "postcode": "N1 9GU",
    "country": "GB",
}
NEW_HOME = {
    "line1": "12 Rue de la Paix",
    "line2": "Apt 4",
    "city": "Paris",
    "postcode": "75002",
    "country": "FR",
}
OLD_HOME = {
    "line1": "7 Old Road",
    "line2": "",
    "city": "Leeds",
    "postcode": "LS1 4AP",
    "country": "GB",
}
TERMS = {
    "customer_no": CUSTOMER,
    "product": "CURRENT",
    "currency": "EUR",
    "opened_on": date(2026, 11, 2),
    "branch": "0042",
}


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def make(cls: type[M], **fields: Any) -> M:
    """A message of `cls`; commands get a fresh command_id, account messages the account."""
    if issubclass(cls, Command):
        fields.setdefault("command_id", uuid4())
    if "account_no" in cls.model_fields:
        fields.setdefault("account_no", ACCOUNT)
    if "customer_no" in cls.model_fields:
        fields.setdefault("customer_no", CUSTOMER)
    return cls(**fields)


def posting(cls: type[M], ref: str, amount: str, **fields: Any) -> M:
    """A posting command or event on the account, in EUR, dated VALUE_DATE."""
    fields.setdefault("value_date", VALUE_DATE)
    fields.setdefault("narrative", f"{cls.__name__} {ref}")
    return make(cls, posting_ref=ref, amount=eur(amount), **fields)


def customer_registered(**changes: Any) -> CustomerRegistered:
    return make(
        CustomerRegistered, **{"name": "Zoë Lefèvre", "changed_at": at(2), **HOME, **changes}
    )


def register_customer(**changes: Any) -> RegisterCustomer:
    return make(RegisterCustomer, **{"name": "Zoë Lefèvre", "changed_at": at(2), **HOME, **changes})


def account_opened(**changes: Any) -> AccountOpened:
    return make(AccountOpened, **{**TERMS, **changes})


def open_account(**changes: Any) -> OpenAccount:
    return make(OpenAccount, **{**TERMS, **changes})
