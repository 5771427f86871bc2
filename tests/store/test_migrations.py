"""Migrations carry existing rows forward, on every backend."""

from __future__ import annotations

from sqlalchemy import text

from gateway.store import migrations
from gateway.store.sql import make_engine


def test_poll_items_quarantined_before_replays_existed_wait_to_be_replayed(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
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
    finally:
        engine.dispose()
