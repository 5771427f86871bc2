"""Migrations carry existing rows forward, on every backend."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from sqlalchemy import Engine, text

from gateway.cloudevents import to_cloudevent
from gateway.store import NewEvent, migrations
from gateway.store.feed_pages import feed_page
from gateway.store.sql import make_engine, open_store
from gateway.store.writes import EVENT_COLUMNS


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's empty database, for migrating step by step."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_poll_items_quarantined_before_replays_existed_wait_to_be_replayed(
    engine: Engine,
) -> None:
    migrations.upgrade(engine, revision="0005")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO poll_rejects (source, item_key, payload, code, reason, "
                "recorded_at) VALUES ('cards', '7', :payload, 'unknown_account', 'x', 't')"
            ),
            {"payload": b"{}"},
        )

    migrations.upgrade(engine)

    with engine.connect() as connection:
        status = connection.execute(text("SELECT status FROM poll_rejects")).scalar_one()
    assert status == "quarantined"


def test_events_stored_before_heads_were_kept_are_served_as_the_decoded_feed(
    engine: Engine, database_url: str
) -> None:
    migrations.upgrade(engine, revision="0011")
    with engine.begin() as connection:
        connection.execute(
            text(
                f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (1, 'account-1', 1, 'e-1', "
                "'AccountFrozen', 1, :data, :meta, '2026-01-05T00:00:00.000000Z')"
            ),
            {"data": b'{"x":1}', "meta": b'{"source":"cbs","command_id":"c-1"}'},
        )

    store = open_store(database_url)  # migrates to the head
    store.append("account-1", 1, [NewEvent("AccountFrozen", {"x": 2})])
    page, last = feed_page(store, after=0, limit=10)

    heads = [row[0] for row in store.fetch("SELECT envelope FROM events ORDER BY position")]
    assert heads[0] is None and heads[1] is not None
    assert last == 2
    assert orjson.loads(page) == [to_cloudevent(e) for e in store.read_all()]
    assert orjson.loads(page)[0]["source"] == "/gateway/cbs"
    store.engine.dispose()


def test_an_import_half_applied_by_record_numbers_stops_the_upgrade_until_it_is_finished(
    engine: Engine,
) -> None:
    migrations.upgrade(engine, revision="0012")
    insert = (
        "INSERT INTO imports (source, file_name, sha256, size, status, checkpoint, "
        "started_at) VALUES ('cbs', :name, :sha, 1, :status, :checkpoint, 't')"
    )
    with engine.begin() as connection:
        connection.execute(
            text(insert),
            {"name": "DONE", "sha": "a" * 64, "status": "completed", "checkpoint": 900},
        )
        connection.execute(
            text(insert),
            {"name": "HALF", "sha": "b" * 64, "status": "running", "checkpoint": 501},
        )
        connection.execute(text("INSERT INTO import_chunks VALUES (1, 900, 1, 899)"))

    with pytest.raises(RuntimeError, match=r"import 2 of cbs \(HALF\), checkpoint 501"):
        migrations.upgrade(engine)

    with engine.begin() as connection:
        connection.execute(text("UPDATE imports SET status = 'completed' WHERE id = 2"))
    migrations.upgrade(engine)
    with engine.connect() as connection:
        chunk = connection.execute(
            text("SELECT import_id, last_applied, first_position FROM import_chunks")
        ).one()
    assert tuple(chunk) == (1, 900, 1)
