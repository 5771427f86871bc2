"""CRM learns of opened accounts; its answers mean what its spec says."""

from __future__ import annotations

import httpx
import orjson
import pytest

from adapters.crm.outbound import CustomerAccountsDestination, translate_account_opened
from gateway.delivery.legacy import LegacyAnswer, Verdict, classify_status
from gateway.errors import TranslationFailed
from gateway.store.port import StoredEvent

OPENED = {"account_no": "000012345678", "customer_no": "10000001", "product": "CURRENT",
          "currency": "EUR", "opened_on": "2026-11-01", "branch": "0042"}  # fmt: skip


def stored(type_name: str, data: dict[str, object]) -> StoredEvent:
    return StoredEvent(1, "account-000012345678", 1, "e-1", type_name, 1, data, {}, "")


def test_an_opened_account_becomes_crm_json() -> None:
    request = translate_account_opened(stored("AccountOpened", OPENED))

    assert (request.method, request.path) == ("POST", "/crm/api/v1/accounts")
    assert orjson.loads(request.body) == {"CUST_NO": "10000001", "ACCT_NO": "000012345678",
                                          "PRODUCT": "CURRENT", "OPENED": "2026-11-01"}  # fmt: skip


def test_other_events_are_not_for_crm() -> None:
    frozen = stored("AccountFrozen", {"account_no": "1", "effective_on": "2026-01-01"})
    with pytest.raises(TranslationFailed):
        translate_account_opened(frozen)


@pytest.mark.parametrize(
    ("status", "verdict"),
    [(201, Verdict.DELIVERED), (200, Verdict.DUPLICATE), (400, Verdict.PERMANENT),
     (404, Verdict.TRANSIENT), (500, Verdict.TRANSIENT), (503, Verdict.TRANSIENT),
     (401, Verdict.PAUSE), (403, Verdict.PAUSE)],
)  # fmt: skip
def test_crm_answers_mean_what_the_spec_says(status: int, verdict: Verdict) -> None:
    crm = CustomerAccountsDestination()
    request = crm.translate(stored("AccountOpened", OPENED))
    transport = httpx.MockTransport(lambda _: httpx.Response(status))
    with httpx.Client(transport=transport, base_url="https://crm.bank.test") as client:
        answer = client.post(request.path, content=request.body)
    legacy = LegacyAnswer(answer.status_code, answer.content, dict(answer.headers))
    assert crm.judge(legacy, classify_status(answer.status_code, crm.answers)) is verdict
