"""Postings for GL: the ledger team's code table, and the meaning of GL's answers.

Deposits and withdrawals go to 2100-DEP, fees to 4100-FEE, interest to 5100-INT; a reversal
posts the opposite side of the posting it reverses, to the same GL account.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from adapters.gl.errors import TRANSIENT_ERRORS, PostingNotTranslatable
from gateway.commands import to_domain
from gateway.delivery.legacy import AnswerTable, LegacyAnswer, LegacyRequest, Verdict
from gateway.domain.account_state import PostingKind
from gateway.domain.postings import MoneyPosted, PostingReversed
from gateway.errors import CorruptEvent
from gateway.store.port import StoredEvent

POSTINGS_PATH = "/gl/v1/postings"
NARRATIVE_LIMIT = 40
GL_ACCOUNTS: Mapping[PostingKind, tuple[str, str]] = {
    PostingKind.DEPOSIT: ("2100-DEP", "CR"),
    PostingKind.WITHDRAWAL: ("2100-DEP", "DR"),
    PostingKind.FEE: ("4100-FEE", "CR"),
    PostingKind.INTEREST: ("5100-INT", "DR"),
}
OPPOSITE = {"CR": "DR", "DR": "CR"}
POSTING_EVENTS = frozenset(
    {"FundsDeposited", "FundsWithdrawn", "FeeCharged", "InterestCredited", "PostingReversed"}
)
GL_ANSWERS: AnswerTable = {
    "201": Verdict.DELIVERED,
    "200": Verdict.DUPLICATE,
    "400": Verdict.PERMANENT,
    "401": Verdict.PAUSE,  # our token is refused: every posting would be; pause, say why
    "403": Verdict.PAUSE,
    "409": Verdict.RETRY_LATER,  # an earlier posting of the account is missing: after it
    "429": Verdict.RETRY_LATER,
    "500": Verdict.TRANSIENT,
    "502": Verdict.TRANSIENT,
    "503": Verdict.TRANSIENT,
    "5xx": Verdict.TRANSIENT,
    "4xx": Verdict.PERMANENT,
    "default": Verdict.PERMANENT,
}


def gl_account_and_side(event: MoneyPosted | PostingReversed) -> tuple[str, str]:
    if isinstance(event, PostingReversed):
        account, side = GL_ACCOUNTS[event.reversed_kind]
        return account, OPPOSITE[side]
    return GL_ACCOUNTS[event.kind]


def translate_posting(stored: StoredEvent) -> LegacyRequest:
    """`POST /gl/v1/postings` for one money movement; the ref is the event's own posting_ref."""
    try:
        event = to_domain(stored)
    except CorruptEvent as exc:
        raise PostingNotTranslatable(str(exc)) from exc
    if not isinstance(event, MoneyPosted | PostingReversed):
        raise PostingNotTranslatable(f"{stored.type} is not a posting")
    try:
        gl_account, side = gl_account_and_side(event)
    except KeyError as exc:
        raise PostingNotTranslatable(f"no GL account for {exc}") from None
    body = {
        "posting_ref": event.posting_ref,
        "gl_account": gl_account,
        "side": side,
        "amount": str(event.amount.amount),
        "currency": event.amount.currency,
        "value_date": event.value_date.isoformat(),
        "customer_account": event.account_no,
        "narrative": event.narrative[:NARRATIVE_LIMIT],
    }
    return LegacyRequest("POST", POSTINGS_PATH, orjson.dumps(body))


class LedgerDestination:
    """GL's half of the `gl` destination: postings in, GL's answer codes out."""

    answers: AnswerTable = GL_ANSWERS
    transient_errors: tuple[type[Exception], ...] = TRANSIENT_ERRORS
    event_types = POSTING_EVENTS

    def __init__(self, name: str = "gl", options: Mapping[str, str] | None = None) -> None:
        self.name = name

    def translate(self, event: StoredEvent) -> LegacyRequest:
        return translate_posting(event)

    def judge(self, answer: LegacyAnswer, verdict: Verdict) -> Verdict:
        """A 200 is success only as GL's `{"duplicate": true}`; any other 200 (a proxy's page,
        a maintenance page) is not GL taking the posting: tried again later."""
        if answer.status == 200 and not is_duplicate_answer(answer):
            return Verdict.TRANSIENT
        return verdict


def is_duplicate_answer(answer: LegacyAnswer) -> bool:
    """GL's own "seen that idempotency key before": a JSON object with `duplicate: true`."""
    if answer.truncated:
        return False
    try:
        body = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        return False
    return isinstance(body, dict) and body.get("duplicate") is True
