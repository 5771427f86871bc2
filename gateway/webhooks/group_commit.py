"""Group commit: webhook commands that arrive together are decided and committed together.

SQLite has one writer, so a transaction per request makes concurrent callers queue for it and
a thread per caller makes them fight over the interpreter. Here callers wait on the event loop;
one worker thread commits every command waiting at that moment in one transaction, then the
next group. No caller is answered before its own command is committed.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import NamedTuple

from prometheus_client import Histogram
from starlette.concurrency import run_in_threadpool

from gateway.commands import CommandBus, Envelope
from gateway.errors import StoreError
from gateway.store.port import CommandRecord

MAX_GROUP = 256
GROUP_SIZES = Histogram(
    "gateway_webhook_group_size",
    "Webhook commands committed together in one transaction",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)


class Committed(NamedTuple):
    """A command's record, and whether this very command wrote it (or found it recorded)."""

    record: CommandRecord
    written: bool


class GroupCommitter:
    """Used from one event loop (the HTTP server's)."""

    def __init__(self, bus: CommandBus, *, max_group: int = MAX_GROUP) -> None:
        self.bus = bus
        self.max_group = max_group
        self._waiting: list[tuple[Envelope, asyncio.Future[Committed]]] = []
        self._committing: asyncio.Task[None] | None = None

    async def handle(self, envelope: Envelope) -> Committed:
        """The command's record, once it (and whatever it was grouped with) is committed."""
        future: asyncio.Future[Committed] = asyncio.get_running_loop().create_future()
        self._waiting.append((envelope, future))
        if self._committing is None:
            self._committing = asyncio.create_task(self._commit_groups())
        return await future

    async def _commit_groups(self) -> None:
        try:
            while self._waiting:
                group = self._waiting[: self.max_group]
                del self._waiting[: self.max_group]
                GROUP_SIZES.observe(len(group))
                try:
                    records = await run_in_threadpool(self.commit, [e for e, _ in group])
                except Exception as exc:  # every caller of the group hears of the failure
                    for _, future in group:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), record in zip(group, records, strict=True):
                    if not future.done():
                        future.set_result(record)
        finally:
            self._committing = None

    def commit(self, envelopes: list[Envelope]) -> list[Committed]:
        """One transaction for the group; each command's record, in the group's order.

        A record is `written` by the first of the group's envelopes with its id, if new.
        """
        stamps: list[str] = []
        outcome = self.bus.handle_batch(
            envelopes, within=lambda tx, _: stamps.append(tx.recorded_at), fingerprints=True
        )
        at = stamps[-1] if stamps else ""
        # Accepted records carry their time already; a copy each would cost more than the rest.
        new = {
            r.command_id: r if r.recorded_at else replace(r, recorded_at=at)
            for r in outcome.records
        }
        committed: list[Committed] = []
        claimed: set[str] = set()  # a copy later in the group found the first's record
        for envelope in envelopes:
            command_id = str(envelope.command.command_id)
            record = new.get(command_id)
            written = record is not None and command_id not in claimed
            claimed.add(command_id)
            record = record or self.bus.store.get_command(command_id)
            if record is None:
                raise StoreError(f"command {command_id} was not recorded")
            committed.append(Committed(record, written))
        return committed
