"""While an import runs, the collector walks only the young generation."""

from __future__ import annotations

import gc
from typing import Any

from gateway.imports.collector import CollectorPause


def test_only_young_collections_while_an_import_runs_and_the_thresholds_come_back() -> None:
    before = gc.get_threshold()
    collected: list[int] = []

    def seen(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop":
            collected.append(info["generation"])

    pause = CollectorPause(young=1_000)
    gc.callbacks.append(seen)
    try:
        with pause(), pause():  # two imports at once share one pause
            kept = [[n] for n in range(100_000)]  # survivors, as pass 1's run of records
            during = gc.get_threshold()
    finally:
        gc.callbacks.remove(seen)
    assert len(kept) == 100_000
    assert during[0] == max(1_000, before[0])
    assert collected.count(0) >= 50  # young collections go on
    assert set(collected) == {0}  # nothing older walks the records kept
    assert gc.get_threshold() == before
