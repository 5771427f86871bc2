"""The platform's events as the bank's story tells them, and the ones the domain must refuse.

Shared by the HTTP and the queue suites: each refusal case is a history, then one event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACCOUNT = "000012345678"
SOURCE = "/platform/payments"


def cloudevent(ce_id: str, type_name: str, subject: str, data: dict[str, Any],
               *, source: str = SOURCE, version: int = 1) -> dict[str, Any]:  # fmt: skip
    return {"specversion": "1.0", "id": ce_id, "source": source,
            "type": f"bank.{type_name}.v{version}", "subject": subject, "data": data}  # fmt: skip


def opened(account: str = ACCOUNT, currency: str = "EUR", ce_id: str = "") -> dict[str, Any]:
    data = {"account_no": account, "customer_no": "10000001", "product": "CURRENT",
            "currency": currency, "opened_on": "2026-11-01", "branch": "0042"}  # fmt: skip
    return cloudevent(ce_id or f"open-{account}", "AccountOpened", f"account-{account}", data)


def deposit(
    ref: str,
    account: str = ACCOUNT,
    amount: str = "10.00",
    currency: str = "EUR",
    *,
    ce_id: str = "",
    subject: str = "",
    source: str = SOURCE,
) -> dict[str, Any]:
    data = {"account_no": account, "posting_ref": ref, "value_date": "2026-11-26",
            "amount": {"amount": amount, "currency": currency}}  # fmt: skip
    return cloudevent(ce_id or f"pay-{ref}", "FundsDeposited", subject or f"account-{account}",
                      data, source=source, version=2)  # fmt: skip


def withdrawal(ref: str, amount: str, *, overdrawn: bool) -> dict[str, Any]:
    data = {"account_no": ACCOUNT, "posting_ref": ref, "value_date": "2026-11-26",
            "amount": {"amount": amount, "currency": "EUR"}, "overdrawn": overdrawn}  # fmt: skip
    return cloudevent(f"pay-{ref}", "FundsWithdrawn", f"account-{ACCOUNT}", data)


def closed(balance: str = "0.00") -> dict[str, Any]:
    data = {"account_no": ACCOUNT, "effective_on": "2026-11-20",
            "closing_balance": {"amount": balance, "currency": "EUR"}}  # fmt: skip
    return cloudevent("close-1", "AccountClosed", f"account-{ACCOUNT}", data)


@dataclass(frozen=True)
class Refusal:
    """After `history` is stored, `event` is refused with `code` in its reason."""

    name: str
    history: list[dict[str, Any]]
    event: dict[str, Any]
    code: str


REFUSALS = [
    Refusal("a deposit on an account never opened", [], deposit("R1"), "unknown_account"),
    Refusal("a deposit on a closed account", [opened(), closed()], deposit("R2"),
            "account_closed"),
    Refusal("a deposit in another currency", [opened()], deposit("R3", currency="USD"),
            "currency_mismatch"),
    Refusal("a deposit on a customer's stream", [opened()],
            deposit("R4", subject="customer-10000001"), "wrong_stream"),
    Refusal("a deposit naming another account than its subject", [opened()],
            deposit("R5", subject="account-000099999999"), "wrong_stream"),
    Refusal("an event on a stream no aggregate owns", [],
            deposit("R6", subject="ledger-1"), "wrong_stream"),
    Refusal("a second opening with other terms", [opened()],
            opened(currency="USD", ce_id="open-again"), "account_already_opened"),
    Refusal("a posting already recorded, under a new id", [opened(), deposit("R7")],
            deposit("R7", ce_id="pay-R7-again"), "already_recorded"),
    Refusal("a withdrawal that claims not to overdraw", [opened(), deposit("R8")],
            withdrawal("W8", "25.00", overdrawn=False), "not_what_the_stream_records"),
    Refusal("a closing balance the stream does not hold", [opened(), deposit("R9")],
            closed(balance="0.00"), "not_what_the_stream_records"),
]  # fmt: skip
