"""The postings index an account keeps: compact, yet every record reads back as it went in."""

from __future__ import annotations

from decimal import Decimal

from gateway.domain.posting_index import PostingIndex, PostingKind, PostingRecord, empty_index


def test_every_posting_reads_back_as_it_was_recorded() -> None:
    records = {
        "DEP1": PostingRecord(PostingKind.DEPOSIT, Decimal("125.50")),
        "FEE1": PostingRecord(PostingKind.FEE, Decimal("0.00")),
        "WDL1": PostingRecord(PostingKind.WITHDRAWAL, Decimal("-3.10")),
        "INT1": PostingRecord(PostingKind.INTEREST, Decimal("12345678901234567.89")),
        "DEP2": PostingRecord(PostingKind.DEPOSIT, Decimal("1.005")),
        "DEP3": PostingRecord(PostingKind.DEPOSIT, Decimal("9.00"), reversed_by="REV1"),
        "REV1": PostingRecord(PostingKind.REVERSAL, Decimal("9.00"), reverses_ref="DEP3"),
    }
    index = empty_index()
    for ref, record in records.items():
        index = index.with_posting(ref, record)

    assert dict(index) == records == dict(PostingIndex(records))
    assert [str(index[ref].amount) for ref in records] == [str(r.amount) for r in records.values()]
    assert index.get("NONE") is None and "DEP1" in index and len(index) == len(records)


def test_a_new_posting_leaves_the_index_it_extends_as_it_was() -> None:
    before = empty_index().with_plain_posting("DEP1", PostingKind.DEPOSIT, Decimal("5.00"))
    after = before.with_plain_posting("DEP2", PostingKind.DEPOSIT, Decimal("7.25"))

    assert list(before) == ["DEP1"] and list(after) == ["DEP1", "DEP2"]
    assert after["DEP2"] == PostingRecord(PostingKind.DEPOSIT, Decimal("7.25"))
