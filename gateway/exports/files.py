"""Files a legacy system reads: written under a temporary name, synced, then renamed into place.

A reader never sees a partial file under its real name; a crash leaves only a hidden
temporary, removed by the next run. The completion marker is renamed in the same way.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"
# Readable by the gateway's user and its group (the legacy system's pickup), never by others;
# created exclusively and never through a link, so a planted link cannot redirect the write.
FILE_MODE = 0o640
EXCLUSIVE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True, slots=True)
class WrittenFile:
    path: Path
    sha256: str
    size_bytes: int


def replace_atomically(folder: Path, name: str, chunks: Iterable[bytes]) -> WrittenFile:
    """Write `chunks` as `folder/name`, replacing any file of that name in one rename."""
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{name}.{os.getpid()}{TEMPORARY_SUFFIX}"
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(_create_exclusively(temporary), "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / name)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(folder)
    return WrittenFile(folder / name, digest.hexdigest(), size)


def _create_exclusively(temporary: Path) -> int:
    """A new file; whatever holds the name (a crashed run's leftover, a link) is removed first.

    Unlinking a link removes the link, never its target.
    """
    try:
        return os.open(temporary, EXCLUSIVE, FILE_MODE)
    except FileExistsError:
        temporary.unlink()
        return os.open(temporary, EXCLUSIVE, FILE_MODE)


def write_marker(folder: Path, name: str) -> Path:
    """An empty marker file, (re)written by rename so a reader watching it sees a new one."""
    return replace_atomically(folder, name, ()).path


def remove_leftovers(folder: Path, name: str) -> list[Path]:
    """Temporaries of `name` that a process killed mid-write left behind."""
    removed = []
    for leftover in folder.glob(f".{name}.*{TEMPORARY_SUFFIX}"):
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable: a power cut must not bring the old name back."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
