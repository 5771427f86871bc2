"""Every posting_ref an account has seen, kept compact: a busy account's postings are its bulk.

A plain posting (never reversed, not a reversal) is held as one int, its cents and its kind.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact
from enum import StrEnum

from gateway.domain.persistent_map import PersistentMap, empty_map


class PostingKind(StrEnum):
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"
    FEE = "FEE"
    INTEREST = "INTEREST"
    REVERSAL = "REVERSAL"


@dataclass(frozen=True, slots=True)
class PostingRecord:
    """One posting_ref seen on the account; a reversal names the posting it reverses."""

    kind: PostingKind
    amount: Decimal
    reverses_ref: str | None = None
    reversed_by: str | None = None


# The kinds a plain posting can have, by the code in the low bits of its packed int.
_PLAIN_KINDS = (PostingKind.DEPOSIT, PostingKind.WITHDRAWAL, PostingKind.FEE, PostingKind.INTEREST)
_KIND_CODES = {kind: code for code, kind in enumerate(_PLAIN_KINDS)}
_KIND_BITS = 4
_MAX_CENTS = 10**18  # far inside Decimal's 28 digits: unpacking is exact
_HUNDRED = Decimal(100)
_EXACT = Context(traps=[Inexact])


def _packed(record: PostingRecord) -> PostingRecord | int:
    """A plain posting as its packed int (see `_plain`); any other record as it is."""
    if record.reverses_ref is None and record.reversed_by is None:
        packed = _plain(record.kind, record.amount)
        if packed is not None:
            return packed
    return record


def _plain(kind: PostingKind, amount: Decimal) -> int | None:
    """`cents * 4 + kind` for a posting of whole cents, else None.

    An int is 28 bytes where a record and its Decimal take about 170, a third of an account's
    whole state cache entry. Posted amounts are `Money`'s, always in cents, so the amount
    unpacks with its two places as it was.
    """
    code = _KIND_CODES.get(kind)
    if code is None:
        return None
    try:
        scaled = _EXACT.multiply(amount, _HUNDRED)
        cents = int(scaled)
    except (ArithmeticError, ValueError):  # rounded, NaN, infinity: kept as they are
        return None
    if cents != scaled or not -_MAX_CENTS < cents < _MAX_CENTS:
        return None
    return cents * _KIND_BITS + code


def _unpacked(entry: PostingRecord | int) -> PostingRecord:
    if isinstance(entry, int):
        cents, code = divmod(entry, _KIND_BITS)
        return PostingRecord(_PLAIN_KINDS[code], Decimal(cents).scaleb(-2))
    return entry


class PostingIndex(Mapping[str, PostingRecord]):
    """An immutable map of posting_ref to `PostingRecord`; `with_posting` gives a new one."""

    __slots__ = ("_entries",)

    def __init__(self, records: Mapping[str, PostingRecord] | None = None) -> None:
        packed = {ref: _packed(record) for ref, record in (records or {}).items()}
        self._entries: PersistentMap[str, PostingRecord | int] = (
            PersistentMap(packed) if packed else empty_map()
        )

    def with_posting(self, posting_ref: str, record: PostingRecord) -> PostingIndex:
        """A new index with `posting_ref` bound to `record`; this one is left as it was."""
        index: PostingIndex = PostingIndex.__new__(PostingIndex)
        index._entries = self._entries.set(posting_ref, _packed(record))
        return index

    def with_plain_posting(
        self, posting_ref: str, kind: PostingKind, amount: Decimal
    ) -> PostingIndex:
        """`with_posting(posting_ref, PostingRecord(kind, amount))`, without the record between:
        every posting of a file import takes this step."""
        packed = _plain(kind, amount)
        index: PostingIndex = PostingIndex.__new__(PostingIndex)
        entry = PostingRecord(kind, amount) if packed is None else packed
        index._entries = self._entries.set(posting_ref, entry)
        return index

    def get(  # type: ignore[override]
        self, posting_ref: str, default: PostingRecord | None = None, /
    ) -> PostingRecord | None:
        """The record of `posting_ref`, or `default`; deciders ask this of every posting."""
        entry = self._entries.get(posting_ref)
        return default if entry is None else _unpacked(entry)

    def __getitem__(self, posting_ref: str) -> PostingRecord:
        return _unpacked(self._entries[posting_ref])

    def __contains__(self, posting_ref: object) -> bool:
        return posting_ref in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"PostingIndex({dict(self.items())!r})"


_EMPTY = PostingIndex()


def empty_index() -> PostingIndex:
    """The one empty index: indexes never change, so every new account can share it."""
    return _EMPTY
