"""An immutable mapping that is cheap to extend, so replaying a long stream stays linear-ish.

Copying a whole dict per event would make replay quadratic in the number of postings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from math import isqrt
from typing import Any, TypeVar, overload

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

_SMALL = 32
_MISSING: object = object()


class PersistentMap(Mapping[K, V]):
    """A base dict plus a small dict of recent entries; neither is ever changed after creation.

    `set` copies only the recent part and folds it into a new base once it outgrows
    sqrt(len(base)), so an update costs O(sqrt n) amortized while old versions stay intact.
    """

    __slots__ = ("_base", "_len", "_recent")

    def __init__(self, items: Mapping[K, V] | None = None) -> None:
        self._base: dict[K, V] = dict(items) if items else {}
        self._recent: dict[K, V] = {}
        self._len = len(self._base)

    def set(self, key: K, value: V) -> PersistentMap[K, V]:
        """A new map with `key` bound to `value`; this one is left as it was."""
        recent = {**self._recent, key: value}
        length = self._len if key in self else self._len + 1
        if len(recent) > max(_SMALL, isqrt(len(self._base))):
            return _assemble({**self._base, **recent}, {}, length)
        return _assemble(self._base, recent, length)

    def __getitem__(self, key: K) -> V:
        if key in self._recent:
            return self._recent[key]
        return self._base[key]

    @overload
    def get(self, key: K, /) -> V | None: ...

    @overload
    def get(self, key: K, default: V | T, /) -> V | T: ...

    def get(self, key: K, default: object = None, /) -> object:
        """Without `Mapping.get`'s raise-and-catch of KeyError: deciders look up every posting."""
        found = self._recent.get(key, _MISSING)
        if found is _MISSING:
            found = self._base.get(key, _MISSING)
        return default if found is _MISSING else found

    def __contains__(self, key: object) -> bool:
        return key in self._recent or key in self._base

    def __iter__(self) -> Iterator[K]:
        yield from (key for key in self._base if key not in self._recent)
        yield from self._recent

    def __len__(self) -> int:
        return self._len

    def __repr__(self) -> str:
        return f"PersistentMap({dict(self)!r})"


def _assemble(base: dict[K, V], recent: dict[K, V], length: int) -> PersistentMap[K, V]:
    new: PersistentMap[K, V] = PersistentMap.__new__(PersistentMap)
    new._base, new._recent, new._len = base, recent, length
    return new


_EMPTY: PersistentMap[Any, Any] = PersistentMap()


def empty_map() -> PersistentMap[Any, Any]:
    """The one empty map: maps never change, so every state without entries can share it
    (an account cache of 20,000 states saves three maps each)."""
    return _EMPTY
