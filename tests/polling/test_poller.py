"""Polling CARDS (cards.md) against a fake over respx: every change applied exactly once."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from gateway.commands import CommandBus
from gateway.errors import StoreError
from gateway.polling import SourcePoller, SourceStatusBook
from gateway.polling.rejects import list_poll_rejects, replay_poll_rejects
from tests.polling.conftest import Sleeps, make_poller
from tests.polling.fake_cards import ACCOUNT, Failure, FakeCards, ProcessDied
from tests.store.test_command_bus import open_account


def card_changes(bus: CommandBus, account_no: str = ACCOUNT) -> list[str]:
    """The card ids of every recorded card status change on the account, in order."""
    events = bus.store.read_stream(f"account-{account_no}")
    return [e.data["card_id"] for e in events if e.type == "CardStatusChanged"]


def cursor(bus: CommandBus) -> str | None:
    status = SourceStatusBook(bus.store).read("cards")
    return status.cursor if status else None


def test_changes_repeated_across_pages_are_applied_once(
    bus: CommandBus, cards: FakeCards, poller: SourcePoller
) -> None:
    for change_id in (101, 105, 110, 111, 130):
        cards.commit(change_id)
    cards.reindexing = True

    report = poller.poll_once()

    assert report.error is None
    assert card_changes(bus) == [f"C{n:09d}" for n in (101, 105, 110, 111, 130)]
    assert report.duplicates >= 1
    assert report.applied == 5
    assert cursor(bus) == "130"


def test_the_first_page_of_a_cycle_asks_for_the_lookback_and_the_rest_do_not(
    bus: CommandBus, cards: FakeCards, poller: SourcePoller
) -> None:
    for change_id in (1, 2, 3):
        cards.commit(change_id)

    poller.poll_once()

    assert [r.get("lookback") for r in cards.requests] == ["300", None]
    assert [r["since"] for r in cards.requests] == ["", "2"]
    assert all(r["limit"] == "2" for r in cards.requests)


def test_a_late_change_inside_the_lookback_is_applied_and_the_rest_not_again(
    bus: CommandBus, cards: FakeCards, poller: SourcePoller
) -> None:
    cards.commit(10)
    cards.commit(20)
    poller.poll_once()
    cards.now += 60
    cards.commit(15)  # committed late, below the cursor

    report = poller.poll_once()

    assert card_changes(bus) == ["C000000010", "C000000020", "C000000015"]
    assert report.applied == 1
    assert report.duplicates == 1  # change 10; change 20 is the cursor itself
    assert cursor(bus) == "20"


def test_429_waits_as_long_as_retry_after_says_and_503_is_retried(
    bus: CommandBus, cards: FakeCards, poller: SourcePoller, sleeps: Sleeps
) -> None:
    cards.commit(1)
    cards.failures = [Failure(429, retry_after="7"), Failure(503), Failure(503)]

    report = poller.poll_once()

    assert report.error is None
    assert sleeps[0] == 7
    assert len(sleeps) == 3
    assert card_changes(bus) == ["C000000001"]


def test_timeouts_are_retried(bus: CommandBus, cards: FakeCards, poller: SourcePoller) -> None:
    cards.commit(1)
    cards.failures = [Failure(delay=1), Failure(delay=1)]

    assert poller.poll_once().error is None
    assert card_changes(bus) == ["C000000001"]


def test_a_maintenance_window_outlasting_the_retries_leaves_the_cursor_for_next_time(
    bus: CommandBus, cards: FakeCards, poller: SourcePoller
) -> None:
    cards.commit(1)
    cards.failures = [Failure(503)] * 4

    failed = poller.poll_once()
    later = poller.poll_once()

    assert failed.error == "the API answered 503"
    assert len(cards.requests) == 5
    assert later.error is None
    assert card_changes(bus) == ["C000000001"]
    status = SourceStatusBook(bus.store).read("cards")
    assert status is not None and status.last_error == "the API answered 503"


def test_a_wrong_token_halts_the_source_without_retrying_until_a_manual_poll_succeeds(
    bus: CommandBus, cards: FakeCards, sleeps: Sleeps
) -> None:
    cards.commit(1)
    make_poller(bus, sleeps, token="expired").poll_once()
    scheduled = make_poller(bus, sleeps).poll_once(scheduled=True)
    requests_while_halted = len(cards.requests)

    manual = make_poller(bus, sleeps).poll_once()

    assert requests_while_halted == 1
    assert sleeps == []
    assert scheduled.halted
    assert manual.error is None
    status = SourceStatusBook(bus.store).read("cards")
    assert status is not None and status.halted_at is None
    assert card_changes(bus) == ["C000000001"]


def test_a_crash_between_pages_loses_and_duplicates_nothing(
    bus: CommandBus, cards: FakeCards, poller: SourcePoller
) -> None:
    for change_id in (1, 2, 3, 4, 5):
        cards.commit(change_id)
    cards.crash_at_request = 2

    with pytest.raises(ProcessDied):
        poller.poll_once()
    assert cursor(bus) == "2"
    assert card_changes(bus) == ["C000000001", "C000000002"]

    poller.poll_once()

    assert card_changes(bus) == [f"C00000000{n}" for n in (1, 2, 3, 4, 5)]


def test_the_cursor_never_moves_past_a_page_that_failed_to_commit(
    bus: CommandBus, cards: FakeCards, poller: SourcePoller, monkeypatch: pytest.MonkeyPatch
) -> None:
    for change_id in (1, 2, 3, 4):
        cards.commit(change_id)
    handle_batch = bus.handle_batch
    calls = 0

    def failing_second_commit(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise StoreError("database unavailable")
        return handle_batch(*args, **kwargs)

    monkeypatch.setattr(bus, "handle_batch", failing_second_commit)
    failed = poller.poll_once()
    assert failed.error == "database unavailable"
    assert cursor(bus) == "2"

    poller.poll_once()

    assert card_changes(bus) == [f"C00000000{n}" for n in (1, 2, 3, 4)]


def test_a_change_for_an_unknown_account_is_quarantined_with_its_payload(
    bus: CommandBus, cards: FakeCards, poller: SourcePoller
) -> None:
    stray = cards.commit(7, account_no="000099999999")
    cards.commit(8)

    first = poller.poll_once()
    poller.poll_once()  # the lookback shows both again

    assert first.quarantined == 1
    assert card_changes(bus) == ["C000000008"]
    rows = quarantine(bus)
    assert len(rows) == 1
    key, payload, code = rows[0]
    assert (key, code) == ("7", "unknown_account")
    assert orjson.loads(payload) == stray


def test_a_change_cards_should_never_send_is_quarantined_as_invalid(
    bus: CommandBus, cards: FakeCards, poller: SourcePoller
) -> None:
    cards.commit(7, status="STOLEN")

    report = poller.poll_once()

    assert report.quarantined == 1
    assert [(k, c) for k, _, c in quarantine(bus)] == [("7", "invalid_item")]
    assert cursor(bus) == "7"


def test_a_page_of_another_shape_stops_the_cycle_without_moving_the_cursor(
    bus: CommandBus, poller: SourcePoller
) -> None:
    import httpx
    import respx

    with respx.mock(base_url="http://cards.test") as mock:
        mock.get("/cards/v2/status-changes").mock(return_value=httpx.Response(200, json=[1, 2]))
        report = poller.poll_once()

    assert report.error is not None and "another shape" in report.error
    assert cursor(bus) is None


def quarantine(bus: CommandBus) -> list[tuple[str, bytes, str]]:
    with bus.store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT item_key, payload, code FROM poll_rejects ORDER BY id"
        ).all()
    return [(r[0], bytes(r[1]), r[2]) for r in rows]


def test_opening_the_account_later_does_not_replay_a_quarantined_change(
    bus: CommandBus, cards: FakeCards, poller: SourcePoller
) -> None:
    cards.commit(7, account_no="000055555555")
    poller.poll_once()
    bus.handle(open_account("000055555555"))

    poller.poll_once()

    assert card_changes(bus, "000055555555") == []


def test_a_quarantined_change_is_replayed_once_its_account_exists_and_only_once(
    bus: CommandBus, cards: FakeCards, poller: SourcePoller
) -> None:
    cards.commit(7, account_no="000055555555")
    poller.poll_once()
    adapters = {"cards": poller.adapter}

    early = replay_poll_rejects(bus, adapters, list_poll_rejects(bus.store, source="cards"))
    bus.handle(open_account("000055555555"))
    waiting = list_poll_rejects(bus.store, source="cards", status="quarantined")
    fixed = replay_poll_rejects(bus, adapters, waiting)
    again = replay_poll_rejects(bus, adapters, list_poll_rejects(bus.store, source="cards"))
    poller.poll_once()  # the lookback shows the change once more

    assert [(o.replayed, o.reason) for o in early] == [
        (False, "unknown_account: account 000055555555 was never opened")
    ]
    assert [o.replayed for o in fixed] == [True]
    assert [(o.replayed, o.reason) for o in again] == [(False, "replayed already")]
    assert card_changes(bus, "000055555555") == ["C000000007"]
    assert list_poll_rejects(bus.store, status="quarantined") == []
