"""W3C trace context from a legacy input, through its events, to every legacy delivery."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import orjson
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.api import create_app
from gateway.bootstrap import Gateway, build
from gateway.cloudevents import to_cloudevent
from gateway.commands import Envelope
from gateway.config import parse_config
from gateway.domain.account_lifecycle import OpenAccount
from gateway.domain.postings import DepositFunds
from gateway.logs import JsonFormatter
from gateway.tracing import span
from gateway.tracing.setup import TraceIds
from tests.adapters.cbs.spec_files import Posting, postings_file, postings_name
from tests.delivery.ledger import POSTING_TYPES
from tests.http_server import serve_in_thread
from tests.local_gl import LocalGl

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"
ACCOUNT = "000000000042"
API_KEY = "k-trace"


def trace_id(traceparent: str) -> str:
    return traceparent.split("-")[1]


def span_id(traceparent: str) -> str:
    return traceparent.split("-")[2]


@pytest.fixture
def gateway(
    database_url: str, gl: LocalGl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Gateway]:
    monkeypatch.setenv("TEST_TRACE_KEY", API_KEY)
    monkeypatch.setenv("GL_BASE_URL", gl.base_url)
    monkeypatch.setenv("GL_TOKEN", "gl-token")
    config = {
        "database": {"url": database_url},
        "sources": {
            "deposits": {
                "kind": "webhook", "adapter": "tests.tracing.postings_json:DepositJsonWebhooks",
                "auth": {"scheme": "api_key", "header": "X-API-Key", "key_env": "TEST_TRACE_KEY"},
                "content_types": ["json"],
            },
            "cbs-postings": {
                "kind": "batch", "adapter": "adapters.cbs:postings_adapter",
                "pattern": "CBS_POSTINGS_*.DAT", "landing": str(tmp_path / "landing"),
                "archive": str(tmp_path / "archive"), "error": str(tmp_path / "error"),
                "completeness": "done_file", "encoding": "cp037", "chunk_size": 2,
            },
        },
        "destinations": {
            "gl": {
                "adapter": "adapters.gl:LedgerDestination", "base_url_env": "GL_BASE_URL",
                "auth": {"scheme": "bearer", "token_env": "GL_TOKEN"}, "events": POSTING_TYPES,
                "idempotency_header": "X-Idempotency-Key", "timeout_seconds": 2.0,
                "retry": {"delays_seconds": [0.05], "stop_after_attempts": 3},
            },
        },
    }  # fmt: skip
    gateway = build(parse_config(config))
    gateway.bus.handle(Envelope(OpenAccount(
        command_id=uuid.uuid4(), account_no=ACCOUNT, customer_no="10000001", product="CURRENT",
        currency="EUR", opened_on="2026-11-01", branch="0042",
    ), source="test"))  # fmt: skip
    yield gateway
    gateway.close()


def deposit(ref: str) -> bytes:
    return orjson.dumps({
        "command_id": str(uuid.uuid4()), "account_no": ACCOUNT, "posting_ref": ref,
        "amount": {"amount": "10.00", "currency": "EUR"}, "value_date": "2026-11-26",
        "narrative": "SALARY",
    })  # fmt: skip


def deliver_all(gateway: Gateway, gl: LocalGl, count: int) -> None:
    assert gateway.delivery is not None
    assert gateway.delivery.run_until(lambda: len(gl.requests) >= count, timeout=20)


def test_a_webhooks_traceparent_reaches_gl_on_the_posting_it_produced(
    gateway: Gateway, gl: LocalGl, spans: InMemorySpanExporter
) -> None:
    headers = {"X-API-Key": API_KEY, "traceparent": TRACEPARENT,
               "content-type": "application/json", "webhook-id": "w-1"}  # fmt: skip
    with serve_in_thread(create_app(gateway)) as base_url:
        answer = httpx.post(f"{base_url}/webhooks/deposits", content=deposit("TX-1"),
                            headers=headers)  # fmt: skip
    assert answer.status_code == 202, answer.text

    deliver_all(gateway, gl, 1)

    [event] = [e for e in gateway.store.read_all() if e.type == "FundsDeposited"]
    kept = event.metadata["traceparent"]
    assert trace_id(kept) == TRACE_ID
    assert to_cloudevent(event)["traceparent"] == kept  # the feed carries it
    [sent] = gl.requests
    assert trace_id(sent["traceparent"]) == TRACE_ID
    finished = {s.name: s for s in spans.get_finished_spans()}
    webhook, delivery = finished["webhook deposits"], finished["deliver gl"]
    assert webhook.parent is not None and format(webhook.parent.span_id, "016x") == CALLER_SPAN
    assert span_id(kept) == format(webhook.context.span_id, "016x")
    assert delivery.parent is not None and delivery.parent.span_id == webhook.context.span_id
    assert span_id(sent["traceparent"]) == format(delivery.context.span_id, "016x")


def test_every_attempt_sends_a_traceparent_of_the_same_trace(gateway: Gateway, gl: LocalGl) -> None:
    gl.answers = [503]  # GL is down for the first attempt
    command = DepositFunds.model_validate_json(deposit("TX-2"))
    with span("caller", parent=TRACEPARENT):
        gateway.bus.handle(Envelope(command, source="test"))

    deliver_all(gateway, gl, 2)

    sent = [r["traceparent"] for r in gl.requests]
    assert [trace_id(t) for t in sent] == [TRACE_ID, TRACE_ID]
    assert span_id(sent[0]) != span_id(sent[1])  # one span per attempt


def test_an_import_is_one_trace_with_its_postings_in_it(
    gateway: Gateway, gl: LocalGl, spans: InMemorySpanExporter
) -> None:
    postings = [Posting(f"TXN{n:013d}", ACCOUNT, "DEP", Decimal("1.00")) for n in range(1, 6)]
    folder = gateway.batch_sources["cbs-postings"].config.landing
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / postings_name()
    path.write_bytes(postings_file(postings))

    result = gateway.imports.import_file(gateway.batch_sources["cbs-postings"], path)
    deliver_all(gateway, gl, 5)

    assert result.record.status == "completed", result.record.reason
    [root] = [s for s in spans.get_finished_spans() if s.name == "import cbs-postings"]
    trace = format(root.context.trace_id, "032x")
    chunks = [s for s in spans.get_finished_spans() if s.name == "import chunk"]
    assert len(chunks) == 3 and all(c.parent.span_id == root.context.span_id for c in chunks)
    imported = [e for e in gateway.store.read_all() if e.type == "FundsDeposited"]
    assert {trace_id(e.metadata["traceparent"]) for e in imported} == {trace}
    assert {trace_id(r["traceparent"]) for r in gl.requests} == {trace}


def test_log_lines_inside_a_span_carry_its_trace_id() -> None:
    record = logging.LogRecord("gateway", logging.INFO, __file__, 1, "posted", (), None)

    with span("work", parent=TRACEPARENT):
        TraceIds().filter(record)

    line = json.loads(JsonFormatter().format(record))
    assert line["trace_id"] == TRACE_ID and len(line["span_id"]) == 16


def test_with_nothing_to_export_a_span_is_its_ids_and_still_carries_the_trace() -> None:
    from gateway.tracing.spans import _ids_only, current_traceparent, parent_from

    with _ids_only(parent_from(TRACEPARENT)) as child:
        inside = current_traceparent()
        with _ids_only(None) as grandchild:
            pass
    with _ids_only(None) as fresh:
        pass

    assert child is not None and grandchild is not None and fresh is not None
    assert inside == child and trace_id(child) == TRACE_ID and span_id(child) != CALLER_SPAN
    assert trace_id(grandchild) == TRACE_ID and span_id(grandchild) != span_id(child)
    assert trace_id(fresh) != TRACE_ID


def test_an_attempts_traceparent_keeps_the_trace_the_propagator_accepts_and_no_other() -> None:
    from gateway.tracing.spans import child_traceparent, parent_from

    stored = [
        TRACEPARENT, f"01-{TRACE_ID}-{CALLER_SPAN}-01-later-fields", f" {TRACEPARENT}\t",
        None, "", "garbage", f"ff-{TRACE_ID}-{CALLER_SPAN}-01", f"00-{TRACE_ID}-{CALLER_SPAN}-01-x",
        f"00-{'0' * 32}-{CALLER_SPAN}-01", f"00-{TRACE_ID}-{'0' * 16}-01",
        f"00-{TRACE_ID.upper()}-{CALLER_SPAN}-01", f"00-{TRACE_ID}-{CALLER_SPAN}-01{' ' * 600}",
    ]  # fmt: skip
    for parent in stored:
        child = child_traceparent(parent)
        assert parent_from(child) is not None and span_id(child) != CALLER_SPAN
        assert (trace_id(child) == TRACE_ID) is (parent_from(parent) is not None), parent
    with span("caller", parent=TRACEPARENT):
        assert trace_id(child_traceparent(None)) == TRACE_ID  # under the current span
