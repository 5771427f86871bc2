"""GL's corrected file for a day replaces that day's result; the earlier one stays in history."""

from __future__ import annotations

import shutil

from gateway.reconciliation.results import ReconciliationBook
from tests.reconciliation.bank import DAY, Ledger, a_day_of_postings


def test_a_corrected_file_replaces_the_days_result_and_keeps_the_first(ledger: Ledger) -> None:
    a_day_of_postings(ledger)
    ledger.deliver()
    log = ledger.gl_log()
    ledger.balances_file([p for p in log if p.ref != "A-002"])
    first = ledger.reconcile()
    assert first.status == "differs" and first.reconciliation is not None

    ledger.balances_file(log)  # the same name again, after the first was taken away
    corrected = ledger.reconcile()

    assert corrected.status == "agrees" and corrected.reconciliation is not None
    book = ReconciliationBook(ledger.store)
    day = book.day("gl", DAY.isoformat())
    assert [r.id for r in day] == [corrected.reconciliation.id, first.reconciliation.id]
    assert [r.current for r in day] == [True, False]
    assert day[1].replaced_by == corrected.reconciliation.id
    assert [r.id for r in book.recent()] == [corrected.reconciliation.id]
    assert len(book.differences(first.reconciliation.id)) == 1  # history keeps its detail


def test_the_same_file_again_is_answered_from_its_result(ledger: Ledger) -> None:
    a_day_of_postings(ledger)
    ledger.deliver()
    path = ledger.balances_file()
    copy = path.with_name("kept.csv")
    shutil.copy(path, copy)
    first = ledger.reconcile()

    shutil.copy(copy, path)
    path.with_name(path.name + ".DONE").write_bytes(b"")
    again = ledger.reconcile()

    assert again.status == "duplicate"
    assert again.reconciliation is not None and first.reconciliation is not None
    assert again.reconciliation.id == first.reconciliation.id
    assert len(ReconciliationBook(ledger.store).day("gl", DAY.isoformat())) == 1
