"""How many event streams may be open at once: in total, and per caller (its token).

Past either cap a new stream is refused with 503 and `Retry-After`, so a client that opens
streams in a loop cannot hold every connection the server has.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

from gateway.api.problems import ProblemError

RETRY_AFTER_SECONDS = 5


@dataclass
class StreamSlots:
    total: int
    per_caller: int
    _open: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, caller: str) -> StreamSlot:
        """A slot for `caller` (a token or "local"), or a 503 problem when none is free."""
        key = hashlib.sha256(caller.encode("utf-8", "surrogateescape")).hexdigest()
        with self._lock:
            if sum(self._open.values()) >= self.total:
                raise _busy(f"the gateway serves {self.total} event streams at most")
            if self._open.get(key, 0) >= self.per_caller:
                raise _busy(f"a caller may hold {self.per_caller} event streams at most")
            self._open[key] = self._open.get(key, 0) + 1
        return StreamSlot(self, key)

    def open_streams(self) -> int:
        with self._lock:
            return sum(self._open.values())

    def _give_back(self, key: str) -> None:
        with self._lock:
            left = self._open.get(key, 0) - 1
            if left > 0:
                self._open[key] = left
            else:
                self._open.pop(key, None)


@dataclass
class StreamSlot:
    slots: StreamSlots
    key: str
    _held: bool = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self.slots._give_back(self.key)


def _busy(detail: str) -> ProblemError:
    return ProblemError(503, detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
