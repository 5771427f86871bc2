"""The command bus's cache of stream states, so a busy stream is not replayed for each command.

Bounded twice: in streams, and in the items their states hold (an account's postings, ...).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

STATE_CACHE_ITEMS = 150_000
"""What the cached states may weigh together: about 16 MB, whatever their mix.

An account's state keeps every posting_ref it has seen, so a bound in streams alone lets the
cache grow with the accounts' history; this one keeps a process's memory flat."""

STREAM_WEIGHT = 10
"""What a stream's state weighs before its items: an account's own fields, maps and cache
entry take about what ten postings in its index do (some 1.1 KB against 110 bytes each)."""


@dataclass(slots=True)
class StreamState:
    """A decider's state of one stream, at `version`, as last read or written by this process."""

    version: int
    state: Any
    snapshot_version: int = 0


class StateCache:
    """An LRU of stream states; a stale entry only costs a conflict and a fresh read.

    Each entry weighs `STREAM_WEIGHT` plus the items its decider counts in the state; the
    least recently used entries go while there are more than `size` streams or a weight over
    `items` in all, but the newest entry always stays (a stream heavier than the whole budget
    is still worth keeping while it is being written to).
    """

    def __init__(self, size: int, *, items: int = STATE_CACHE_ITEMS) -> None:
        self._size = size
        self._items = items
        self._held = 0
        self._entries: OrderedDict[str, tuple[StreamState, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def items(self) -> int:
        """What the cached states weigh together (see `STREAM_WEIGHT`)."""
        return self._held

    def get(self, stream_id: str) -> StreamState | None:
        with self._lock:
            entry = self._entries.get(stream_id)
            if entry is None:
                return None
            self._entries.move_to_end(stream_id)
            return entry[0]

    def put(self, stream_id: str, entry: StreamState, *, weight: int = 0) -> None:
        """Keep `entry`, whose state holds `weight` items besides itself."""
        with self._lock:
            if self._size <= 0:
                return
            self._drop(stream_id)
            self._entries[stream_id] = (entry, STREAM_WEIGHT + weight)
            self._held += STREAM_WEIGHT + weight
            while len(self._entries) > 1 and (
                len(self._entries) > self._size or self._held > self._items
            ):
                self._drop(next(iter(self._entries)))

    def forget(self, stream_ids: Iterable[str]) -> None:
        with self._lock:
            for stream_id in stream_ids:
                self._drop(stream_id)

    def _drop(self, stream_id: str) -> None:
        dropped = self._entries.pop(stream_id, None)
        if dropped is not None:
            self._held -= dropped[1]
