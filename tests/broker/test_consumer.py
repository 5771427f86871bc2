"""The platform's queue read into the store: acknowledged once stored, refusals dead-lettered."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from gateway.bootstrap import Gateway, build
from gateway.config import parse_config
from tests.broker.amqp import drain, publish
from tests.broker.conftest import BrokerNames
from tests.platform.cases import REFUSALS, Refusal, deposit, opened
from tests.waiting import wait_until

REASON = "x-gateway-reason"


@pytest.fixture
def gateway(
    database_url: str, names: BrokerNames, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Gateway]:
    monkeypatch.setenv("TEST_BROKER_URL", names.url)
    section = names.section(sources=["/platform/payments"])
    gateway = build(parse_config({"database": {"url": database_url}, "broker": section}))
    assert gateway.broker is not None
    gateway.broker.start()
    assert wait_until(lambda: queue_declared(names))
    yield gateway
    gateway.close()


def queue_declared(names: BrokerNames) -> bool:
    try:
        drain(names.url, names.dead_letter_queue, timeout=0)
    except Exception:  # not declared yet: the bridge declares at connect
        return False
    return True


def send(names: BrokerNames, *events: dict[str, Any] | bytes) -> None:
    publish(names.url, names.consume_exchange,
            [(f"account.{e['type']}", orjson.dumps(e)) if isinstance(e, dict) else ("raw", e)
             for e in events])  # fmt: skip


def stored_refs(gateway: Gateway) -> list[str]:
    return [e.metadata["source_ref"].split("#")[1] for e in gateway.store.read_all()]


def test_a_redelivered_event_is_stored_once(gateway: Gateway, names: BrokerNames) -> None:
    send(names, opened(), deposit("P1"), deposit("P1"), deposit("P2"), opened())

    assert wait_until(lambda: stored_refs(gateway) == ["open-000012345678", "pay-P1", "pay-P2"])
    time.sleep(0.5)
    assert stored_refs(gateway) == ["open-000012345678", "pay-P1", "pay-P2"]
    assert drain(names.url, names.dead_letter_queue, timeout=0) == []


def test_a_refused_event_is_dead_lettered_with_its_reason_and_the_next_is_stored(
    gateway: Gateway, names: BrokerNames
) -> None:
    send(names, opened(), deposit("P1", currency="USD"), b"not json", deposit("P2"))

    assert wait_until(lambda: stored_refs(gateway) == ["open-000012345678", "pay-P2"])
    dead = drain(names.url, names.dead_letter_queue, expect=2)
    assert [m.headers[REASON].split(" ")[0] for m in dead] == ["422", "400"]
    assert "currency_mismatch" in dead[0].headers[REASON]
    assert orjson.loads(dead[0].body)["id"] == "pay-P1"


@pytest.mark.parametrize("case", REFUSALS, ids=[c.name for c in REFUSALS])
def test_each_refusal_of_the_domain_holds_over_the_queue(
    gateway: Gateway, names: BrokerNames, case: Refusal
) -> None:
    send(names, *case.history, case.event, deposit("NEXT", account="000077777777", ce_id="next"),
         opened("000077777777"), deposit("AFTER", account="000077777777"))  # fmt: skip

    assert wait_until(lambda: "pay-AFTER" in stored_refs(gateway))
    dead = drain(names.url, names.dead_letter_queue, expect=2)
    reasons = [m.headers[REASON] for m in dead]
    assert case.code in reasons[0] and reasons[0].startswith("422")
    assert "unknown_account" in reasons[1]  # NEXT came before its account was opened
    assert orjson.loads(dead[0].body)["id"] == case.event["id"]


def test_a_known_id_with_another_payload_and_a_foreign_source_are_dead_lettered(
    gateway: Gateway, names: BrokerNames
) -> None:
    send(names, opened(), deposit("P1"), deposit("P1", amount="99.00"),
         deposit("P2", source="/platform/elsewhere"), deposit("P3"))  # fmt: skip

    assert wait_until(lambda: "pay-P3" in stored_refs(gateway))
    dead = drain(names.url, names.dead_letter_queue, expect=2)
    assert [m.headers[REASON][:3] for m in dead] == ["409", "403"]
    assert stored_refs(gateway) == ["open-000012345678", "pay-P1", "pay-P3"]


def test_a_message_is_acknowledged_only_once_its_event_is_stored(
    gateway: Gateway, names: BrokerNames
) -> None:
    send(names, opened())
    assert wait_until(lambda: len(stored_refs(gateway)) == 1)
    with gateway.store.engine.begin() as conn:  # the store cannot take events for a while
        conn.exec_driver_sql("ALTER TABLE commands RENAME TO commands_away")

    send(names, deposit("P1"))
    time.sleep(1.5)
    with gateway.store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE commands_away RENAME TO commands")

    assert wait_until(lambda: stored_refs(gateway) == ["open-000012345678", "pay-P1"])
    assert drain(names.url, names.dead_letter_queue, timeout=0) == []
