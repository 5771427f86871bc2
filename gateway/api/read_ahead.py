"""Feed pages read ahead: the page after a full one is read while that one is on its way.

A consumer catching up asks for the page its `Link` names as soon as it has read one, so the
gateway reads that page meanwhile, on another thread: the database's part of a page then
overlaps the network's and the consumer's. Only the successor of a full page is read ahead:
all its positions exist (they are gap-free), and stored events never change, so it is the page
the consumer will be answered either way; a page at the feed's head is never held. At most
`pages` are held, each for `seconds`: past that no page is read ahead (none is thrown away
unused while its consumer still comes), and one that waited too long is read again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from gateway.store.feed_pages import feed_page
from gateway.store.sql import SqlEventStore

Page = tuple[bytes, int]
"""A feed page's body and its last position."""


class ReadAhead:
    """`feed_page` for the lean lane, with the next page read ahead after each full one."""

    def __init__(
        self, store: SqlEventStore, *, pages: int, seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.store = store
        self.pages = pages
        self.seconds = seconds
        self.clock = clock
        self._held: dict[tuple[int, int], tuple[float, asyncio.Future[Page]]] = {}

    @property
    def held(self) -> int:
        """Pages read ahead (or being read) and not yet asked for."""
        return len(self._held)

    async def page(self, after: int, limit: int) -> Page:
        """The events after `after`, `limit` at most, as `feed_page` reads them now."""
        page = await self._held_page(after, limit) or await self._read(after, limit)
        if page[1] == after + limit:  # a full page: positions have no gaps
            self._read_next(page[1], limit)
        return page

    async def _held_page(self, after: int, limit: int) -> Page | None:
        held = self._held.pop((after, limit), None)
        if held is None:
            return None
        if self.clock() - held[0] > self.seconds:
            held[1].add_done_callback(_forget)
            return None
        with contextlib.suppress(Exception):  # read again, and answer that read's error
            page = await held[1]
            if page[1] == after + limit:  # not the head's: that is read when asked for
                return page
        return None

    def _read_next(self, after: int, limit: int) -> None:
        now = self.clock()
        for key, (since, _) in list(self._held.items()):
            if now - since > self.seconds:  # its consumer went away
                _, unused = self._held.pop(key)
                unused.add_done_callback(_forget)
        if len(self._held) < self.pages and (after, limit) not in self._held:
            task = asyncio.get_running_loop().create_task(self._read(after, limit))
            self._held[(after, limit)] = (now, task)

    async def _read(self, after: int, limit: int) -> Page:
        return await run_in_threadpool(feed_page, self.store, after=after, limit=limit)


def _forget(future: asyncio.Future[Page]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved: a page nobody asked for fails nobody
