"""Poll tests: a store of each backend with one opened account, and a fake CARDS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import respx

from adapters.cards.status_changes import CardsStatusChanges
from gateway.commands import CommandBus
from gateway.config import PollSourceConfig
from gateway.polling import SourcePoller, SourceStatusBook
from gateway.polling.poller import Connection
from gateway.store.sql import SqlEventStore
from tests.polling.fake_cards import PATH, TOKEN, FakeCards
from tests.store.test_command_bus import open_account

BASE_URL = "http://cards.test"


def cards_config(**options: Any) -> PollSourceConfig:
    return PollSourceConfig.model_validate(
        {
            "kind": "poll",
            "adapter": "adapters.cards.status_changes:CardsStatusChanges",
            "base_url_env": "CARDS_BASE_URL",
            "token_env": "CARDS_TOKEN",
            "page_size": 2,
            "max_attempts": 4,
            **options,
        }
    )


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def bus(store: SqlEventStore) -> CommandBus:
    bus = CommandBus(store)
    bus.handle(open_account())
    return bus


@pytest.fixture
def cards() -> Iterator[FakeCards]:
    fake = FakeCards()
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as mock:
        mock.get(PATH).mock(side_effect=fake.respond)
        yield fake


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_poller(
    bus: CommandBus, sleeps: Sleeps, *, token: str = TOKEN, **options: Any
) -> SourcePoller:
    config = cards_config(**options)
    return SourcePoller(
        "cards",
        config,
        CardsStatusChanges("cards", config),
        Connection(BASE_URL, token),
        bus=bus,
        status=SourceStatusBook(bus.store),
        sleep=sleeps,
    )


@pytest.fixture
def poller(bus: CommandBus, sleeps: Sleeps) -> SourcePoller:
    return make_poller(bus, sleeps)
