"""A source's landing folder: which files are complete, and where they go once imported.

A file moves to archive or error only after its import committed.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol

from gateway.config import LandedFilesConfig
from gateway.imports.engine import BatchSource, ImportEngine, ImportResult, Progress
from gateway.store.writes import utc_now

log = logging.getLogger(__name__)


class LandedSource(Protocol):
    """A source whose files land in a folder: batch imports, and files that are only compared."""

    @property
    def name(self) -> str: ...

    @property
    def config(self) -> LandedFilesConfig: ...


class LandedFiles:
    """Finds complete files by the source's rule: done file, rename-in, or stable age."""

    def __init__(self, source: LandedSource, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.source = source
        self.config = source.config
        self.clock = clock
        self._sizes: dict[Path, int] = {}

    @property
    def archive(self) -> Path:
        return self.config.archive or Path("var/archive") / self.source.name

    @property
    def error(self) -> Path:
        return self.config.error or Path("var/error") / self.source.name

    def complete_files(self) -> list[Path]:
        if not self.config.landing.is_dir():
            return []
        candidates = sorted(
            path
            for path in self.config.landing.glob(self.config.pattern)
            if path.is_file() and not path.name.endswith(self.config.done_suffix)
        )
        return [path for path in candidates if self._is_complete(path)]

    def _is_complete(self, path: Path) -> bool:
        rule = self.config.completeness
        if rule == "done_file":
            return self.done_marker(path).exists()
        if rule == "rename_in":  # writers use a name outside the pattern until they are done
            return True
        return self._is_stable(path)

    def _is_stable(self, path: Path) -> bool:
        """Old enough, and the same size as at the previous look: nobody is writing it."""
        stat = path.stat()
        seen, self._sizes[path] = self._sizes.get(path), stat.st_size
        age = self.clock().timestamp() - stat.st_mtime
        return seen == stat.st_size and age >= self.config.min_age_seconds

    def done_marker(self, path: Path) -> Path:
        return path.with_name(path.name + self.config.done_suffix)

    def settle(self, path: Path, result: ImportResult) -> Path:
        """Move the file (and its done marker) to archive or error, named after its import."""
        if not path.exists():  # another upload of the same name was settled first
            return path
        folder = self.error if result.record.status == "failed" else self.archive
        folder.mkdir(parents=True, exist_ok=True)
        prefix = "duplicate-of-" if result.duplicate else ""
        target = folder / f"{prefix}{result.record.id:06d}-{path.name}"
        shutil.move(path, target)
        marker = self.done_marker(path)
        if marker.exists():
            marker.unlink()
        self._sizes.pop(path, None)
        return target


class LandingFolder(LandedFiles):
    """A batch source's landing folder."""

    source: BatchSource

    def __init__(self, source: BatchSource, *, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(source, clock=clock)


def import_landed(
    engine: ImportEngine, landing: LandingFolder, *, progress: Progress | None = None
) -> list[ImportResult]:
    """Import every complete file in the landing folder, oldest name first."""
    results = []
    for path in landing.complete_files():
        result = engine.import_file(landing.source, path, progress=progress)
        if result.record.status == "running":
            log.info("%s is being imported by %s", path.name, result.record.lease_owner)
            continue
        landing.settle(path, result)
        results.append(result)
    return results
