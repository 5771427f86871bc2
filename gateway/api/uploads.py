"""An uploaded file landed in a batch source's folder: capped, streamed to disk off the loop.

The body goes to a hidden temporary file (created exclusively, never through a link, readable
by the gateway's user only) and is then linked in under its legacy name, which fails rather
than replace a file of that name: a landed file is never lost to an upload.
"""

from __future__ import annotations

import os
import uuid
from contextlib import suppress
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from gateway.api.problems import ProblemError

PRIVATE_FILE = 0o600
EXCLUSIVE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def exclusive_file(path: Path) -> int:
    """A new file's descriptor; raises `FileExistsError` if anything, a link too, is there."""
    return os.open(path, EXCLUSIVE, PRIVATE_FILE)


class PartialUpload:
    """The body so far, under a temporary name in the landing folder."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f".upload-{uuid.uuid4().hex}"
        self.stream = os.fdopen(exclusive_file(self.path), "wb")
        self.size = 0

    def write(self, block: bytes) -> None:
        self.stream.write(block)
        self.size += len(block)

    def land(self, target: Path) -> None:
        """Give the file its name; `FileExistsError` if that name is taken (nothing moves)."""
        self.stream.close()
        try:
            os.link(self.path, target, follow_symlinks=False)
        finally:
            self.path.unlink(missing_ok=True)

    def discard(self) -> None:
        self.stream.close()
        self.path.unlink(missing_ok=True)


async def land_upload(
    request: Request, *, folder: Path, name: str, limit: int, done_suffix: str | None
) -> Path:
    """The request's body as `folder/name` (and its done marker): 409 if taken, 413 past `limit`."""
    target = folder / name
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    if await run_in_threadpool(os.path.lexists, target):
        raise _taken(name)
    partial = await run_in_threadpool(PartialUpload, folder)
    try:
        async for block in request.stream():
            if partial.size + len(block) > limit:
                raise _too_large(limit)
            await run_in_threadpool(partial.write, block)
        await run_in_threadpool(partial.land, target)
    except FileExistsError:
        raise _taken(name) from None
    except ClientDisconnect:
        raise ProblemError(400, "the upload was cut short: the caller went away") from None
    finally:
        await run_in_threadpool(partial.discard)
    if done_suffix is not None:
        await run_in_threadpool(_mark_done, target.with_name(name + done_suffix))
    return target


def _mark_done(marker: Path) -> None:
    with suppress(FileExistsError):  # an empty marker of an earlier drop marks this file too
        os.close(exclusive_file(marker))


def _taken(name: str) -> ProblemError:
    return ProblemError(409, f"a file named {name!r} is already in the landing folder; "
                        "upload it under another name once that one is imported")  # fmt: skip


def _too_large(limit: int) -> ProblemError:
    return ProblemError(413, f"the upload exceeds http.max_upload_bytes ({limit} bytes)")
