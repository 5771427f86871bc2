"""The postings file's envelope, checked in pass 1 while the file streams past.

One header first, dated as the file name; one trailer last, whose count and total match.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from adapters.cbs.files import POSTINGS_NAME, business_date
from adapters.cbs.records import PostingsHeader, PostingsTrailer
from gateway.imports.ports import FileRejected, SourceRecord

log = logging.getLogger(__name__)

HEADER = "header"
TRAILER = "trailer"
AMOUNT = "DTL-AMOUNT"
TRUNCATED = "truncated_record"


class PostingsEnvelope:
    """Pass 1 for one postings file: raises `FileRejected` as soon as the file is known wrong.

    The trailer counts every D record (readable or not) and totals their DTL-AMOUNT as written,
    sign included. A detail whose amount itself cannot be read (a bad packed nibble) is
    quarantined on its own, as the spec wants; the total then cannot be checked to the cent,
    so it is checked only when every amount could be read (and a warning says so otherwise).
    A fragment cut short after the trailer is quarantined as a record, not a second trailer.
    """

    def __init__(self, file_name: str, *, detail_key: bytes) -> None:
        self.file_name = file_name
        self.expected_date = business_date(file_name, POSTINGS_NAME)
        self.detail_key = detail_key
        self.header: PostingsHeader | None = None
        self.trailer: PostingsTrailer | None = None
        self.trailer_number = 0
        self.last_number = 0
        self.records = 0
        self.details = 0
        self.total = Decimal(0)
        self.unreadable_amounts = 0

    def add(self, record: SourceRecord) -> None:
        self.last_number = record.number
        self.records += 1
        if self.trailer is not None:
            self._after_trailer(record)
        elif record.kind == HEADER:
            self._header(record)
        elif self.header is None:
            raise FileRejected("the file does not start with a header", record=record.number)
        elif record.kind == TRAILER:
            self._trailer(record)
        else:
            self._detail(record)

    def finish(self) -> None:
        if self.header is None:
            raise FileRejected("the file is empty: no header, no trailer")
        if self.trailer is None:
            raise FileRejected(f"no trailer: the file ends at record {self.last_number}")
        self._check_count(self.trailer)
        self._check_total(self.trailer)

    def _header(self, record: SourceRecord) -> None:
        if self.header is not None or self.records != 1:
            raise FileRejected("a header that is not the first record", record=record.number)
        if record.error is not None:
            reason = f"the header cannot be read: {record.error.reason}"
            raise FileRejected(reason, record=record.number)
        header: PostingsHeader = record.values[HEADER]
        if header.business_date != self.expected_date:
            raise FileRejected(
                f"header business date {header.business_date:%Y%m%d} is not the file name's "
                f"{self.expected_date:%Y%m%d}",
                record=record.number,
            )
        self.header = header

    def _trailer(self, record: SourceRecord) -> None:
        if record.error is not None:
            reason = f"the trailer cannot be read: {record.error.reason}"
            raise FileRejected(reason, record=record.number)
        self.trailer = record.values[TRAILER]
        self.trailer_number = record.number

    def _detail(self, record: SourceRecord) -> None:
        if record.raw[: len(self.detail_key)] != self.detail_key:
            return  # not a D record (an unknown record type): quarantined, not counted
        self.details += 1
        amount = record.values.get(AMOUNT)
        if amount is None:
            self.unreadable_amounts += 1
        else:
            self.total += amount

    def _after_trailer(self, record: SourceRecord) -> None:
        if record.error is not None and record.error.code == TRUNCATED:
            return
        reason = f"a record after the trailer (record {self.trailer_number})"
        raise FileRejected(reason, record=record.number)

    def _check_count(self, trailer: PostingsTrailer) -> None:
        if trailer.record_count != self.details:
            raise FileRejected(
                f"the trailer counts {trailer.record_count} detail records, the file has "
                f"{self.details}",
                record=self.trailer_number,
            )

    def _check_total(self, trailer: PostingsTrailer) -> None:
        if self.unreadable_amounts:
            log.warning(
                "%s: trailer total not checked, %d detail amounts cannot be read",
                self.file_name, self.unreadable_amounts,
            )  # fmt: skip
            return
        if trailer.total_amount != self.total:
            raise FileRejected(
                f"the trailer totals {trailer.total_amount}, the details sum to {self.total}",
                record=self.trailer_number,
            )
