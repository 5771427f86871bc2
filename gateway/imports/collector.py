"""Fewer garbage collections while a file streams through an import.

An import allocates a dozen short-lived objects a record, none of them in reference cycles.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

OLDER_WAIT = 1_000_000_000  # young collections before an older one: not during an import


class CollectorPause:
    """Raises the cyclic collector's young-generation threshold while any import runs.

    At the default threshold (700 allocations) the collector runs every few dozen records and
    costs a quarter of an import's CPU. Collection still happens, every `young` allocations;
    nested or concurrent imports share one raise, and the last one out restores the thresholds.

    The older generations wait until then: pass 1 keeps a run of 20,000 records and the state
    cache 20,000 accounts, and every tenth young collection walked all of them again to free
    nothing (66 such collections and 2 full ones in an import of 300,000 postings, 0.55 s of
    its 32 s, measured).
    """

    def __init__(self, young: int = 50_000) -> None:
        self.young = young
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: tuple[int, int, int] = gc.get_threshold()

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._saved = gc.get_threshold()
                gc.set_threshold(max(self.young, self._saved[0]), OLDER_WAIT, OLDER_WAIT)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    gc.set_threshold(*self._saved)


fewer_collections = CollectorPause()
