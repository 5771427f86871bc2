"""Property checks over random postings files: the service loop keeps the books exact.

Whatever CBS sends, in any order and with any repeats, the balance sums what was taken.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain.account_state import signed
from gateway.domain.deciders import ACCOUNTS
from gateway.domain.errors import DomainRejection
from gateway.domain.messages import Command, Event
from gateway.domain.postings import (
    ChargeFee,
    CreditInterest,
    DepositFunds,
    PostingCommand,
    ReversePosting,
    WithdrawFunds,
)
from tests.domain.bank import VALUE_DATE, make, open_account, posting

KINDS = [DepositFunds, WithdrawFunds, ChargeFee, CreditInterest]
refs = st.sampled_from([f"TXN{n}" for n in range(8)])
postings = st.builds(
    lambda kind, ref, cents: posting(kind, ref, str(Decimal(cents) / 100)),
    st.sampled_from(KINDS),
    refs,
    st.integers(1, 10_000_000),
)
reversals = st.builds(
    lambda ref, target: make(
        ReversePosting, posting_ref=f"R{ref}", reverses_ref=target, value_date=VALUE_DATE
    ),
    refs,
    refs,
)
files = st.lists(st.one_of(postings, reversals), max_size=40)


def handle(commands: list[Command]) -> tuple[list[Event], list[Command]]:
    """What the command service does: fold, decide, append; rejections are set aside."""
    stream: list[Event] = []
    taken: list[Command] = []
    for command in [open_account(), *commands]:
        try:
            events = ACCOUNTS.decide(ACCOUNTS.replay(stream), command)
        except DomainRejection:
            continue
        stream.extend(events)
        if events:
            taken.append(command)
    return stream, taken


@settings(max_examples=60, deadline=None)
@given(files)
def test_the_balance_is_what_the_taken_postings_add_up_to(commands: list[Command]) -> None:
    stream, taken = handle(commands)
    by_ref = {c.posting_ref: c for c in taken if isinstance(c, PostingCommand)}
    expected = sum(
        (signed(c.kind, c.amount.amount) for c in by_ref.values()), start=Decimal("0.00")
    )
    for command in taken:
        if isinstance(command, ReversePosting):
            target = by_ref[command.reverses_ref]
            expected -= signed(target.kind, target.amount.amount)
    state = ACCOUNTS.replay(stream)
    assert state is not None
    assert state.balance == expected
    assert state.balance == state.balance.quantize(Decimal("0.01"))


@settings(max_examples=60, deadline=None)
@given(files)
def test_every_posting_taken_adds_nothing_when_sent_again(commands: list[Command]) -> None:
    stream, taken = handle(commands)
    state = ACCOUNTS.replay(stream)
    for command in taken:
        assert ACCOUNTS.decide(state, command) == []
