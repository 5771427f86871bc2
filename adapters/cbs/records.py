"""CBS's records as the anti-corruption layer accepts them: pydantic models in CBS's own names.

Codes, dates and amounts are checked here; a record that fails names the CBS field at fault.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from gateway.imports.ports import RecordProblem

TxnCode = Literal["DEP", "WDL", "FEE", "INT", "REV"]
AccountStatusCode = Literal["O", "F", "C"]
CREDIT_CODES = frozenset({"DEP", "INT"})
_DD_MM_YYYY = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})", re.ASCII)


def _dd_mm_yyyy(value: Any) -> Any:
    """The accounts file's `OPEN_DATE`: 'DD.MM.YYYY'."""
    if not isinstance(value, str):
        return value
    match = _DD_MM_YYYY.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a date in the form DD.MM.YYYY")
    try:
        return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date (DD.MM.YYYY)") from None


CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class CbsRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)


class PostingsHeader(CbsRecord):
    """The postings file's first record: which business day it carries."""

    business_date: date = Field(alias="HDR-BUSINESS-DATE")
    source: str = Field(alias="HDR-SOURCE")
    file_seq: int = Field(alias="HDR-FILE-SEQ")


class PostingsTrailer(CbsRecord):
    """The postings file's last record: the control count and total of its details."""

    record_count: int = Field(alias="TRL-RECORD-COUNT", ge=0)
    total_amount: Decimal = Field(alias="TRL-TOTAL-AMOUNT")


class PostingRecord(CbsRecord):
    """One detail record: a money movement CBS has already booked.

    The sign of DTL-AMOUNT: CBS writes a credit (DEP, INT) positive, and a debit (WDL, FEE)
    either as it hits the balance (minus) or as a magnitude (plus or the unsigned F nibble).
    Both debit forms mean the same withdrawal or fee of the magnitude; a credit with a minus
    sign fits neither convention (a debit under a credit's code) and is refused. A REV's amount
    may carry either sign: the platform reverses the amount it recorded for REVERSES-REF, and
    the REV's own amount only counts in the trailer total. Zero is refused for every code.
    """

    # The copybook's PIC X fields arrive trimmed by the codec: no second pass over each string.
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=False)

    txn_ref: str = Field(alias="DTL-TXN-REF", min_length=1)
    account_no: str = Field(alias="DTL-ACCOUNT-NO", min_length=1)
    txn_code: TxnCode = Field(alias="DTL-TXN-CODE")
    amount: Decimal = Field(alias="DTL-AMOUNT")
    currency: CurrencyCode = Field(alias="DTL-CURRENCY")
    value_date: date = Field(alias="DTL-VALUE-DATE")
    narrative: str = Field(alias="DTL-NARRATIVE")
    reverses_ref: str = Field(alias="DTL-REVERSES-REF")

    @model_validator(mode="after")
    def _fits_its_code(self) -> PostingRecord:
        """One validator for every rule between fields: each Python call costs, a million times."""
        if not self.amount:
            raise _rule("DTL-AMOUNT", "the amount is zero")
        if self.txn_code in CREDIT_CODES and self.amount < 0:
            raise _rule("DTL-AMOUNT", f"a {self.txn_code} of {self.amount}: a credit is positive")
        if self.txn_code == "REV":
            if not self.reverses_ref:
                raise _rule("DTL-REVERSES-REF", "a REV must name the posting it reverses")
            if self.reverses_ref == self.txn_ref:
                raise _rule("DTL-REVERSES-REF", "a REV cannot reverse itself")
        elif self.reverses_ref:
            raise _rule("DTL-REVERSES-REF", f"only a REV names a posting, not a {self.txn_code}")
        return self

    @property
    def magnitude(self) -> Decimal:
        return -self.amount if self.amount < 0 else self.amount


class AccountRow(CbsRecord):
    """One row of the accounts file: the account as CBS sees it on the file's business day."""

    account_no: str = Field(alias="ACCOUNT_NO", min_length=1, max_length=34)
    customer_no: str = Field(alias="CUST_NO", min_length=1, max_length=32)
    product: str = Field(alias="PRODUCT", min_length=1)
    currency: CurrencyCode = Field(alias="CURRENCY")
    opened_on: Annotated[date, BeforeValidator(_dd_mm_yyyy)] = Field(alias="OPEN_DATE")
    branch: str = Field(alias="BRANCH", min_length=1)
    status: AccountStatusCode = Field(alias="STATUS")


def _rule(field: str, reason: str) -> PydanticCustomError:
    return PydanticCustomError("cbs_rule", reason, {"cbs_field": field})


def problem_of(error: ValidationError) -> RecordProblem:
    """The first failure of a record, in CBS's words: the field at fault and why."""
    first = error.errors(include_url=False)[0]
    context = first.get("ctx") or {}
    loc = first.get("loc") or ()
    field = context.get("cbs_field") or (str(loc[0]) if loc else None)
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] != "cbs_rule" and "input" in first:
        given = first["input"]
        message = f"{given!r}: {message}" if isinstance(given, str) else f"{given}: {message}"
    reason = f"{field}: {message}" if field else message
    return RecordProblem(reason, field=field)
