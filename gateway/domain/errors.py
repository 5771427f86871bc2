"""Why the bank's domain refuses a command, each reason with a stable code.

Rejections are business answers (quarantine, `RESP_CD=10`), never retried; history errors are bugs.
"""

from __future__ import annotations

from enum import StrEnum


class RejectionCode(StrEnum):
    """Stable codes: legacy replies, quarantine rows and metrics key on them, so never rename."""

    UNKNOWN_CUSTOMER = "unknown_customer"
    CUSTOMER_ALREADY_REGISTERED = "customer_already_registered"
    UNKNOWN_ACCOUNT = "unknown_account"
    ACCOUNT_ALREADY_OPENED = "account_already_opened"
    ACCOUNT_CLOSED = "account_closed"
    ACCOUNT_FROZEN = "account_frozen"
    CURRENCY_MISMATCH = "currency_mismatch"
    NON_POSITIVE_AMOUNT = "non_positive_amount"
    POSTING_REF_CONFLICT = "posting_ref_conflict"
    UNKNOWN_POSTING = "unknown_posting"
    POSTING_ALREADY_REVERSED = "posting_already_reversed"
    POSTING_NOT_REVERSIBLE = "posting_not_reversible"
    HOLD_CONFLICT = "hold_conflict"
    UNKNOWN_HOLD = "unknown_hold"


class DomainRejection(Exception):
    """A command breaks one of the bank's rules; `code` is stable, `reason` is for people."""

    def __init__(self, code: RejectionCode, reason: str) -> None:
        super().__init__(f"{code.value}: {reason}")
        self.code: str = code.value
        self.reason = reason


class InvalidHistory(Exception):
    """Stored events cannot be folded into a state: a bug or a damaged stream, not a rejection."""


class IncompatibleSnapshot(ValueError):
    """A snapshot does not match this gateway's state layout: replay the stream instead."""


class NoDecider(LookupError):
    """No aggregate handles this command or stream: a routing bug, not a business answer."""


class UnfitEvent(Exception):
    """An event offered ready-made (the platform's) is not a valid next event of its stream.

    `code` is stable (`wrong_stream`, `already_recorded`, `not_what_the_stream_records`).
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
