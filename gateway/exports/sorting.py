"""An external merge sort of a run's file records: sorted chunks spilled to disk, then merged.

A night of a million movements sorts in the memory of one chunk; a small day never touches disk.
"""

from __future__ import annotations

import heapq
import marshal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

# (business day, sort key, position, signed amount in minor units, record, problem)
Item = tuple[str, str, int, int, bytes | None, str | None]
FRAME = 2_000


class ExternalSort:
    """Add items in any order; `merged()` yields them in order. A context manager: the spilled
    chunks live in a private temporary folder, removed on exit."""

    def __init__(self, *, chunk: int = 100_000) -> None:
        self.chunk = chunk
        self.items: list[Item] = []
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._runs: list[Path] = []

    def __enter__(self) -> ExternalSort:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:  # fmt: skip
        if self._folder is not None:
            self._folder.cleanup()

    def add(self, item: Item) -> None:
        self.items.append(item)
        if len(self.items) >= self.chunk:
            self._spill()

    def merged(self) -> Iterator[Item]:
        self.items.sort()
        if not self._runs:
            return iter(self.items)
        return heapq.merge(self.items, *(_read(run) for run in self._runs))

    def _spill(self) -> None:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="gateway-export-")
        self.items.sort()
        run = Path(self._folder.name) / f"run-{len(self._runs):04d}"
        with open(run, "wb") as out:
            for start in range(0, len(self.items), FRAME):
                marshal.dump(self.items[start : start + FRAME], out)
        self._runs.append(run)
        self.items = []


def _read(run: Path) -> Iterator[Item]:
    with open(run, "rb") as source:
        yield from _frames(source)


def _frames(source: BinaryIO) -> Iterator[Item]:
    while True:
        try:
            frame: list[Item] = marshal.load(source)
        except EOFError:
            return
        yield from frame
