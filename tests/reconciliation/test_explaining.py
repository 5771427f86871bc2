"""Explaining one account's difference from its postings: the cases no local GL can stage."""

from __future__ import annotations

from gateway.reconciliation.differences import (
    AccountFigures,
    Difference,
    DifferenceClass,
    SentPosting,
    explain,
)
from gateway.reconciliation.ports import AccountBalance

ACCOUNT = "000000000001"
CLOSED = 1_796_000_000.0


def explain_at(figures: AccountFigures, postings: list[SentPosting]) -> list[Difference]:
    return explain(figures, postings, as_of=CLOSED)


def posting(
    position: int, amount: int, *, status: str = "delivered", attempts: int = 1
) -> SentPosting:
    acknowledged = status == "delivered"
    return SentPosting(
        position, f"P-{position}", amount, "EUR", position, status, attempts, acknowledged
    )


def figures(balance: int, count: int, last: int, postings: list[SentPosting]) -> AccountFigures:
    acknowledged = [p for p in postings if p.acknowledged and p.position <= last]
    row = AccountBalance(2, ACCOUNT, "EUR", balance, count, f"P-{last}")
    return AccountFigures(
        ACCOUNT, row, last, sum(p.amount for p in acknowledged), len(acknowledged)
    )


def test_agreeing_figures_have_no_difference() -> None:
    postings = [posting(1, 1000), posting(2, -300)]
    assert explain_at(figures(700, 2, 2, postings), postings) == []


def test_a_pending_posting_before_the_last_ref_is_not_sent_yet() -> None:
    postings = [posting(1, 1000), posting(2, 50, status="pending", attempts=0), posting(3, 20)]
    (difference,) = explain_at(figures(1020, 2, 3, postings), postings)
    assert difference.kind is DifferenceClass.NOT_SENT_YET
    assert [p.reference for p in difference.postings] == ["P-2"]


def test_postings_after_the_last_ref_are_not_looked_at() -> None:
    postings = [posting(1, 1000), posting(2, 50, status="dead"), posting(3, 20, status="pending")]
    assert explain_at(figures(1000, 1, 1, postings), postings) == []


def test_two_lost_postings_are_found_together() -> None:
    postings = [posting(1, 1000), posting(2, -300), posting(3, 250), posting(4, 5)]
    (difference,) = explain_at(figures(1005, 2, 4, postings), postings)
    assert difference.kind is DifferenceClass.SENT_NOT_COUNTED
    assert [p.reference for p in difference.postings] == ["P-2", "P-3"]


def test_a_lost_posting_alike_in_amount_to_another_names_both() -> None:
    postings = [posting(1, 500), posting(2, 500), posting(3, 70)]
    (difference,) = explain_at(figures(570, 2, 3, postings), postings)
    assert difference.kind is DifferenceClass.SENT_NOT_COUNTED
    assert [p.reference for p in difference.postings] == ["P-1", "P-2"]
    assert "one of these" in difference.detail


def test_a_count_gl_lacks_that_no_posting_explains_is_unexplained() -> None:
    postings = [posting(1, 1000), posting(2, -300)]
    (difference,) = explain_at(figures(999, 1, 2, postings), postings)
    assert difference.kind is DifferenceClass.UNEXPLAINED


def test_an_amount_among_many_postings_is_unexplained_but_lists_them() -> None:
    postings = [posting(1, 1000), posting(2, -300)]
    (difference,) = explain_at(figures(701, 2, 2, postings), postings)
    assert difference.kind is DifferenceClass.UNEXPLAINED
    assert "do not say which" in difference.detail


def test_a_posting_acknowledged_before_the_close_but_after_the_last_ref_was_not_counted() -> None:
    postings = [posting(1, 1000), posting(2, -300)._replace(acknowledged_at=CLOSED - 5)]
    (difference,) = explain_at(figures(1000, 1, 1, postings), postings)
    assert difference.kind is DifferenceClass.SENT_NOT_COUNTED
    assert [p.reference for p in difference.postings] == ["P-2"]
