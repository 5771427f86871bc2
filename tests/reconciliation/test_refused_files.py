"""A balances file that breaks the spec is refused whole, with the line and the reason."""

from __future__ import annotations

import io

import pytest

from adapters.gl.balances import read_balances
from gateway.errors import BalancesFileRefused
from gateway.reconciliation.results import ReconciliationBook
from tests.reconciliation.bank import DAY, Ledger
from tests.reconciliation.gl_file import HEADER, write_balances_file

AS_OF = "2026-11-26T23:00:00+00:00"
ROW_A = f"000000000001,EUR,1250.00,3,A-003,{AS_OF}"
ROW_B = f"000000000002,EUR,-12.50,1,B-001,{AS_OF}"
BAD_FILES = {
    "missing trailer": ([ROW_A, ROW_B], "", None, "ends without its trailer"),
    "trailer row count": ([ROW_A, ROW_B], "TOTAL,3,1237.50", 4, "trailer says 3 rows"),
    "trailer sum": ([ROW_A, ROW_B], "TOTAL,2,1250.00", 4, "not the rows' sum 1237.50"),
    "bad number": (
        [ROW_A, ROW_B.replace("-12.50", "-12.5")], "TOTAL,2,1237.50", 3,
        "BALANCE '-12.5' is not a decimal with a point and two places",
    ),
    "unknown currency": (
        [ROW_A.replace("EUR", "EUX"), ROW_B], "TOTAL,2,1237.50", 2, "'EUX' is not an ISO 4217",
    ),
    "duplicate account": (
        [ROW_A, ROW_A.replace("A-003", "A-004")], "TOTAL,2,2500.00", 3,
        "000000000001 is already on line 2",
    ),
}  # fmt: skip


def content(rows: list[str], tail: str) -> bytes:
    return ("\n".join([HEADER, *rows, *([tail] if tail else [])]) + "\n").encode()


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_with_its_line_and_reason(case: str) -> None:
    rows, tail, line, reason = BAD_FILES[case]
    with pytest.raises(BalancesFileRefused) as refused:
        read_balances(io.BytesIO(content(rows, tail)), file_name="GL_BALANCES_20261126.csv")
    assert refused.value.line == line
    assert reason in str(refused.value)


def test_a_good_file_is_read_in_hundredths() -> None:
    good = content([ROW_A, ROW_B], "TOTAL,2,1237.50")
    statement = read_balances(io.BytesIO(good), file_name="GL_BALANCES_20261126.csv")
    assert [row.balance for row in statement.rows] == [125000, -1250]
    assert statement.total == 123750 and statement.day == DAY
    assert statement.as_of.isoformat() == AS_OF


@pytest.mark.parametrize(
    ("name", "reason"),
    [("GL_BALANCES_2026-11-26.csv", "is not named"), ("GL_BALANCES_20261131.csv", "not a date")],
)
def test_a_file_misnamed_is_refused(name: str, reason: str) -> None:
    with pytest.raises(BalancesFileRefused, match=reason):
        read_balances(io.BytesIO(content([ROW_A], "TOTAL,1,1250.00")), file_name=name)


def test_other_breaches_of_the_format_are_refused() -> None:
    cases = {
        b"\xef\xbb\xbf" + content([ROW_A], "TOTAL,1,1250.00"): "byte order mark",
        content([ROW_A.replace(AS_OF, "2026-11-26T23:00:00")], "TOTAL,1,1250.00"): "offset",
        content([ROW_A, ROW_B.replace(AS_OF, "2026-11-27T23:00:00+00:00")], "TOTAL,2,1237.50"):
            "differs from",
        content([ROW_A], "TOTAL,1,1250.00") + b"000000000003,EUR,1.00,1,C,x\n": "after the trailer",
        content(["1,EUR,1.00,1,C," + AS_OF], "TOTAL,1,1.00"): "not 12 digits",
        content([ROW_A + ",extra"], "TOTAL,1,1250.00"): "7 fields",
        content([ROW_A.replace(",3,", ",three,")], "TOTAL,1,1250.00"): "not a count",
        b"ACCOUNT,BALANCE\n": "the header must be",
    }  # fmt: skip
    for body, reason in cases.items():
        with pytest.raises(BalancesFileRefused, match=reason):
            read_balances(io.BytesIO(body), file_name="GL_BALANCES_20261126.csv")


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_refused_file_stores_no_result_and_goes_to_error(ledger: Ledger, case: str) -> None:
    rows, tail, line, reason = BAD_FILES[case]
    path = write_balances_file(ledger.landing, DAY, rows, tail=tail or "")

    outcome = ledger.reconcile()

    assert outcome.status == "refused"
    assert outcome.reconciliation is None
    assert outcome.record.status == "failed" and reason in (outcome.record.reason or "")
    if line is not None:
        assert f"line {line}: " in (outcome.record.reason or "")
    assert ReconciliationBook(ledger.store).recent() == []
    assert ledger.store.fetch("SELECT COUNT(*) FROM reconciliation_balances")[0][0] == 0
    assert not path.exists()
    assert [p.name for p in (ledger.landing.parent / "error").iterdir()] == [
        f"{outcome.record.id:06d}-{path.name}"
    ]
