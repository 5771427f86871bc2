"""One read of a landed file feeds its digest and pass 1, whose spool pass 2 applies.

The spool lies in the source's staging folder, which no legacy system writes: the content
checked is the content applied. Links are never followed; a file changed after the read is
refused.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

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
    """A binary stream over a landed file that hashes every byte it hands out.

    The adapter's pass 1 reads it like any file; whatever pass 1 leaves unread is drained by
    `finish`, so the digest always covers the whole file as it was read. (Pass 2 applies pass
    1's spool, not the bytes again: no copy of them is kept.)
    """

    def __init__(self, path: Path, *, name_key: str = "") -> None:
        self.path = path
        self.name_key = name_key
        self._fd = open_regular(path)
        self._open = True
        self._digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1, /) -> bytes:
        block = os.read(self._fd, size if size > 0 else BLOCK)
        if block:
            self._digest.update(block)
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
        return StagedFile(self.path, digest.hexdigest(), self.size, read_as)

    def close(self) -> None:
        if self._open:
            self._open = False
            os.close(self._fd)


@dataclass(frozen=True, slots=True)
class StagedFile:
    """A landed file as read once: its digest and size, and what it was when read."""

    origin: Path
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
