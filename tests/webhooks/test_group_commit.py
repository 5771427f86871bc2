"""Group commit: concurrent webhook commands share a transaction, each caller its own answer."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.commands import CommandBus, Envelope
from gateway.domain.customers import RegisterCustomer
from gateway.errors import StoreError
from gateway.store.port import CommandRecord
from gateway.store.sql import SqlEventStore
from gateway.webhooks.group_commit import GroupCommitter


def registration(number: int, *, name: str = "Ada Lovelace") -> Envelope:
    command = RegisterCustomer(
        command_id=uuid.uuid5(uuid.NAMESPACE_URL, f"customer/{number}"),
        customer_no=f"{number:08d}",
        name=name,
        line1="1 High Street",
        city="London",
        country="GB",
        changed_at=datetime(2026, 11, 26, tzinfo=UTC),
    )
    return Envelope(command, source="test", source_ref=str(number))


def handle_all(committer: GroupCommitter, envelopes: list[Envelope]) -> list[CommandRecord]:
    async def together() -> list[CommandRecord]:
        committed = await asyncio.gather(*(committer.handle(e) for e in envelopes))
        return [record for record, _ in committed]

    return asyncio.run(together())


def test_forty_concurrent_callers_each_get_their_own_committed_record(
    store: SqlEventStore,
) -> None:
    bus = CommandBus(store)
    groups: list[int] = []
    handle_batch = bus.handle_batch
    bus.handle_batch = lambda envelopes, **kw: (
        groups.append(len(envelopes))
        or handle_batch(  # type: ignore[method-assign]
            envelopes, **kw
        )
    )
    envelopes = [registration(n % 30) for n in range(40)]  # ten of them are re-sends

    records = handle_all(GroupCommitter(bus), envelopes)

    assert [r.command_id for r in records] == [str(e.command.command_id) for e in envelopes]
    assert all(r.status == "accepted" and r.recorded_at and r.fingerprint for r in records)
    assert store.head_position() == 30
    assert sum(groups) == 40 and len(groups) < 40


def test_a_rejected_command_in_a_group_does_not_hold_back_the_others(
    store: SqlEventStore,
) -> None:
    committer = GroupCommitter(CommandBus(store))
    handle_all(committer, [registration(1)])
    other = registration(1, name="Other").command.model_copy(update={"command_id": uuid.uuid4()})

    clash, fine = handle_all(committer, [Envelope(other), registration(2)])

    assert clash.code == "customer_already_registered"
    assert fine.status == "accepted"


def test_a_failing_group_fails_every_caller_in_it(
    store: SqlEventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    bus = CommandBus(store)

    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise StoreError("database unavailable")

    monkeypatch.setattr(bus, "handle_batch", unavailable)

    with pytest.raises(StoreError):
        handle_all(GroupCommitter(bus), [registration(1), registration(2)])
    assert store.head_position() == 0


def test_only_the_first_copy_of_a_new_command_is_told_it_wrote_the_record(
    store: SqlEventStore,
) -> None:
    committer = GroupCommitter(CommandBus(store))
    handle_all(committer, [registration(1)])

    async def together() -> list[bool]:
        envelopes = [registration(1), registration(2), registration(2)]
        return [c.written for c in await asyncio.gather(*map(committer.handle, envelopes))]

    assert asyncio.run(together()) == [False, True, False]
