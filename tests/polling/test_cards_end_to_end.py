"""CARDS polled over real HTTP: a local fake CARDS server, the gateway built from its config.

The fake repeats changes across pages, commits late, throttles, goes into maintenance and
stalls; every change must still be applied exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from gateway.api import create_app
from gateway.bootstrap import Gateway, build
from gateway.cli import app
from gateway.config import parse_config
from tests.http_server import serve_in_thread
from tests.polling.conftest import Sleeps
from tests.polling.fake_cards import TOKEN, Failure, FakeCards
from tests.store.test_command_bus import open_account

CARDS_SOURCE = {
    "kind": "poll",
    "adapter": "adapters.cards.status_changes:CardsStatusChanges",
    "base_url_env": "CARDS_BASE_URL",
    "token_env": "CARDS_TOKEN",
    "page_size": 2,
    "timeout_seconds": 0.3,
    "max_attempts": 5,
}


@pytest.fixture
def cards(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCards]:
    fake = FakeCards()
    with serve_in_thread(fake.app()) as base_url:
        monkeypatch.setenv("CARDS_BASE_URL", base_url)
        monkeypatch.setenv("CARDS_TOKEN", TOKEN)
        yield fake


@pytest.fixture
def gateway(database_url: str, cards: FakeCards) -> Iterator[Gateway]:
    config = {"database": {"url": database_url}, "sources": {"cards": CARDS_SOURCE}}
    gateway = build(parse_config(config))
    gateway.bus.handle(open_account())
    yield gateway
    gateway.close()


def card_changes(gateway: Gateway) -> list[int]:
    events = gateway.store.read_stream("account-000012345678")
    return [int(e.data["card_id"][1:]) for e in events if e.type == "CardStatusChanged"]


def test_a_hostile_cards_server_still_gives_every_change_exactly_once(
    gateway: Gateway, cards: FakeCards
) -> None:
    poller = gateway.polling.pollers["cards"]
    poller.sleep = sleeps = Sleeps()
    for change_id in (100, 104, 109, 113, 120):
        cards.commit(change_id)
    cards.reindexing = True
    cards.failures = [Failure(429, retry_after="2"), Failure(503), Failure(delay=0.6)]

    first = poller.poll_once()
    cards.now += 120
    cards.commit(130)
    cards.commit(111)  # committed late, below the cursor
    second = poller.poll_once()

    assert first.error is None and second.error is None
    assert sorted(card_changes(gateway)) == [100, 104, 109, 111, 113, 120, 130]
    assert len(card_changes(gateway)) == 7
    assert sleeps[0] == 2 and len(sleeps) == 3
    assert second.applied == 2


def test_the_cli_polls_once_and_lists_every_source(
    gateway: Gateway, cards: FakeCards, tmp_path: Path, database_url: str
) -> None:
    cards.commit(1)
    cards.commit(2)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database:\n  url: {database_url}\nlog:\n  format: json\nsources:\n"
        "  cards: {kind: poll, adapter: 'adapters.cards.status_changes:CardsStatusChanges', "
        "base_url_env: CARDS_BASE_URL, token_env: CARDS_TOKEN}\n"
        "  crm: {kind: webhook, adapter: 'adapters.crm.inbound:CrmWebhooks', "
        "auth: {scheme: basic, user_env: TEST_UNSET_USER, password_env: TEST_UNSET_PASSWORD}}\n"
    )
    runner = CliRunner()

    polled = runner.invoke(app, ["poll", "cards", "--config", str(config)])
    listed = runner.invoke(app, ["sources", "list", "--config", str(config)])
    unknown = runner.invoke(app, ["poll", "crm", "--config", str(config)])

    assert polled.exit_code == 0, polled.output
    assert "2 changes received, 2 applied" in polled.output
    assert listed.exit_code == 0, listed.output
    rows = {row["name"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert (rows["cards"]["kind"], rows["cards"]["state"], rows["cards"]["cursor"]) == (
        "poll",
        "enabled",
        "2",
    )
    assert (rows["crm"]["kind"], rows["crm"]["state"]) == ("webhook", "disabled")
    assert unknown.exit_code == 2


def test_an_operator_lists_and_replays_quarantined_changes(
    gateway: Gateway, cards: FakeCards, tmp_path: Path, database_url: str
) -> None:
    cards.commit(1, account_no="000055555555")
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database:\n  url: {database_url}\nlog:\n  format: json\nsources:\n"
        "  cards: {kind: poll, adapter: 'adapters.cards.status_changes:CardsStatusChanges', "
        "base_url_env: CARDS_BASE_URL, token_env: CARDS_TOKEN}\n"
    )
    runner = CliRunner()
    runner.invoke(app, ["poll", "cards", "--config", str(config)])

    listed = runner.invoke(app, ["sources", "rejects", "cards", "--config", str(config)])
    gateway.bus.handle(open_account("000055555555"))
    replayed = runner.invoke(app, ["sources", "replay", "cards", "--config", str(config)])
    audited = runner.invoke(app, ["audit", "list", "--config", str(config)])
    with serve_in_thread(create_app(gateway)) as base_url:
        over_http = httpx.get(f"{base_url}/sources/cards/rejects").json()
        unknown = httpx.get(f"{base_url}/sources/nope/rejects")

    [reject] = map(json.loads, listed.stdout.splitlines())
    assert (reject["source"], reject["item_key"], reject["status"], reject["code"]) == (
        "cards",
        "1",
        "quarantined",
        "unknown_account",
    )
    assert replayed.exit_code == 0, replayed.output
    assert "item 1: replayed" in replayed.stdout and "1 of 1 replayed" in replayed.stdout
    [entry] = map(json.loads, audited.stdout.splitlines())
    assert (entry["action"], entry["target"], entry["outcome"]) == ("replay", "cards *", "done")
    events = gateway.store.read_stream("account-000055555555")
    assert [e.type for e in events] == ["AccountOpened", "CardStatusChanged"]
    assert [(r["item_key"], r["status"]) for r in over_http] == [("1", "replayed")]
    assert over_http[0]["payload"]["account_no"] == "000055555555"
    assert unknown.status_code == 404
