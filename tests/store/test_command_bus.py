"""Command handling over a real store: idempotency, conflicts, snapshots, upcasting on read."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from decimal import Decimal

import orjson
import pytest

from gateway.commands import CommandBus, Envelope, to_domain
from gateway.domain.account_lifecycle import OpenAccount
from gateway.domain.deciders import ACCOUNTS
from gateway.domain.money import Money
from gateway.domain.postings import DepositFunds, WithdrawFunds
from gateway.errors import CorruptEvent
from gateway.store import NewEvent
from gateway.store.sql import SqlEventStore

ACCOUNT = "000012345678"


def open_account(account_no: str = ACCOUNT) -> Envelope:
    command = OpenAccount(
        command_id=uuid.uuid5(uuid.NAMESPACE_URL, f"open/{account_no}"),
        account_no=account_no,
        customer_no="10000001",
        product="CURRENT",
        currency="EUR",
        opened_on=date(2026, 11, 1),
        branch="0042",
    )
    return Envelope(command, source="test", source_ref=f"accounts line {account_no}")


def deposit(ref: str, amount: str = "125.50", account_no: str = ACCOUNT) -> Envelope:
    command = DepositFunds(
        command_id=uuid.uuid5(uuid.NAMESPACE_URL, f"posting/{ref}"),
        account_no=account_no,
        posting_ref=ref,
        amount=Money.of(amount, "EUR"),
        value_date=date(2026, 11, 26),
        narrative="SALARY",
    )
    return Envelope(command, source="test", source_ref=ref)


def balance(store: SqlEventStore, account_no: str = ACCOUNT) -> Decimal:
    events = [to_domain(e) for e in store.read_stream(f"account-{account_no}")]
    state = ACCOUNTS.replay(events)
    assert state is not None
    return state.balance


def test_a_repeated_command_is_answered_from_its_record_and_adds_no_event(
    store: SqlEventStore,
) -> None:
    bus = CommandBus(store)
    bus.handle(open_account())
    first = bus.handle(deposit("TX1"))

    again = CommandBus(store).handle(deposit("TX1"))

    assert again.status == "accepted"
    assert (again.first_position, again.last_position) == (first.first_position, 2)
    assert store.head_position() == 2
    assert balance(store) == Decimal("125.50")


def test_a_rejected_command_is_recorded_with_its_reason(store: SqlEventStore) -> None:
    record = CommandBus(store).handle(deposit("TX1", account_no="999999999999"))

    assert record.status == "rejected"
    assert record.code == "unknown_account"
    assert record.reason
    assert store.get_command(record.command_id) == record
    assert store.head_position() == 0


def test_a_rejection_may_be_retried_once_its_cause_is_fixed(store: SqlEventStore) -> None:
    bus = CommandBus(store)
    assert bus.handle(deposit("TX1")).status == "rejected"
    bus.handle(open_account())

    assert bus.handle(deposit("TX1")).status == "rejected"  # answered from the record
    retried = bus.handle(deposit("TX1"), retry_rejected=True)

    assert retried.status == "accepted"
    assert balance(store) == Decimal("125.50")


def test_two_processes_deciding_on_the_same_state_both_land_in_order(
    store: SqlEventStore,
) -> None:
    """Each bus has its own cache, as two gateway processes would: one must re-decide."""
    first, second = CommandBus(store), CommandBus(store)
    first.handle(open_account())
    second.load("account-" + ACCOUNT, ACCOUNTS)  # second caches version 1
    first.handle(deposit("TX1", "10.00"))  # stream moves to 2 behind second's back

    record = second.handle(deposit("TX2", "5.00"))

    assert record.status == "accepted"
    versions = [e.stream_version for e in store.read_stream("account-" + ACCOUNT)]
    assert versions == [1, 2, 3]
    assert balance(store) == Decimal("15.00")


def test_concurrent_commands_on_one_account_are_all_applied_once(store: SqlEventStore) -> None:
    CommandBus(store).handle(open_account())
    buses = [CommandBus(store) for _ in range(4)]

    def post(worker: int) -> None:
        for n in range(10):
            buses[worker].handle(deposit(f"TX{worker}-{n}", "1.00"))

    threads = [threading.Thread(target=post, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert balance(store) == Decimal("40.00")
    assert store.head_position() == 41


def test_snapshot_plus_tail_equals_full_replay(store: SqlEventStore) -> None:
    bus = CommandBus(store, snapshot_every=5)
    bus.handle(open_account())
    for n in range(12):
        bus.handle(deposit(f"TX{n}", f"{n + 1}.00"))
    bus.handle(
        Envelope(
            WithdrawFunds(
                command_id=uuid.uuid4(),
                account_no=ACCOUNT,
                posting_ref="WD1",
                amount=Money.of("100.00", "EUR"),
                value_date=date(2026, 11, 26),
            )
        )
    )

    snapshot = store.load_snapshot("account-" + ACCOUNT)
    assert snapshot is not None and 5 <= snapshot.stream_version < 14
    fresh = CommandBus(store, cache_size=0).load("account-" + ACCOUNT, ACCOUNTS)
    replayed = ACCOUNTS.replay(to_domain(e) for e in store.read_stream("account-" + ACCOUNT))
    assert fresh.version == 14
    assert fresh.state == replayed
    assert replayed is not None and replayed.balance == Decimal("-22.00")


def test_a_batch_skips_known_commands_and_records_rejections_alongside(
    store: SqlEventStore,
) -> None:
    bus = CommandBus(store)
    bus.handle(open_account())
    bus.handle(deposit("TX1"))
    written: list[int] = []

    outcome = bus.handle_batch(
        [deposit("TX1"), deposit("TX2", "1.00"), deposit("TX3", account_no="000000000001")],
        within=lambda tx, result: written.append(len(result.records)),
    )

    assert len(outcome.already_recorded) == 1
    assert outcome.accepted == 1
    assert [r.code for r in outcome.rejected] == ["unknown_account"]
    assert written == [2]
    assert balance(store) == Decimal("126.50")


def test_a_stored_version_1_deposit_is_upcast_on_read_and_never_rewritten(
    store: SqlEventStore,
) -> None:
    CommandBus(store).handle(open_account())
    v1 = {
        "account_no": ACCOUNT,
        "posting_ref": "OLD1",
        "amount": "40.00",
        "value_date": "2020-01-31",
        "narrative": "PILOT",
    }
    store.append("account-" + ACCOUNT, 1, [NewEvent("FundsDeposited", v1, schema_version=1)])

    stored = store.read_stream("account-" + ACCOUNT)[-1]

    assert stored.schema_version == 2
    assert stored.data["amount"]["amount"] == "40.00"
    assert balance(store) == Decimal("40.00")
    raw = store.fetch("SELECT schema_version, data FROM events WHERE position = 2", ())
    assert raw[0][0] == 1 and orjson.loads(raw[0][1])["amount"] == "40.00"


def test_states_loaded_together_read_histories_as_one_stream_loads_them(
    store: SqlEventStore,
) -> None:
    """The batch path's lean replay (JSON validated straight into the model) upcasts and
    refuses alike: a v1 deposit counts, a corrupt row or an unknown type stops the load."""
    CommandBus(store).handle_batch([open_account(), open_account("000000000002")])
    v1 = {"account_no": ACCOUNT, "posting_ref": "OLD1", "amount": "40.00",
          "value_date": "2020-01-31", "narrative": "PILOT"}  # fmt: skip
    store.append("account-" + ACCOUNT, 1, [NewEvent("FundsDeposited", v1, schema_version=1)])
    CommandBus(store).handle_batch([deposit("N1", "2.50")])

    loaded = CommandBus(store).load_many(["account-" + ACCOUNT], ACCOUNTS)[f"account-{ACCOUNT}"]

    assert loaded.version == 3 and loaded.state.balance == Decimal("42.50")
    assert loaded.state == CommandBus(store).load("account-" + ACCOUNT, ACCOUNTS).state
    store.append("account-000000000002", 1, [NewEvent("SomethingFromTheFuture", {"x": 1})])
    with pytest.raises(CorruptEvent, match="position 5"):
        CommandBus(store).load_many(["account-000000000002"], ACCOUNTS)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(store.sql("UPDATE events SET data = ? WHERE position = 4"), (b"{no",))
    with pytest.raises(CorruptEvent, match="position 4"):
        CommandBus(store).load_many(["account-" + ACCOUNT], ACCOUNTS)


def test_an_unknown_event_type_flows_through_the_feed_but_not_into_a_decider(
    store: SqlEventStore,
) -> None:
    store.append("account-" + ACCOUNT, 0, [NewEvent("SomethingFromTheFuture", {"x": 1})])

    [event] = store.read_all()
    assert event.type == "SomethingFromTheFuture" and event.problem is None
    with pytest.raises(CorruptEvent, match="position 1"):
        CommandBus(store).load("account-" + ACCOUNT, ACCOUNTS)


def test_corrupt_stored_json_is_reported_not_raised_by_the_feed(store: SqlEventStore) -> None:
    CommandBus(store).handle(open_account())
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            store.sql("UPDATE events SET data = ? WHERE position = 1"), (b"{not json",)
        )

    [event] = store.read_all()

    assert event.problem is not None and "not valid" in event.problem
    with pytest.raises(CorruptEvent):
        to_domain(event)


def test_the_state_cache_lets_busy_accounts_go_once_their_postings_fill_it(
    store: SqlEventStore,
) -> None:
    bus = CommandBus(store, cache_size=100, cache_items=25)
    bus.handle_batch([open_account("000000000001"), open_account("000000000002")])
    bus.handle_batch([deposit(f"A{n}", account_no="000000000001") for n in range(3)])
    assert len(bus.cache) == 2 and bus.cache.items == 10 + 13

    bus.handle_batch([deposit(f"B{n}", account_no="000000000002") for n in range(3)])

    assert bus.cache.get("account-000000000001") is None
    assert bus.cache.items == 13
    bus.handle_batch([deposit("A3", account_no="000000000001")])
    assert balance(store, "000000000001") == Decimal("502.00")
