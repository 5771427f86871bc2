"""GL postings: the ledger team's code table, and what GL's answers mean."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from adapters.gl import LedgerDestination, translate_posting
from gateway.delivery.legacy import LegacyAnswer, Verdict, classify_status
from gateway.errors import TranslationFailed
from gateway.store.port import StoredEvent


def stored(type_name: str, data: dict[str, Any], version: int = 1) -> StoredEvent:
    return StoredEvent(7, "account-000012345678", 3, "e-1", type_name, version, data, {}, "")


def posting(**extra: Any) -> dict[str, Any]:
    return {"account_no": "000012345678", "posting_ref": "TX1",
            "amount": {"amount": "125.50", "currency": "EUR"}, "value_date": "2026-11-26",
            "narrative": "SALARY NOVEMBER ACME LIMITED AND SONS OF LONDON", **extra}  # fmt: skip


@pytest.mark.parametrize(
    ("type_name", "version", "gl_account", "side"),
    [
        ("FundsDeposited", 2, "2100-DEP", "CR"),
        ("FundsWithdrawn", 1, "2100-DEP", "DR"),
        ("FeeCharged", 1, "4100-FEE", "CR"),
        ("InterestCredited", 1, "5100-INT", "DR"),
    ],
)
def test_each_money_movement_posts_to_its_gl_account_and_side(
    type_name: str, version: int, gl_account: str, side: str
) -> None:
    request = translate_posting(stored(type_name, posting(), version))

    body = orjson.loads(request.body)
    assert (request.method, request.path) == ("POST", "/gl/v1/postings")
    assert body == {"posting_ref": "TX1", "gl_account": gl_account, "side": side,
                    "amount": "125.50", "currency": "EUR", "value_date": "2026-11-26",
                    "customer_account": "000012345678",
                    "narrative": "SALARY NOVEMBER ACME LIMITED AND SONS OF"}  # fmt: skip
    assert len(body["narrative"]) == 40


REVERSALS = [
    ("DEPOSIT", "2100-DEP", "DR"),
    ("FEE", "4100-FEE", "DR"),
    ("INTEREST", "5100-INT", "CR"),
    ("WITHDRAWAL", "2100-DEP", "CR"),
]


@pytest.mark.parametrize(("kind", "gl_account", "side"), REVERSALS)
def test_a_reversal_posts_the_other_side_to_the_same_account_under_its_own_ref(
    kind: str, gl_account: str, side: str
) -> None:
    data = posting(posting_ref="RV1", reverses_ref="TX1", reversed_kind=kind, narrative="")
    body = orjson.loads(translate_posting(stored("PostingReversed", data)).body)

    assert (body["posting_ref"], body["gl_account"], body["side"]) == ("RV1", gl_account, side)


def test_an_event_that_is_no_posting_is_not_translatable() -> None:
    with pytest.raises(TranslationFailed):
        translate_posting(
            stored("AccountFrozen", {"account_no": "1", "effective_on": "2026-01-01"})
        )


def gl_answers(status: int, body: bytes = b"{}", headers: dict[str, str] | None = None) -> Verdict:
    """Send a translated posting through httpx to a mocked GL and judge its answer."""
    ledger = LedgerDestination()
    request = ledger.translate(stored("FundsDeposited", posting(), 2))
    transport = httpx.MockTransport(lambda _: httpx.Response(status, content=body,
                                                             headers=headers))  # fmt: skip
    with httpx.Client(transport=transport, base_url="https://gl.bank.test") as client:
        answer = client.post(request.path, content=request.body)
    legacy = LegacyAnswer(answer.status_code, answer.content, dict(answer.headers))
    return ledger.judge(legacy, classify_status(answer.status_code, ledger.answers))


@pytest.mark.parametrize(
    ("status", "verdict"),
    [(201, Verdict.DELIVERED), (400, Verdict.PERMANENT), (409, Verdict.RETRY_LATER),
     (429, Verdict.RETRY_LATER), (500, Verdict.TRANSIENT), (502, Verdict.TRANSIENT),
     (503, Verdict.TRANSIENT), (504, Verdict.TRANSIENT), (401, Verdict.PAUSE),
     (403, Verdict.PAUSE), (404, Verdict.PERMANENT)],
)  # fmt: skip
def test_gl_answers_mean_what_the_spec_says(status: int, verdict: Verdict) -> None:
    assert gl_answers(status) is verdict


@pytest.mark.parametrize(
    ("body", "verdict"),
    [(b'{"duplicate": true}', Verdict.DUPLICATE), (b'{"duplicate": false}', Verdict.TRANSIENT),
     (b"{}", Verdict.TRANSIENT), (b"<html>Maintenance until 06:00</html>", Verdict.TRANSIENT),
     (b"", Verdict.TRANSIENT), (b'{"duplicate": "yes"}', Verdict.TRANSIENT),
     (b"[true]", Verdict.TRANSIENT)],
)  # fmt: skip
def test_a_200_is_success_only_as_gls_duplicate_answer(body: bytes, verdict: Verdict) -> None:
    assert gl_answers(200, body) is verdict
