"""Account state to and from JSON-ready dicts, so long account streams need not be replayed.

Compact rows (lists, not objects) because a busy account's postings index is its bulk.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from gateway.domain.account_state import (
    AccountState,
    AccountStatus,
    HoldRecord,
    PostingIndex,
    PostingKind,
    PostingRecord,
)
from gateway.domain.cards import CardRecord, CardStatus
from gateway.domain.errors import IncompatibleSnapshot
from gateway.domain.messages import JsonDict
from gateway.domain.persistent_map import PersistentMap

SNAPSHOT_VERSION = 1
"""Raise when the layout below changes; snapshots of another version are ignored, not read."""


def snapshot(state: AccountState | None) -> JsonDict:
    """`{}` stands for an account never opened."""
    if state is None:
        return {}
    return {
        "account_no": state.account_no,
        "customer_no": state.customer_no,
        "product": state.product,
        "currency": state.currency,
        "opened_on": state.opened_on.isoformat(),
        "branch": state.branch,
        "status": state.status.value,
        "balance": str(state.balance),
        "held": str(state.held),
        "postings": {ref: _posting_row(rec) for ref, rec in state.postings.items()},
        "holds": {hold_id: [str(h.amount), h.released] for hold_id, h in state.holds.items()},
        "cards": {
            card_id: [c.status.value, c.changed_at.isoformat()]
            for card_id, c in state.cards.items()
        },
    }


def _posting_row(record: PostingRecord) -> list[str | None]:
    return [record.kind.value, str(record.amount), record.reverses_ref, record.reversed_by]


def restore(data: JsonDict) -> AccountState | None:
    """The state `snapshot` wrote; raises `IncompatibleSnapshot` when the layout differs."""
    if not data:
        return None
    try:
        return _state(data)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise IncompatibleSnapshot(f"account snapshot does not fit: {exc!r}") from exc


def _state(data: JsonDict) -> AccountState:
    return AccountState(
        account_no=data["account_no"],
        customer_no=data["customer_no"],
        product=sys.intern(data["product"]),
        currency=sys.intern(data["currency"]),
        opened_on=date.fromisoformat(data["opened_on"]),
        branch=sys.intern(data["branch"]),
        status=AccountStatus(data["status"]),
        balance=Decimal(data["balance"]),
        held=Decimal(data["held"]),
        postings=PostingIndex({ref: _posting(row) for ref, row in data["postings"].items()}),
        holds=PersistentMap({key: _hold(row) for key, row in data["holds"].items()}),
        cards=PersistentMap({key: _card(row) for key, row in data["cards"].items()}),
    )


def _posting(row: list[Any]) -> PostingRecord:
    kind, amount, reverses_ref, reversed_by = row
    return PostingRecord(PostingKind(kind), Decimal(amount), reverses_ref, reversed_by)


def _hold(row: list[Any]) -> HoldRecord:
    amount, released = row
    return HoldRecord(Decimal(amount), bool(released))


def _card(row: list[Any]) -> CardRecord:
    status, changed_at = row
    return CardRecord(CardStatus(status), datetime.fromisoformat(changed_at))
