"""The event store's contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
import time

import pytest

from gateway.errors import ConcurrencyConflict, DuplicateCommand
from gateway.store import CommandRecord, NewEvent, StreamAppend
from gateway.store.sql import SqlEventStore


def opened(n: int = 1) -> list[NewEvent]:
    return [NewEvent("Noted", {"n": i, "amount": "12.50"}) for i in range(n)]


def test_appended_events_are_read_back_in_stream_and_feed_order(store: SqlEventStore) -> None:
    store.append("account-1", 0, opened(2))
    store.append("account-2", 0, opened(1))
    store.append("account-1", 2, opened(1))

    stream = store.read_stream("account-1")
    assert [e.stream_version for e in stream] == [1, 2, 3]
    assert [e.position for e in stream] == [1, 2, 4]
    assert [e.data["n"] for e in stream] == [0, 1, 0]
    feed = store.read_all(after=1, limit=2)
    assert [(e.position, e.stream_id) for e in feed] == [(2, "account-1"), (3, "account-2")]
    assert store.head_position() == 4
    assert store.stream_versions(["account-1", "account-2", "account-9"]) == {
        "account-1": 3,
        "account-2": 1,
    }


def test_many_streams_are_read_each_from_its_own_version(store: SqlEventStore) -> None:
    for n in range(250):  # more streams than one query reads
        store.append(f"account-{n:03d}", 0, opened(3))

    after = {f"account-{n:03d}": n % 4 for n in range(250)} | {"account-none": 0}
    found = store.read_streams(after)

    assert set(found) == {f"account-{n:03d}" for n in range(250) if n % 4 < 3}
    assert [e.stream_version for e in found["account-001"]] == [2, 3]
    assert [e.stream_version for e in found["account-004"]] == [1, 2, 3]
    assert sum(len(events) for events in found.values()) == sum(3 - n % 4 for n in range(250)
                                                                 if n % 4 < 3)  # fmt: skip


def test_a_second_writer_with_the_same_expected_version_gets_a_conflict(
    store: SqlEventStore,
) -> None:
    store.append("account-1", 0, opened())

    with pytest.raises(ConcurrencyConflict) as caught:
        store.append("account-1", 0, opened())

    assert caught.value.stream_id == "account-1"
    assert [e.stream_version for e in store.read_stream("account-1")] == [1]


def test_a_failing_batch_leaves_nothing_behind(store: SqlEventStore) -> None:
    store.append("account-2", 0, opened())

    with pytest.raises(ConcurrencyConflict), store.transaction() as tx:
        tx.append(
            [
                StreamAppend("account-1", 0, opened(3)),
                StreamAppend("account-2", 0, opened(1)),  # stale: account-2 is at 1
                StreamAppend("account-3", 0, opened(2)),
            ]
        )
        tx.record_commands([CommandRecord("c-1", "Open", "account-1", "accepted")])

    assert store.head_position() == 1
    assert store.read_stream("account-1") == []
    assert store.read_stream("account-3") == []
    assert store.get_command("c-1") is None


def test_a_batch_over_many_streams_commits_together_with_its_command_records(
    store: SqlEventStore,
) -> None:
    with store.transaction() as tx:
        spans = tx.append([StreamAppend(f"account-{i}", 0, opened(2)) for i in range(100)])
        tx.record_commands(
            [
                CommandRecord(f"c-{i}", "Deposit", f"account-{i}", "accepted", None, None, *span)
                for i, span in enumerate(spans)
            ]
        )

    assert spans[0] == (1, 2) and spans[-1] == (199, 200)
    assert store.head_position() == 200
    record = store.get_command("c-42")
    assert record is not None and (record.first_position, record.last_position) == (85, 86)
    assert [e.stream_id for e in store.read_positions(85, 86)] == ["account-42"] * 2


def test_a_command_recorded_twice_is_refused_and_its_events_are_not_kept(
    store: SqlEventStore,
) -> None:
    record = CommandRecord("c-1", "Deposit", "account-1", "accepted")
    with store.transaction() as tx:
        tx.record_commands([record])

    with pytest.raises(DuplicateCommand), store.transaction() as tx:
        tx.append([StreamAppend("account-1", 0, opened())])
        tx.record_commands([record])

    assert store.head_position() == 0


def test_readers_tailing_the_feed_never_skip_an_event_committed_later(
    store: SqlEventStore,
) -> None:
    """Four writers hold their transactions open a while; a reader tails by position."""
    writers, batches = 4, 15
    seen: list[int] = []
    done = threading.Event()

    def write(writer: int) -> None:
        for batch in range(batches):
            with store.transaction() as tx:
                tx.append([StreamAppend(f"w{writer}-{batch}", 0, opened(1 + batch % 3))])
                time.sleep(0.002)  # commit later than a reader might look

    def tail() -> None:
        after = 0
        while not done.is_set() or after < store.head_position():
            for event in store.read_all(after=after, limit=50):
                seen.append(event.position)
                after = event.position

    reader = threading.Thread(target=tail)
    reader.start()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join(timeout=30)

    total = writers * sum(1 + b % 3 for b in range(batches))
    assert store.head_position() == total
    assert seen == list(range(1, total + 1))


def test_snapshots_are_kept_per_stream_and_replaced(store: SqlEventStore) -> None:
    from gateway.store.port import Snapshot

    store.save_snapshot(Snapshot("account-1", 200, 1, {"balance": "10.00"}))
    store.save_snapshot(Snapshot("account-1", 400, 1, {"balance": "20.00"}))

    snapshot = store.load_snapshot("account-1")
    assert snapshot == Snapshot("account-1", 400, 1, {"balance": "20.00"})
    assert store.load_snapshot("account-2") is None
