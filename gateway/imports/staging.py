"""One read of a landed file feeds its digest, pass 1 and the gateway's own copy of its bytes.

Pass 2 reads that copy, which no other process writes: the content checked is the content
applied. Links are never followed; a landed file that changed after the read is refused.
"""

from __future__ import annotations

import hashlib
import os
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from gateway.errors import LandingRefused

BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """What says a file is still the one read: device, inode, size and modification time."""

    device: int
    inode: int
    size: int
    modified_ns: int

    @classmethod
    def of(cls, status: os.stat_result) -> FileIdentity:
        return cls(status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


def open_regular(path: Path) -> int:
    """A read-only descriptor of `path`, refusing a symbolic link or anything but a file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if os.path.islink(path):
            raise LandingRefused(path, "a symbolic link, not a file; links are not read") from None
        raise LandingRefused(path, f"cannot be opened: {exc.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LandingRefused(path, "not a regular file")
    return fd


class StagingRead:
    """A binary stream over a landed file that hashes and copies every byte it hands out.

    The adapter's pass 1 reads it like any file; whatever pass 1 leaves unread is drained by
    `finish`, so the digest and the copy always cover the whole file as it was read.
    """

    def __init__(self, path: Path, staging: Path, *, name_key: str = "") -> None:
        self.path = path
        self.name_key = name_key
        self._fd = open_regular(path)
        staging.mkdir(parents=True, exist_ok=True)
        self.copy_path = staging / f".reading-{uuid.uuid4().hex}-{path.name}"
        self._copy: BinaryIO = self.copy_path.open("xb")
        self._digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1, /) -> bytes:
        block = os.read(self._fd, size if size > 0 else BLOCK)
        if block:
            self._digest.update(block)
            self._copy.write(block)
            self.size += len(block)
        return block

    def finish(self) -> StagedFile:
        """Read what is left, close both files, and say what was read."""
        while self.read(BLOCK):
            pass
        read_as = FileIdentity.of(os.fstat(self._fd))
        self.close()
        digest = self._digest.copy()
        if self.name_key:
            digest.update(b"\x00name:" + self.name_key.encode())
        return StagedFile(self.path, self.copy_path, digest.hexdigest(), self.size, read_as)

    def close(self) -> None:
        if not self._copy.closed:
            self._copy.close()
            os.close(self._fd)

    def discard(self) -> None:
        self.close()
        self.copy_path.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class StagedFile:
    """A landed file as read once: its digest and size, and the gateway's copy of its bytes."""

    origin: Path
    copy: Path
    sha256: str
    size: int
    read_as: FileIdentity  # the landed file when its last byte had been read

    def change(self) -> str | None:
        """Why the landed file is no longer the content read, or None while it is."""
        try:
            now = FileIdentity.of(os.lstat(self.origin))
        except FileNotFoundError:
            return None  # settled by another process; the copy is what was claimed
        if now.size != self.size:
            return (
                f"the file changed after its claim: {self.size} bytes were read and claimed, "
                f"it now has {now.size}; nothing of it was applied"
            )
        if now != self.read_as:
            return "the file changed after its claim (rewritten in place); nothing was applied"
        return None

    def keep_as(self, name: str) -> StagedFile:
        """The copy renamed for its import (`<import id>-<name>`), for pass 2 and a retry."""
        target = self.copy.with_name(name)
        self.copy.replace(target)
        return StagedFile(self.origin, target, self.sha256, self.size, self.read_as)

    def discard(self) -> None:
        self.copy.unlink(missing_ok=True)


def digest_of(path: Path, *, name_key: str = "") -> tuple[str, int]:
    """SHA-256 of a file's content (then of `name_key`) and its size, links refused."""
    fd = open_regular(path)
    digest, size = hashlib.sha256(), 0
    try:
        while block := os.read(fd, BLOCK):
            digest.update(block)
            size += len(block)
    finally:
        os.close(fd)
    if name_key:
        digest.update(b"\x00name:" + name_key.encode())
    return digest.hexdigest(), size
