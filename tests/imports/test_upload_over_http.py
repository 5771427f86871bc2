"""A postings file uploaded over HTTP: 202 with the import's Location, then the import ends.

Served by uvicorn on a loopback port; the events are read back from the feed.
"""

from __future__ import annotations

import time
from decimal import Decimal

import httpx

from gateway.api import create_app
from tests.adapters.cbs.spec_files import Posting, postings_file, postings_name
from tests.http_server import serve_in_thread
from tests.imports.conftest import ACCOUNT, Bank

POSTINGS = [
    Posting("TXN0000000000001", ACCOUNT, "DEP", Decimal("125.50")),
    Posting("TXN0000000000002", ACCOUNT, "FEE", Decimal("-1.50")),
]


def wait_until_finished(client: httpx.Client, location: str) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        shown: dict[str, object] = client.get(location).json()
        if shown["status"] != "running":
            return shown
        time.sleep(0.05)
    raise AssertionError(f"{location} did not finish")


def test_an_uploaded_postings_file_is_accepted_and_imported(bank_with_accounts: Bank) -> None:
    bank = bank_with_accounts
    app = create_app(bank.gateway)
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url) as client:
        response = client.post(
            "/imports/cbs-postings",
            params={"name": postings_name()},
            content=postings_file(POSTINGS),
            headers={"Content-Type": "application/octet-stream"},
        )

        assert response.status_code == 202
        location = response.headers["Location"]
        assert location == f"/imports/{response.json()['id']}"
        shown = wait_until_finished(client, location)
        feed = client.get("/events", params={"after": 0}).json()

    assert (shown["status"], shown["events"], shown["rejects"]) == ("completed", 2, [])
    assert [e["type"] for e in feed][-2:] == ["bank.FundsDeposited.v2", "bank.FeeCharged.v1"]
    assert bank.folder("archive", "cbs-postings") == [f"{shown['id']:06d}-{postings_name()}"]


def test_uploading_the_same_file_again_answers_with_the_first_import(
    bank_with_accounts: Bank,
) -> None:
    bank = bank_with_accounts
    with (
        serve_in_thread(create_app(bank.gateway)) as base_url,
        httpx.Client(base_url=base_url) as client,
    ):
        first = client.post(
            "/imports/cbs-postings", params={"name": postings_name()},
            content=postings_file(POSTINGS), headers={"Content-Type": "application/octet-stream"},
        )  # fmt: skip
        wait_until_finished(client, first.headers["Location"])
        again = client.post(
            "/imports/cbs-postings", params={"name": postings_name(seq=2)},
            content=postings_file(POSTINGS), headers={"Content-Type": "application/octet-stream"},
        )  # fmt: skip

    assert again.status_code == 200
    assert again.headers["Location"] == first.headers["Location"]
    assert again.json()["duplicate"] is True
    assert len(bank.postings()) == 2
