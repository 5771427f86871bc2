"""A source's landing folder: which files are complete, and where they go once imported.

Only regular files lying in the folder itself are read: a symbolic link, or a name that
resolves outside the folder, is refused and never opened. A file moves to archive or error
only after its import committed.
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
            if not path.name.endswith(self.config.done_suffix) and self.is_landed_file(path)
        )
        return [path for path in candidates if self._is_complete(path)]

    def is_landed_file(self, path: Path) -> bool:
        """A regular file in the landing folder itself; a link or anything else is refused.

        A link would let whoever can write the landing folder make the gateway read (and show
        in an import's reason) any file the gateway can read.
        """
        problem = landing_problem(self.config.landing, path)
        if problem is not None:
            log.warning("landing %s: %s is refused: %s", self.source.name, path.name, problem)
        return problem is None

    def _is_complete(self, path: Path) -> bool:
        rule = self.config.completeness
        if rule == "done_file":
            marker = self.done_marker(path)
            return not marker.is_symlink() and marker.exists()
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
        """`<name><done_suffix>`; it counts only as a regular file, not as a link."""
        return path.with_name(path.name + self.config.done_suffix)

    def settle(self, path: Path, result: ImportResult, *, name: str | None = None) -> Path:
        """Move the file (and its done marker) to archive or error, named after its import.

        `name` is the file's legacy name when it lies under another (a retried import's file
        in the error folder).
        """
        if not path.exists():  # another upload of the same name was settled first
            return path
        folder = self.error if result.record.status == "failed" else self.archive
        folder.mkdir(parents=True, exist_ok=True)
        prefix = "duplicate-of-" if result.duplicate else ""
        target = folder / f"{prefix}{result.record.id:06d}-{name or path.name}"
        shutil.move(path, target)
        marker = self.done_marker(path)
        if marker.is_symlink() or marker.exists():
            marker.unlink()
        self._sizes.pop(path, None)
        return target


class LandingFolder(LandedFiles):
    """A batch source's landing folder."""

    source: BatchSource

    def __init__(self, source: BatchSource, *, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(source, clock=clock)


def landing_problem(folder: Path, path: Path) -> str | None:
    """Why `path` may not be read as a file landed in `folder`, or None if it may."""
    if path.is_symlink():
        return "a symbolic link, not a file; links are not read"
    if not path.is_file():
        return "not a regular file"
    if path.resolve().parent != folder.resolve():
        return f"resolves outside the landing folder {folder}"
    return None


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
