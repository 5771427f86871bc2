"""Write small CBS sample files (cbs-files.md) for `make run` users to drop into var/landing/.

    .venv/bin/python examples/cbs/make_samples.py [--out examples/cbs] [--date 20240301]

Writes, each with its empty `.DONE`: CBS_ACCOUNTS_<date>.csv (cp1252, `;`), the postings file
CBS_POSTINGS_<date>_001.DAT as CBS sends it (EBCDIC cp037, 120-byte fixed blocks, packed
amounts), and text-mode/CBS_POSTINGS_<date>_001.DAT, the same postings as a text-mode test drop
(cp1252, CRLF, display amounts). Records are written with the layouts of the copybook the
mainframe team publishes (adapters/cbs/postings.cpy), so they are exactly what the spec says.
"""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal
from pathlib import Path

from adapters.cbs.files import ACCOUNTS_COLUMNS, postings_file_layout
from adapters.formats import FieldValue, Framing, MultiRecordLayout

# ACCOUNT_NO, CUST_NO, PRODUCT, CURRENCY, OPEN_DATE, BRANCH, STATUS
ACCOUNTS = [
    ("100200300400", "10000001", "CURRENT", "EUR", "15.01.2019", "0042", "O"),
    ("100200300401", "10000001", "SAVINGS", "EUR", "15.01.2019", "0042", "O"),
    ("100200300402", "10000002", "CURRENT", "GBP", "03.06.2021", "0007", "O"),
    ("100200300403", "10000003", "CURRENT", "EUR", "28.02.2023", "0042", "F"),
]
# TXN-REF, ACCOUNT-NO, TXN-CODE, DTL-AMOUNT, CURRENCY, NARRATIVE, REVERSES-REF
POSTINGS = [
    ("TXN0000000100001", "100200300400", "DEP", "2500.00", "EUR", "SALARY ACME LTD", ""),
    ("TXN0000000100002", "100200300400", "WDL", "-120.00", "EUR", "CASH MACHINE MAIN ST", ""),
    ("TXN0000000100003", "100200300400", "FEE", "-4.50", "EUR", "ACCOUNT FEE MARCH", ""),
    ("TXN0000000100004", "100200300401", "DEP", "1000.00", "EUR", "STANDING ORDER", ""),
    ("TXN0000000100005", "100200300401", "INT", "1.27", "EUR", "INTEREST FEBRUARY", ""),
    ("TXN0000000100006", "100200300402", "DEP", "310.00", "GBP", "REFUND TRAVEL", ""),
    ("TXN0000000100007", "100200300402", "WDL", "-75.20", "GBP", "CARD PAYMENT", ""),
    ("TXN0000000100008", "100200300402", "REV", "75.20", "GBP", "REVERSAL CARD PAYMENT",
     "TXN0000000100007"),
    ("TXN0000000100009", "100200300403", "DEP", "50.00", "EUR", "GIFT", ""),
]  # fmt: skip


def accounts_csv() -> bytes:
    rows = [";".join(ACCOUNTS_COLUMNS), *(";".join(row) for row in ACCOUNTS)]
    return "".join(f"{row}\r\n" for row in rows).encode("cp1252")


def postings_records(layout: MultiRecordLayout, business_date: date) -> list[bytes]:
    header: dict[str, FieldValue] = {
        "HDR-BUSINESS-DATE": business_date, "HDR-SOURCE": "CBS", "HDR-FILE-SEQ": 1,
    }  # fmt: skip
    records = [layout.encode("H", header)]
    for ref, account, code, amount, currency, narrative, reverses in POSTINGS:
        detail: dict[str, FieldValue] = {
            "DTL-TXN-REF": ref, "DTL-ACCOUNT-NO": account, "DTL-TXN-CODE": code,
            "DTL-AMOUNT": Decimal(amount), "DTL-CURRENCY": currency,
            "DTL-VALUE-DATE": business_date, "DTL-NARRATIVE": narrative,
            "DTL-REVERSES-REF": reverses,
        }  # fmt: skip
        records.append(layout.encode("D", detail))
    total = sum((Decimal(p[3]) for p in POSTINGS), Decimal(0))
    trailer: dict[str, FieldValue] = {"TRL-RECORD-COUNT": len(POSTINGS), "TRL-TOTAL-AMOUNT": total}
    records.append(layout.encode("T", trailer))
    return records


def write_with_done(path: Path, data: bytes) -> None:
    """The data file first, then its empty done file, as CBS writes them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.with_name(path.name + ".DONE").write_bytes(b"")
    print(f"wrote {path} ({len(data)} bytes) and its .DONE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--date", default="20240301", help="business date, YYYYMMDD")
    args = parser.parse_args()
    day = date(int(args.date[:4]), int(args.date[4:6]), int(args.date[6:]))
    postings = f"CBS_POSTINGS_{args.date}_001.DAT"
    write_with_done(args.out / f"CBS_ACCOUNTS_{args.date}.csv", accounts_csv())
    binary = postings_file_layout(framing=Framing.FIXED_BLOCK, encoding="cp037")
    write_with_done(args.out / postings, b"".join(postings_records(binary, day)))
    text = postings_file_layout(framing=Framing.LINES, encoding="cp1252")
    lines = b"".join(record + b"\r\n" for record in postings_records(text, day))
    write_with_done(args.out / "text-mode" / postings, lines)


if __name__ == "__main__":
    main()
