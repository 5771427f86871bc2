"""The consumer's checker itself: fed a gap, a swap, a stranger and repeats, it says so."""

from __future__ import annotations

import orjson

from gateway.store.port import StoredEvent
from tests.broker.amqp import Seen
from tests.broker.checks import check_delivery


def stored(position: int, stream: str, version: int) -> StoredEvent:
    return StoredEvent(position, stream, version, f"id-{position}", "FundsDeposited", 2, {}, {},
                       "2026-12-01T00:00:00.000000Z")  # fmt: skip


def seen(event: StoredEvent, *, event_id: str | None = None) -> Seen:
    body = {"id": event_id or event.event_id, "streamid": event.stream_id,
            "streamversion": event.stream_version}  # fmt: skip
    return Seen("k", event_id or event.event_id, None, None, 2, None, {}, orjson.dumps(body))


STORE = [stored(1, "a", 1), stored(2, "b", 1), stored(3, "a", 2), stored(4, "a", 3)]


def test_a_republished_tail_is_in_order_once_repeats_are_dropped() -> None:
    messages = [seen(e) for e in STORE[:3]] + [seen(e) for e in STORE[1:]]

    report = check_delivery(messages, STORE)

    assert report.exact and report.repeats == 2


def test_a_missing_event_a_swapped_pair_and_a_stranger_are_reported() -> None:
    stranger = stored(9, "c", 1)
    messages = [seen(STORE[0]), seen(STORE[3]), seen(STORE[2]), seen(stranger)]

    report = check_delivery(messages, STORE)

    assert report.missing == ["id-2"]
    assert report.out_of_order == ["a v3 after v1", "a v2 after v3"]
    assert report.unknown == ["id-9"]
