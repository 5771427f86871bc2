"""GL's balances file, written from a real local GL's log, agrees with what was delivered."""

from __future__ import annotations

from tests.reconciliation.bank import Ledger, account_no


def a_day_of_postings(ledger: Ledger) -> None:
    """Deposits, withdrawals, fees, interest and reversals of each, over three accounts."""
    a, b, c = account_no(1), account_no(2), account_no(3)
    ledger.post(a, "A-001", "1250.00")
    ledger.post(a, "A-002", "300.00", "FundsWithdrawn")
    ledger.post(a, "A-003", "2.50", "FeeCharged")
    ledger.reverse(a, "A-004", "A-003", "2.50")
    ledger.post(b, "B-001", "10.00")
    ledger.post(b, "B-002", "0.42", "InterestCredited")
    ledger.reverse(b, "B-003", "B-002", "0.42")
    ledger.post(c, "C-001", "99.99", "FundsWithdrawn")
    ledger.reverse(c, "C-002", "C-001", "99.99")


def test_a_day_where_gl_holds_what_was_sent_has_no_difference(ledger: Ledger) -> None:
    a_day_of_postings(ledger)
    ledger.deliver()
    ledger.balances_file()

    outcome = ledger.reconcile()

    assert outcome.status == "agrees", outcome.differences
    assert outcome.reconciliation is not None
    assert outcome.reconciliation.accounts == 3
    assert outcome.reconciliation.differences == 0
    assert outcome.record.status == "completed"
    assert not list(ledger.landing.iterdir())  # archived with its .DONE
    assert len(list((ledger.landing.parent / "archive").iterdir())) == 1
