"""Account news for CRM: when an account is opened, CRM learns of it over REST.

CRM has no idempotency header; ACCT_NO makes a re-send harmless (CRM answers 200).
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from gateway.commands import to_domain
from gateway.delivery.legacy import AnswerTable, LegacyAnswer, LegacyRequest, Verdict
from gateway.domain.account_lifecycle import AccountOpened
from gateway.errors import CorruptEvent, TranslationFailed
from gateway.store.port import StoredEvent

ACCOUNTS_PATH = "/crm/api/v1/accounts"
CRM_ANSWERS: AnswerTable = {
    "201": Verdict.DELIVERED,
    "200": Verdict.DUPLICATE,
    "400": Verdict.PERMANENT,
    "401": Verdict.PAUSE,  # our HTTP Basic credentials are refused: pause, say why
    "403": Verdict.PAUSE,
    "404": Verdict.TRANSIENT,  # the customer may not have reached CRM yet (not a CRM fault)
    "5xx": Verdict.TRANSIENT,
    "default": Verdict.PERMANENT,
}


class AccountNotTranslatable(TranslationFailed):
    """Not an account opening, or a corrupt one: dead-lettered."""


def translate_account_opened(stored: StoredEvent) -> LegacyRequest:
    try:
        event = to_domain(stored)
    except CorruptEvent as exc:
        raise AccountNotTranslatable(str(exc)) from exc
    if not isinstance(event, AccountOpened):
        raise AccountNotTranslatable(f"{stored.type} is not an account opening")
    body = {
        "CUST_NO": event.customer_no,
        "ACCT_NO": event.account_no,
        "PRODUCT": event.product,
        "OPENED": event.opened_on.isoformat(),
    }
    return LegacyRequest("POST", ACCOUNTS_PATH, orjson.dumps(body))


class CustomerAccountsDestination:
    """CRM's half of the `crm` destination."""

    answers: AnswerTable = CRM_ANSWERS
    transient_errors: tuple[type[Exception], ...] = ()
    event_types = frozenset({"AccountOpened"})

    def __init__(self, name: str = "crm", options: Mapping[str, str] | None = None) -> None:
        self.name = name

    def translate(self, event: StoredEvent) -> LegacyRequest:
        return translate_account_opened(event)

    def judge(self, answer: LegacyAnswer, verdict: Verdict) -> Verdict:
        return verdict
