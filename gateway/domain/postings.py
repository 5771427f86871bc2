"""Money movements as CBS posts them: deposits, withdrawals, fees, interest and reversals.

Each carries the legacy posting_ref; the same ref again is taken without a second effect.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from gateway.domain.account_messages import AccountCommand, AccountEvent
from gateway.domain.account_state import (
    AccountState,
    PostingKind,
    PostingRecord,
    refuse_unless_payable,
    refuse_when_closed,
    refuse_when_frozen,
    signed,
)
from gateway.domain.errors import DomainRejection, RejectionCode
from gateway.domain.identifiers import PostingRef
from gateway.domain.messages import (
    Event,
    JsonDict,
    command_type,
    event_type,
    proven,
    upcaster,
)
from gateway.domain.money import CurrencyCode, Money


class MoneyPosted(AccountEvent):
    """A posting that moved money; `kind` says which way (see `signed`)."""

    kind: ClassVar[PostingKind]

    posting_ref: PostingRef
    amount: Money
    value_date: date
    narrative: str = ""


@event_type("FundsDeposited", version=2)
class FundsDeposited(MoneyPosted):
    kind: ClassVar[PostingKind] = PostingKind.DEPOSIT


@event_type("FundsWithdrawn", version=1)
class FundsWithdrawn(MoneyPosted):
    """CBS authorised it already, so it is recorded even below zero, with `overdrawn` set."""

    kind: ClassVar[PostingKind] = PostingKind.WITHDRAWAL
    overdrawn: bool = False


@event_type("FeeCharged", version=1)
class FeeCharged(MoneyPosted):
    kind: ClassVar[PostingKind] = PostingKind.FEE


@event_type("InterestCredited", version=1)
class InterestCredited(MoneyPosted):
    kind: ClassVar[PostingKind] = PostingKind.INTEREST


@event_type("PostingReversed", version=1)
class PostingReversed(AccountEvent):
    """Carries the reversed posting's kind and amount, so translators can post the other side."""

    posting_ref: PostingRef
    reverses_ref: PostingRef
    reversed_kind: PostingKind
    amount: Money
    value_date: date
    narrative: str = ""


PILOT_CURRENCY = "EUR"


@upcaster("FundsDeposited", from_version=1)
def funds_deposited_v1_to_v2(data: JsonDict) -> JsonDict:
    """v1 held `amount` as a bare decimal string ("125.50") and no currency at all.

    v1 was written only during the pilot, which imported the EUR accounts of one branch; the
    multi-currency rollout introduced v2 and its Money {amount, currency}. So v1 means EUR.
    """
    upcast = {key: value for key, value in data.items() if key != "amount"}
    upcast["amount"] = {"amount": data["amount"], "currency": PILOT_CURRENCY}
    return upcast


class PostingCommand(AccountCommand):
    """Post money to an account; `records` is the event it becomes."""

    kind: ClassVar[PostingKind]
    records: ClassVar[type[MoneyPosted]]

    posting_ref: PostingRef
    amount: Money
    value_date: date
    narrative: str = ""

    def recorded(self, *, balance_after: Decimal) -> MoneyPosted:
        return proven(self.records, **self._posted())

    def _posted(self) -> dict[str, Any]:
        """The event's fields from the command's own (not a `model_dump` round trip: the Money
        instance passes on as it is). The command was validated, and the event's fields are
        the same fields under the same types, so the event is built without validating them
        again: the hot path of a file import builds one a posting."""
        return {
            "account_no": self.account_no,
            "posting_ref": self.posting_ref,
            "amount": self.amount,
            "value_date": self.value_date,
            "narrative": self.narrative,
        }


@command_type("DepositFunds")
class DepositFunds(PostingCommand):
    kind: ClassVar[PostingKind] = PostingKind.DEPOSIT
    records: ClassVar[type[MoneyPosted]] = FundsDeposited


@command_type("WithdrawFunds")
class WithdrawFunds(PostingCommand):
    kind: ClassVar[PostingKind] = PostingKind.WITHDRAWAL
    records: ClassVar[type[MoneyPosted]] = FundsWithdrawn

    def recorded(self, *, balance_after: Decimal) -> MoneyPosted:
        return proven(FundsWithdrawn, **self._posted(), overdrawn=balance_after < 0)


@command_type("ChargeFee")
class ChargeFee(PostingCommand):
    kind: ClassVar[PostingKind] = PostingKind.FEE
    records: ClassVar[type[MoneyPosted]] = FeeCharged


@command_type("CreditInterest")
class CreditInterest(PostingCommand):
    kind: ClassVar[PostingKind] = PostingKind.INTEREST
    records: ClassVar[type[MoneyPosted]] = InterestCredited


@command_type("ReversePosting")
class ReversePosting(AccountCommand):
    """`currency`, when the legacy record states one, must be the account's own."""

    posting_ref: PostingRef
    reverses_ref: PostingRef
    value_date: date
    narrative: str = ""
    currency: CurrencyCode | None = None


def decide_posting(state: AccountState, command: PostingCommand) -> list[Event]:
    """Post unless the account's standing refuses it (`admit_posting`)."""
    known = state.postings.get(command.posting_ref)
    if known is not None:
        return _repeated(state, known, command)
    admit_posting(state, command)
    balance_after = state.balance + signed(command.kind, command.amount.amount)
    return [command.recorded(balance_after=balance_after)]


def admit_posting(state: AccountState, command: PostingCommand) -> None:
    """Refuse a posting to a closed account, in another currency, or out of a frozen one.

    A frozen account stops the customer's money leaving (withdrawals, new holds) but still takes
    deposits, interest, the bank's own fees and reversals: those correct or add, never spend.
    A posting the account knows already is a repeat, for `decide_posting` to answer.
    """
    if command.posting_ref in state.postings:
        return
    refuse_when_closed(state, "post to")
    refuse_unless_payable(state, command.amount)
    if command.kind is PostingKind.WITHDRAWAL:
        refuse_when_frozen(state, "withdraw from")


def _repeated(state: AccountState, known: PostingRecord, command: PostingCommand) -> list[Event]:
    """CBS re-sends postings in corrected files: the same posting again adds nothing."""
    same = (known.kind, known.amount, state.currency) == (
        command.kind,
        command.amount.amount,
        command.amount.currency,
    )
    if same:
        return []
    raise _ref_conflict(command.posting_ref)


def decide_reversal(state: AccountState, command: ReversePosting) -> list[Event]:
    known = state.postings.get(command.posting_ref)
    if known is not None:
        if known.kind is PostingKind.REVERSAL and known.reverses_ref == command.reverses_ref:
            return []
        raise _ref_conflict(command.posting_ref)
    admit_reversal(state, command)
    target = _reversible(state, command.reverses_ref)
    return [
        PostingReversed(
            account_no=command.account_no,
            posting_ref=command.posting_ref,
            reverses_ref=command.reverses_ref,
            reversed_kind=target.kind,
            amount=state.money(target.amount),
            value_date=command.value_date,
            narrative=command.narrative,
        )
    ]


def admit_reversal(state: AccountState, command: ReversePosting) -> None:
    """Refuse a reversal on a closed account, or stated in another currency.

    Whether its target exists is history (the same file may post it first): `decide_reversal`.
    """
    if command.posting_ref in state.postings:
        return
    refuse_when_closed(state, "reverse a posting on")
    if command.currency is not None and command.currency != state.currency:
        raise DomainRejection(
            RejectionCode.CURRENCY_MISMATCH,
            f"a reversal in {command.currency} on account {state.account_no} kept in "
            f"{state.currency}",
        )


def _reversible(state: AccountState, posting_ref: str) -> PostingRecord:
    target = state.postings.get(posting_ref)
    if target is None:
        raise DomainRejection(
            RejectionCode.UNKNOWN_POSTING,
            f"posting {posting_ref} is not known on account {state.account_no}",
        )
    if target.kind is PostingKind.REVERSAL:
        raise DomainRejection(
            RejectionCode.POSTING_NOT_REVERSIBLE, f"{posting_ref} is itself a reversal"
        )
    if target.reversed_by is not None:
        raise DomainRejection(
            RejectionCode.POSTING_ALREADY_REVERSED,
            f"posting {posting_ref} was already reversed by {target.reversed_by}",
        )
    return target


def _ref_conflict(posting_ref: str) -> DomainRejection:
    return DomainRejection(
        RejectionCode.POSTING_REF_CONFLICT,
        f"posting_ref {posting_ref} was already used for a different posting",
    )


def apply_posting(state: AccountState, event: MoneyPosted) -> AccountState:
    amount = event.amount.amount
    return state.with_postings(
        balance=state.balance + signed(event.kind, amount),
        postings=state.postings.with_plain_posting(event.posting_ref, event.kind, amount),
    )


def apply_reversal(state: AccountState, event: PostingReversed) -> AccountState:
    amount = event.amount.amount
    reversal = PostingRecord(PostingKind.REVERSAL, amount, reverses_ref=event.reverses_ref)
    target = replace(state.postings[event.reverses_ref], reversed_by=event.posting_ref)
    postings = state.postings.with_posting(event.reverses_ref, target).with_posting(
        event.posting_ref, reversal
    )
    return replace(
        state, balance=state.balance - signed(event.reversed_kind, amount), postings=postings
    )
