"""The store published to the platform's exchange: every event, confirmed, in stream order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import orjson
import pytest
from prometheus_client import REGISTRY
from typer.testing import CliRunner

from gateway.bootstrap import Gateway, build
from gateway.broker.port import OutboundMessage
from gateway.broker.relay import BrokerRelay, RelayPolicy
from gateway.cli import app
from gateway.cloudevents import to_cloudevent
from gateway.config import parse_config
from gateway.jobs.leases import JobLeases
from gateway.overview import sla_lines
from gateway.platform import SourceGrant, parse
from tests.broker.amqp import bind_queue, drain
from tests.broker.conftest import BrokerNames, amqp_url
from tests.broker.proxy import CuttableProxy, cuttable_proxy
from tests.platform.cases import deposit, opened
from tests.waiting import wait_until

ANY = SourceGrant("test", ("*",))
runner = CliRunner()


@pytest.fixture
def gateway(
    database_url: str, names: BrokerNames, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Gateway]:
    monkeypatch.setenv("TEST_BROKER_URL", names.url)
    gateway = build(parse_config({"database": {"url": database_url}, "broker": names.section()}))
    yield gateway
    gateway.close()


def store_postings(gateway: Gateway, accounts: int, per_account: int) -> None:
    numbers = [f"{n:012d}" for n in range(1, accounts + 1)]
    gateway.platform.append([parse(opened(a)) for a in numbers], grant=ANY)
    for round_no in range(per_account):
        batch = [parse(deposit(f"R{round_no}-{a}", a)) for a in numbers]
        gateway.platform.append(batch, grant=ANY)


def published(gateway: Gateway, names: BrokerNames) -> int:
    return gateway.broker.relay.positions.read(names.publish_exchange)  # type: ignore[union-attr]


def test_every_stored_event_is_published_as_the_platform_team_expects(
    gateway: Gateway, names: BrokerNames
) -> None:
    bind_queue(names.url, names.publish_exchange, f"watch.{names.queue}")
    store_postings(gateway, accounts=3, per_account=4)
    assert gateway.broker is not None
    gateway.broker.start()

    assert wait_until(lambda: published(gateway, names) == 15)
    seen = drain(names.url, f"watch.{names.queue}", expect=15)

    stored = gateway.store.read_all()
    assert [m.message_id for m in seen] == [e.event_id for e in stored]
    assert [orjson.loads(m.body) for m in seen] == [to_cloudevent(e) for e in stored]
    first = seen[0]
    assert first.routing_key == "account.AccountOpened"
    assert seen[-1].routing_key == "account.FundsDeposited"
    assert (first.content_type, first.type, first.delivery_mode) == (
        "application/cloudevents+json", "bank.AccountOpened.v1", 2)  # fmt: skip
    assert first.timestamp is not None


class ConfirmsOnly:
    """A publisher that confirms the first `limit` messages it is ever given, then none."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.sent: list[str] = []

    async def connect(self) -> None:
        return None

    async def publish(self, messages: Sequence[OutboundMessage]) -> int:
        self.sent.extend(m.id for m in messages)
        confirmed = max(0, min(len(messages), self.limit))
        self.limit -= confirmed
        return confirmed

    async def close(self) -> None:
        return None


def test_the_position_moves_only_past_confirmed_events(gateway: Gateway) -> None:
    store_postings(gateway, accounts=2, per_account=5)  # 12 events
    publisher = ConfirmsOnly(limit=7)
    leases = JobLeases(gateway.store, lease_seconds=5)
    policy = RelayPolicy(window=5, reconnect_initial=0.01)
    relay = BrokerRelay(gateway.store, publisher, leases, name="test", policy=policy)

    async def run_briefly() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(1.0, stop.set)
        await relay.run(stop)

    asyncio.run(run_briefly())

    ids = [e.event_id for e in gateway.store.read_all()]
    assert relay.positions.read("test") == 7
    assert publisher.sent[:5] == ids[:5]
    assert publisher.sent[5:10] == ids[5:10]  # confirmed 2 of these: 5..6
    assert set(publisher.sent[10:]) == set(ids[7:12])  # again from the first unconfirmed


def gateway_through(database_url: str, names: BrokerNames, proxy: CuttableProxy,
                    monkeypatch: pytest.MonkeyPatch) -> Gateway:  # fmt: skip
    monkeypatch.setenv("TEST_BROKER_URL", amqp_url(names.url.rsplit("/", 1)[1], proxy.port))
    return build(parse_config({"database": {"url": database_url}, "broker": names.section()}))


def test_with_the_broker_down_the_relay_waits_reports_its_lag_and_catches_up(
    database_url: str, names: BrokerNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    bind_queue(names.url, names.publish_exchange, f"watch.{names.queue}")
    with cuttable_proxy() as proxy:
        proxy.down()
        gateway = gateway_through(database_url, names, proxy, monkeypatch)
        try:
            assert gateway.broker is not None
            gateway.broker.start()
            store_postings(gateway, accounts=2, per_account=2)
            time.sleep(1.5)

            (line,) = [s for s in sla_lines(gateway) if s.kind == "broker"]
            metric = REGISTRY.get_sample_value("gateway_broker_lag_events")
            proxy.up()
            caught_up = wait_until(lambda: published(gateway, names) == 6)
        finally:
            gateway.close()

    assert (line.pending, metric) == (6, 6)
    assert line.oldest_pending_age is not None and line.oldest_pending_age > 1
    assert line.state.startswith("relay on ")
    assert caught_up
    assert len(drain(names.url, f"watch.{names.queue}", expect=6)) == 6


def test_republish_from_a_position_sends_the_same_ids_again(
    gateway: Gateway, names: BrokerNames, tmp_path: Path, database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    bind_queue(names.url, names.publish_exchange, f"watch.{names.queue}")
    store_postings(gateway, accounts=1, per_account=4)  # 5 events
    assert gateway.broker is not None
    gateway.broker.start()
    assert wait_until(lambda: published(gateway, names) == 5)
    config = tmp_path / "config.yaml"
    config.write_text(orjson.dumps({"database": {"url": database_url},
                                    "broker": names.section()}).decode())  # fmt: skip
    monkeypatch.setenv("TEST_BROKER_URL", names.url)

    again = runner.invoke(app, ["broker", "republish", "--from-position", "3", "-c", str(config)])
    status = runner.invoke(app, ["broker", "status", "--json", "-c", str(config)])

    assert again.exit_code == 0, again.output
    seen = drain(names.url, f"watch.{names.queue}", expect=8)
    ids = [e.event_id for e in gateway.store.read_all()]
    assert [m.message_id for m in seen] == ids + ids[2:]
    assert wait_until(lambda: published(gateway, names) == 5)
    (answer,) = [line for line in status.output.splitlines() if '"head"' in line]
    assert orjson.loads(answer)["head"] == 5
