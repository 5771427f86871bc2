"""Operators see sources, imports, SLAs, dead letters and jobs on one page, and as JSON."""

from __future__ import annotations

from pathlib import Path

import httpx

from gateway.api import create_app
from tests.adapters.cbs.spec_files import AccountLine
from tests.http_server import serve_in_thread
from tests.imports.conftest import ACCOUNT, make_bank

HOSTILE = "<script>alert(1)</script> answered 500"


def test_the_overview_page_shows_each_source_and_import_escaped(
    tmp_path: Path, database_url: str
) -> None:
    bank = make_bank(tmp_path, database_url)
    try:
        bank.open_accounts(AccountLine(ACCOUNT))
        bank.gateway.source_status.record_error("cbs-postings", "batch", HOSTILE)
        with serve_in_thread(create_app(bank.gateway)) as base_url:
            page = httpx.get(f"{base_url}/admin")
            sources = httpx.get(f"{base_url}/sources").json()
    finally:
        bank.gateway.close()

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<td>cbs-accounts</td><td>CBS_ACCOUNTS_20240229.csv</td><td>completed</td>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; answered 500" in html
    assert "<script>" not in html
    for section in ("Inbound sources", "Recent imports", "SLAs", "Dead letters", "Scheduled jobs"):
        assert section in html
    by_name = {s["name"]: s for s in sources}
    assert sorted(by_name) == ["cbs-accounts", "cbs-postings", "cbs-postings-text"]
    assert by_name["cbs-postings"]["last_error"].endswith(HOSTILE)
    assert by_name["cbs-accounts"]["kind"] == "batch"
    assert by_name["cbs-accounts"]["last_success"] is not None  # its accounts were opened
