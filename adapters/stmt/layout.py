"""STMT's statement file (stmt.md): header, one detail per money movement, trailer; ASCII, 80 wide.

Declared once with the format codecs: the same layouts write the file and read it back.
"""

from __future__ import annotations

from adapters.formats import (
    Date,
    Field,
    Filler,
    MultiRecordLayout,
    Number,
    RecordLayout,
    SignedNumber,
    Text,
)

ENCODING = "ascii"
LINE_END = b"\n"
RECORD_LENGTH = 80

STMT_HEADER = RecordLayout(
    "STMT-HEADER",
    [
        Field("RECORD-TYPE", Text(1)),
        Field("BUSINESS-DATE", Date("YYYYMMDD")),
        Field("CREATED-AT", Text(14)),  # YYYYMMDDHHMMSS, local time
        Field("FILLER", Filler(57)),
    ],
    encoding=ENCODING,
)
STMT_DETAIL = RecordLayout(
    "STMT-DETAIL",
    [
        Field("RECORD-TYPE", Text(1)),
        Field("ACCOUNT-NO", Text(12)),
        Field("VALUE-DATE", Date("YYYYMMDD")),
        Field("TXN-TYPE", Text(3)),  # DEP, WDL, FEE, INT, REV
        Field("SIGN", Text(1)),  # + or -, as the customer sees it
        Field("AMOUNT", Number(11, 2)),
        Field("CURRENCY", Text(3)),
        Field("NARRATIVE", Text(30)),
        Field("FILLER", Filler(9)),
    ],
    encoding=ENCODING,
)
STMT_TRAILER = RecordLayout(
    "STMT-TRAILER",
    [
        Field("RECORD-TYPE", Text(1)),
        Field("DETAIL-COUNT", Number(9)),
        Field("NET-TOTAL", SignedNumber(12, 2)),  # sum of the signed amounts
        Field("FILLER", Filler(55)),
    ],
    encoding=ENCODING,
)
STMT_FILE = MultiRecordLayout(
    discriminator=STMT_DETAIL.field("RECORD-TYPE"),
    record_types={"H": STMT_HEADER, "D": STMT_DETAIL, "T": STMT_TRAILER},
)
