"""GL's balances file, written from a real local GL's log, agrees with what was delivered."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.reconciliation.bank import A, Ledger, a_day_of_postings, account_no


def test_a_day_where_gl_holds_what_was_sent_has_no_difference(ledger: Ledger) -> None:
    """Reversals, fees and interest are counted with the sides that were sent."""
    a_day_of_postings(ledger)
    ledger.deliver()
    ledger.balances_file()

    outcome = ledger.reconcile()

    assert outcome.status == "agrees", outcome.differences
    assert outcome.reconciliation is not None
    assert outcome.reconciliation.accounts == 4
    assert outcome.reconciliation.differences == 0
    assert outcome.record.status == "completed"
    assert not list(ledger.landing.iterdir())  # archived with its .DONE
    assert len(list((ledger.landing.parent / "archive").iterdir())) == 1


def test_postings_sent_after_gl_closed_its_day_are_not_a_difference(ledger: Ledger) -> None:
    a_day_of_postings(ledger)
    ledger.deliver()
    closed = datetime.now(UTC)
    postings_of_the_day = ledger.gl_log()
    ledger.post(A, "A-005", "5.00")  # GL got these after its day closed: tomorrow's file
    ledger.post(account_no(9), "E-001", "7.00")
    ledger.deliver()

    ledger.balances_file(postings_of_the_day, as_of=closed)
    outcome = ledger.reconcile()

    assert outcome.status == "agrees", outcome.differences
