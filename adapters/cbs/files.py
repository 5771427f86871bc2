"""CBS's two daily files: their names, and the postings record layout read from its copybook.

The copybook ships verbatim as package data; the text-mode layout is derived from it.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from importlib import resources

from adapters.formats import Date, Framing, MultiRecordLayout, parse_copybook, text_mode_variant
from gateway.imports.ports import FileRejected

# The copybook's PIC 9(8) dates, read as calendar dates: a 30 February is a bad record.
DATE_FIELDS = ("HDR-BUSINESS-DATE", "DTL-VALUE-DATE")
RECORD_TYPES = {"H": "CBS-HEADER", "D": "CBS-DETAIL", "T": "CBS-TRAILER"}
POSTINGS_NAME = re.compile(r"CBS_POSTINGS_(\d{8})_(\d{3})\.DAT")
ACCOUNTS_NAME = re.compile(r"CBS_ACCOUNTS_(\d{8})\.csv")
ACCOUNTS_COLUMNS = ("ACCOUNT_NO", "CUST_NO", "PRODUCT", "CURRENCY", "OPEN_DATE", "BRANCH", "STATUS")


@cache
def postings_copybook() -> str:
    """The copybook as the mainframe team publishes it (legacy-specs/cbs-files.md)."""
    return resources.files("adapters.cbs").joinpath("postings.cpy").read_text(encoding="ascii")


def postings_file_layout(*, framing: Framing, encoding: str) -> MultiRecordLayout:
    """The postings records in `framing`: packed amounts in a binary drop, display in text mode."""
    if framing == Framing.FIXED_BLOCK:
        copybook = parse_copybook(postings_copybook(), encoding=encoding)
        layout = copybook.dispatch(on="REC-TYPE", record_types=RECORD_TYPES)
        return layout.retyped({name: Date("YYYYMMDD") for name in DATE_FIELDS})
    binary = postings_file_layout(framing=Framing.FIXED_BLOCK, encoding=encoding)
    return text_mode_variant(binary, encoding=encoding)


def business_date(file_name: str, pattern: re.Pattern[str]) -> date:
    """The business date a CBS file name carries; a name without one rejects the file."""
    match = pattern.fullmatch(file_name)
    if match is None:
        expected = pattern.pattern.replace(r"(\d{8})", "YYYYMMDD").replace(r"(\d{3})", "NNN")
        raise FileRejected(f"file name {file_name!r} is not {expected.replace(chr(92), '')}")
    digits = match[1]
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise FileRejected(f"file name {file_name!r} carries no valid date: {digits}") from None
