"""Each way GL can differ from the delivery records is found, classified and explained.

Every story delivers the day's postings to the local GL first; GL's log is then changed the
way a ledger goes wrong, and the balances file is written from it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from gateway.config import GatewayConfig
from gateway.delivery import operations
from gateway.reconciliation.differences import Difference, DifferenceClass
from tests.reconciliation.bank import (
    A,
    B,
    D,
    Ledger,
    a_day_of_postings,
    account_no,
    reconciliation_config,
)
from tests.reconciliation.gl_file import Accepted, flip_side


def delivered_day(ledger: Ledger) -> list[Accepted]:
    a_day_of_postings(ledger)
    ledger.deliver()
    return ledger.gl_log()


def only_difference(ledger: Ledger) -> Difference:
    outcome = ledger.reconcile()
    assert outcome.status == "differs"
    assert outcome.reconciliation is not None
    assert len(outcome.differences) == 1, outcome.differences
    return outcome.differences[0]


def refs(difference: Difference) -> list[str]:
    return [p.reference for p in difference.postings]


def test_a_posting_acknowledged_but_not_counted_by_gl_is_named(ledger: Ledger) -> None:
    log = delivered_day(ledger)
    ledger.balances_file([p for p in log if p.ref != "A-002"])  # GL lost the withdrawal

    difference = only_difference(ledger)

    assert difference.account == A
    assert difference.kind is DifferenceClass.SENT_NOT_COUNTED
    assert refs(difference) == ["A-002"]
    assert difference.ledger is not None and difference.ledger.balance == 125000


def test_gls_last_posting_lost_after_its_acknowledgement_is_named(ledger: Ledger) -> None:
    """GL's last ref then names the posting before: the lost one looks like tomorrow's, but GL
    acknowledged it before it closed its day."""
    log = delivered_day(ledger)
    ledger.balances_file([p for p in log if p.ref != "A-004"])  # the fee's reversal

    difference = only_difference(ledger)

    assert difference.account == A
    assert difference.kind is DifferenceClass.SENT_NOT_COUNTED
    assert refs(difference) == ["A-004"]
    assert "before the ledger closed" in difference.detail


def test_a_posting_gl_counted_but_never_acknowledged_is_named(ledger: Ledger) -> None:
    """GL books the posting and its answer never reaches the gateway: retried, not yet known."""
    ledger.config = replace_gl(ledger, timeout_seconds=0.3, retry={"delays_seconds": [60]})
    ledger.sim.chaos(timeout=1.0, hang_seconds=2.0)
    ledger.post(B, "B-001", "10.00")
    ledger.post(B, "B-002", "5.00")
    ledger.deliver(lambda: first_attempts(ledger) >= 1)

    ledger.balances_file()
    difference = only_difference(ledger)

    assert difference.kind is DifferenceClass.COUNTED_NOT_SENT
    assert refs(difference) == ["B-001"]
    assert "never acknowledged" in difference.detail
    assert difference.postings[0].status == "pending"


def test_a_posting_gl_counted_that_the_gateway_never_sent_is_found(ledger: Ledger) -> None:
    log = delivered_day(ledger)
    stranger = Accepted("X-999", D, "CR", Decimal("40.00"), "EUR")
    ledger.balances_file([stranger, *log])  # before D-001: GL's last ref is still D-001

    difference = only_difference(ledger)

    assert difference.account == D
    assert difference.kind is DifferenceClass.COUNTED_NOT_SENT
    assert difference.postings == ()
    assert "never sent" in difference.detail


def test_a_skipped_posting_before_gls_last_ref_is_not_sent_yet(ledger: Ledger) -> None:
    ledger.sim.chaos(reject_refs=["B-002"])
    ledger.post(B, "B-001", "10.00")
    ledger.post(B, "B-002", "0.42", "InterestCredited")
    ledger.post(B, "B-003", "3.00")
    ledger.deliver(lambda: bool(operations.list_deliveries(ledger.store, status="dead")))
    dead = operations.list_deliveries(ledger.store, status="dead")
    ledger.balances_file()
    assert ledger.reconcile().status == "agrees"  # GL's last ref is B-001: B-002 comes after

    assert operations.skip(ledger.store, [dead[0].fields["id"]]) == 1
    ledger.deliver()
    ledger.balances_file()
    difference = only_difference(ledger)

    assert difference.kind is DifferenceClass.NOT_SENT_YET
    assert refs(difference) == ["B-002"]
    assert difference.postings[0].status == "skipped"


def test_a_last_posting_ref_the_gateway_never_sent_is_named(ledger: Ledger) -> None:
    log = delivered_day(ledger)
    adjustment = Accepted("GL-ADJ-1", A, "DR", Decimal("1.00"), "EUR")
    ledger.balances_file([*log, adjustment])

    difference = only_difference(ledger)

    assert difference.account == A
    assert difference.kind is DifferenceClass.UNKNOWN_LAST_REF
    assert "GL-ADJ-1" in difference.detail
    assert refs(difference) == ["A-004"]  # the gateway's last acknowledged


def test_a_posting_booked_on_the_other_side_is_named(ledger: Ledger) -> None:
    log = delivered_day(ledger)
    ledger.balances_file([flip_side(p) if p.ref == "A-003" else p for p in log])

    difference = only_difference(ledger)

    assert difference.kind is DifferenceClass.AMOUNT_OR_SIDE
    assert refs(difference) == ["A-003"]
    assert "CR" in difference.detail


def test_a_posting_booked_with_another_amount_is_named(ledger: Ledger) -> None:
    log = delivered_day(ledger)
    ledger.balances_file(
        [replace(p, amount=Decimal("100.00")) if p.ref == "D-001" else p for p in log]
    )

    difference = only_difference(ledger)

    assert difference.account == D
    assert difference.kind is DifferenceClass.AMOUNT_OR_SIDE
    assert refs(difference) == ["D-001"]
    assert "100.00" in difference.detail


def test_accounts_only_one_side_knows_are_listed(ledger: Ledger) -> None:
    log = delivered_day(ledger)
    unknown = (account_no(77), "5.00", 1, "Z-001")
    ledger.balances_file([p for p in log if p.account != B], extra=[unknown])

    outcome = ledger.reconcile()

    kinds = {(d.account, d.kind) for d in outcome.differences}
    assert kinds == {
        (B, DifferenceClass.ONLY_IN_GATEWAY), (account_no(77), DifferenceClass.ONLY_IN_LEDGER)
    }  # fmt: skip
    only_ours = next(d for d in outcome.differences if d.account == B)
    assert refs(only_ours) == ["B-001", "B-002", "B-003"]
    assert only_ours.expected_count == 3 and only_ours.expected_balance == 1000


def first_attempts(ledger: Ledger) -> int:
    """Attempts of the first delivery (the story's first posting)."""
    rows = ledger.store.fetch("SELECT attempts FROM deliveries ORDER BY position LIMIT 1")
    return int(rows[0][0]) if rows else 0


def replace_gl(ledger: Ledger, **overrides: Any) -> GatewayConfig:
    return reconciliation_config(ledger.config.database.url, ledger.landing, **overrides)
