"""The feed's spliced bytes say exactly what decoding every row and re-encoding it would."""

from __future__ import annotations

import orjson

from gateway.cloudevents import to_cloudevent
from gateway.store import NewEvent
from gateway.store.feed_pages import feed_page
from gateway.store.sql import SqlEventStore

PILOT = {"account_no": "1", "posting_ref": "P0", "value_date": "2024-01-02", "amount": "12.50"}
CURRENT = {"account_no": "1", "posting_ref": "P1", "value_date": "2024-01-02",
           "amount": {"amount": "1.00", "currency": "EUR"},
           "narrative": 'say "hi" \\ ü'}  # fmt: skip


def test_spliced_pages_equal_the_decoded_feed_for_every_kind_of_row(store: SqlEventStore) -> None:
    rich = {
        "command_id": "c-1",
        "source": "crm",
        "source_ref": 'file "A".dat#3',
        "correlation_id": "corr-9",
        "traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01",
    }
    store.append('account-"odd"', 0, [
        NewEvent("FundsDeposited", CURRENT, 2, rich),
        NewEvent("FundsDeposited", PILOT, 1, {"source": "cbs"}),  # upcast on read
        NewEvent("FundsDeposited", CURRENT, 2, {}),
        NewEvent("NoSuchType", {"x": [1, 2]}, 7, {"source": "newer"}),  # passed on as stored
        NewEvent("AccountFrozen", {"x": 1}),
    ])  # fmt: skip
    with store.engine.begin() as conn:
        conn.exec_driver_sql(store.sql("UPDATE events SET data = ? WHERE position = 5"), (b"{oo",))

    body, last = feed_page(store, after=0, limit=10)
    page, _ = feed_page(store, after=2, limit=2)

    assert orjson.loads(body) == [to_cloudevent(e) for e in store.read_all()]
    assert last == 5
    assert [e["position"] for e in orjson.loads(page)] == [3, 4]
    assert feed_page(store, after=5, limit=10) == (b"[]", 5)
