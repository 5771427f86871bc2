"""The feed's spliced bytes say exactly what decoding every row and re-encoding it would."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from gateway.cloudevents import to_cloudevent
from gateway.commands import CommandBus
from gateway.store import NewEvent
from gateway.store.feed_pages import encoded_events, feed_page
from gateway.store.sql import SqlEventStore
from tests.store.test_command_bus import deposit, open_account

PILOT = {"account_no": "1", "posting_ref": "P0", "value_date": "2024-01-02", "amount": "12.50"}
CURRENT = {"account_no": "1", "posting_ref": "P1", "value_date": "2024-01-02",
           "amount": {"amount": "1.00", "currency": "EUR"},
           "narrative": 'say "hi" \\ ü'}  # fmt: skip
RICH = {
    "command_id": "c-1",
    "source": "crm",
    "source_ref": 'file "A".dat#3',
    "correlation_id": "corr-9",
    "traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01",
}


def decoded_feed(store: SqlEventStore) -> list[dict[str, Any]]:
    return [to_cloudevent(e) for e in store.read_all(limit=5000)]


def damage(store: SqlEventStore, column: str, position: int, value: bytes | None) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            store.sql(f"UPDATE events SET {column} = ? WHERE position = ?"), (value, position)
        )


def test_spliced_pages_equal_the_decoded_feed_for_every_kind_of_row(store: SqlEventStore) -> None:
    store.append('account-"odd"', 0, [
        NewEvent("FundsDeposited", CURRENT, 2, RICH),
        NewEvent("FundsDeposited", PILOT, 1, {"source": "cbs"}),  # upcast on read
        NewEvent("FundsDeposited", CURRENT, 2, {"correlation_id": None}),  # null: left out
        NewEvent("NoSuchType", {"x": [1, 2]}, 7, {"source": "newer"}),  # passed on as stored
        NewEvent("AccountFrozen", {"x": 1}),
    ])  # fmt: skip
    damage(store, "data", 5, b"{oo")

    body, last = feed_page(store, after=0, limit=10)
    page, _ = feed_page(store, after=2, limit=2)

    assert orjson.loads(body) == decoded_feed(store)
    assert last == 5
    assert "correlationid" not in orjson.loads(body)[2]
    assert [e["position"] for e in orjson.loads(page)] == [3, 4]
    assert feed_page(store, after=5, limit=10) == (b"[]", 5)


def test_a_page_of_current_rows_is_their_stored_bytes_in_position_order(
    store: SqlEventStore,
) -> None:
    for n in range(30):
        events = [NewEvent("FundsDeposited", {**CURRENT, "posting_ref": f"P{n}-{i}"}, 2, RICH)
                  for i in range(10)]  # fmt: skip
        store.append(f"account-{n % 7}-{n}", 0, events)

    pages = [feed_page(store, after=after, limit=70) for after in range(0, 300, 70)]

    assert [last for _, last in pages] == [70, 140, 210, 280, 300]
    served = [event for body, _ in pages for event in orjson.loads(body)]
    assert [e["position"] for e in served] == list(range(1, 301))
    assert served == decoded_feed(store)
    relayed = encoded_events(store, after=0, limit=300)
    assert b"[" + b",".join(e.body for e in relayed) + b"]" == feed_page(store, after=0,
                                                                         limit=300)[0]  # fmt: skip


def test_events_stored_before_heads_were_kept_are_rendered_from_their_columns(
    store: SqlEventStore,
) -> None:
    store.append("account-1", 0, [NewEvent("FundsDeposited", CURRENT, 2, RICH)] * 3)
    damage(store, "envelope", 2, None)  # as migration 0012 leaves every older row

    body, last = feed_page(store, after=0, limit=10)

    assert last == 3
    assert orjson.loads(body) == decoded_feed(store)


DAMAGES = {
    "a row holding two values": ("data", b'{"amount":1}},{"posting_ref":"P9"', True),
    "not UTF-8": ("data", b'{"narrative":"\xff"}', True),
    "not JSON": ("data", b"{oops", True),
    "a broken head": ("envelope", b'{"specversion":"1.0","id":"', False),  # rendered anew
}


@pytest.mark.parametrize("damaged", DAMAGES.values(), ids=DAMAGES.keys())
def test_damaged_stored_bytes_never_break_a_page(
    store: SqlEventStore, damaged: tuple[str, bytes, bool]
) -> None:
    column, value, problem = damaged
    store.append("account-1", 0, [NewEvent("FundsDeposited", CURRENT, 2, RICH)] * 3)
    damage(store, column, 2, value)

    body, last = feed_page(store, after=0, limit=10)
    relayed = encoded_events(store, after=0, limit=10)

    events = orjson.loads(body)  # the page parses: one damaged row never breaks it
    assert last == 3
    assert [e["position"] for e in events] == [1, 2, 3]
    assert ["gatewayproblem" in e for e in events] == [False, problem, False]
    assert events == decoded_feed(store)
    assert [orjson.loads(e.body) for e in relayed] == events


def test_every_way_of_appending_keeps_each_events_head(store: SqlEventStore) -> None:
    bus = CommandBus(store)
    bus.handle(open_account())  # one command
    bus.handle_batch([deposit("TX1"), deposit("TX2")])  # the batch path, serialised once
    store.append("account-2", 0, [NewEvent("AccountFrozen", {"x": 1})])  # the store's own

    missing = store.fetch("SELECT position FROM events WHERE envelope IS NULL")
    body, _ = feed_page(store, after=0, limit=10)

    assert missing == []
    assert orjson.loads(body) == decoded_feed(store)
