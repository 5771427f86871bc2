"""`/metrics` stays open for scrapers, so no label name or value may carry customer data.

A CRM customer, a refused webhook with a customer's name in its path and a platform event are
sent first; the metrics page then names none of their details.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.api import create_app
from gateway.bootstrap import build
from gateway.config import parse_config
from tests.adapters.crm.test_crm_webhooks import crm_form, post
from tests.http_server import serve_in_thread
from tests.webhooks.conftest import CRM_PASSWORD, CRM_USER, sources

# Label names whose values are configuration or code (sources, destinations, types, outcomes;
# reconciliation's `system` is a configured ledger, `class` a difference class)
LABELS = {"type", "status", "method", "route", "destination", "verdict", "job", "source",
          "outcome", "kind", "name", "severity", "le", "quantile", "generation", "version",
          "implementation", "major", "minor", "patchlevel",
          "system", "class"}  # fmt: skip
CUSTOMER = {"NAME": "Zelda Quixote-Vandermeer", "CUST_NO": "00098765",
            "ADDR1": "221B Baker Street", "POSTCODE": "NW1 6XE"}  # fmt: skip


@pytest.fixture
def client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    monkeypatch.setenv("CRM_WEBHOOK_USER", CRM_USER)
    monkeypatch.setenv("CRM_WEBHOOK_PASSWORD", CRM_PASSWORD)
    gateway = build(parse_config({"database": {"url": database_url}, "sources": sources()}))
    with serve_in_thread(create_app(gateway)) as base_url, httpx.Client(base_url=base_url) as c:
        yield c
    gateway.close()


def test_metrics_name_no_customer_detail(client: httpx.Client) -> None:
    assert post(client, crm_form("M-1", **CUSTOMER)).status_code == 200
    client.post(f"/webhooks/{CUSTOMER['NAME']}", json={"name": CUSTOMER["NAME"]})
    client.get(f"/streams/customer-{CUSTOMER['CUST_NO']}")
    client.get(f"/commands/{CUSTOMER['CUST_NO']}")

    page = client.get("/metrics")

    assert page.status_code == 200
    assert "gateway_webhooks_total" in page.text  # the calls above were counted
    for value in CUSTOMER.values():
        assert value not in page.text, value
    names = {name for family in text_string_to_metric_families(page.text)
             for sample in family.samples for name in sample.labels}  # fmt: skip
    assert names <= LABELS, f"new metric labels {names - LABELS}: can they carry customer data?"
