"""One poll cycle of one legacy REST API: fetch pages, decide, and move the cursor.

Each page's commands, quarantined items and cursor commit in one transaction, so a crash
between pages loses nothing and a page seen again adds nothing.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson
from prometheus_client import Counter
from pydantic import ValidationError

from gateway.commands import BatchOutcome, CommandBus, Envelope
from gateway.config import PollSourceConfig
from gateway.errors import PollError, PollUnauthorized, StoreError
from gateway.polling.port import PollAdapter, PolledItem, PolledPage
from gateway.polling.status import SourceStatusBook
from gateway.store.writes import StoreTransaction

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)
POLLED = Counter("gateway_polled_items_total", "Polled items, by outcome", ["source", "outcome"])
ALERTS = Counter("gateway_poll_alerts_total", "Polls halted for an operator", ["source"])


def command_id_for(source: str, key: str) -> uuid.UUID:
    """An item seen again, on any page or in any cycle, is the same command."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"gateway:poll/{source}/{key}")


@dataclass(slots=True)
class PollReport:
    """What one cycle did; `error` is set when it stopped early."""

    source: str
    pages: int = 0
    received: int = 0
    applied: int = 0
    duplicates: int = 0
    quarantined: int = 0
    cursor: str | None = None
    error: str | None = None
    halted: bool = False


@dataclass(frozen=True)
class Connection:
    """Where and how to reach the API; `transport` lets tests talk to a local fake."""

    base_url: str
    token: str
    transport: httpx.BaseTransport | None = None


class SourcePoller:
    def __init__(
        self,
        name: str,
        config: PollSourceConfig,
        adapter: PollAdapter,
        connection: Connection,
        *,
        bus: CommandBus,
        status: SourceStatusBook,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.config = config
        self.adapter = adapter
        self.connection = connection
        self.bus = bus
        self.status = status
        self.sleep = sleep

    def poll_once(self, *, scheduled: bool = False) -> PollReport:
        """Fetch and apply pages until the API has no more (or `max_pages`).

        A scheduled run skips a source halted by a 401; a manual run tries it, and a success
        lifts the halt.
        """
        known = self.status.read(self.name)
        report = PollReport(self.name, cursor=known.cursor if known else None)
        if scheduled and known is not None and known.halted_at is not None:
            log.warning("poll source %s is halted since %s; skipped", self.name, known.halted_at)
            report.halted = True
            return report
        try:
            with self._client() as client:
                self._pages(client, report)
        except PollUnauthorized as exc:
            self._fail(report, str(exc), halt=True)
        except (PollError, StoreError) as exc:
            self._fail(report, str(exc), halt=False)
        return report

    def _pages(self, client: httpx.Client, report: PollReport) -> None:
        for number in range(self.config.max_pages):
            page = self._fetch(client, report.cursor, first=number == 0)
            report.pages += 1
            report.cursor = self._apply(page, report)
            if not page.has_more:
                return
        log.info("poll source %s: %d pages this cycle, the rest next time", self.name, report.pages)

    def _fetch(self, client: httpx.Client, cursor: str | None, *, first: bool) -> PolledPage:
        request = self.adapter.request(
            cursor=cursor,
            page_size=self.config.page_size,
            lookback_seconds=self.config.lookback_seconds if first else 0,
        )
        from gateway.polling.client import fetch_json, retrying  # httpx: see `_client`

        for attempt in retrying(attempts=self.config.max_attempts, sleep=self.sleep):
            with attempt:
                body = fetch_json(client, request)
        return self.adapter.read_page(body)

    def _apply(self, page: PolledPage, report: PollReport) -> str | None:
        """Decide the page's new items and commit them with the quarantine and the cursor."""
        envelopes, invalid = self._translate(page.items)
        cursor = page.next_cursor or report.cursor

        def within(tx: StoreTransaction, outcome: BatchOutcome) -> None:
            rejected = [
                (r.source_ref or "", r.code or "", r.reason or "") for r in outcome.rejected
            ]
            self._quarantine(tx, page, [*invalid, *rejected], outcome)
            self.status.save_cursor(tx, self.name, cursor)

        outcome = self.bus.handle_batch(envelopes, within=within)
        self._count(report, page, outcome, invalid=len(invalid))
        return cursor

    def _translate(
        self, items: list[PolledItem]
    ) -> tuple[list[Envelope], list[tuple[str, str, str]]]:
        envelopes: list[Envelope] = []
        invalid: list[tuple[str, str, str]] = []
        for item in items:
            try:
                command = self.adapter.translate(
                    item, command_id=command_id_for(self.name, item.key)
                )
            except ValidationError as exc:
                reason = "; ".join(
                    f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
                )
                invalid.append((item.key, "invalid_item", reason))
                continue
            envelopes.append(Envelope(command, source=self.name, source_ref=item.key))
        return envelopes, invalid

    def _quarantine(
        self,
        tx: StoreTransaction,
        page: PolledPage,
        rejects: list[tuple[str, str, str]],
        outcome: BatchOutcome,
    ) -> None:
        payloads = {item.key: item.payload for item in page.items}
        commands = {r.source_ref: r.command_id for r in outcome.rejected}
        rows = [
            (self.name, key, orjson.dumps(payloads.get(key, {})), code, reason,
             commands.get(key), tx.recorded_at)
            for key, code, reason in rejects
        ]  # fmt: skip
        if rows:
            tx.connection.exec_driver_sql(
                tx.store.sql(
                    "INSERT INTO poll_rejects (source, item_key, payload, code, reason, "
                    "command_id, recorded_at) VALUES (?,?,?,?,?,?,?) "
                    "ON CONFLICT (source, item_key) DO NOTHING"
                ),
                rows,
            )

    def _count(
        self, report: PollReport, page: PolledPage, outcome: BatchOutcome, *, invalid: int
    ) -> None:
        quarantined = invalid + len(outcome.rejected)
        duplicates = len(page.items) - invalid - len(outcome.records)
        report.received += len(page.items)
        report.applied += outcome.accepted
        report.quarantined += quarantined
        report.duplicates += duplicates
        for outcome_name, count in (
            ("applied", outcome.accepted), ("quarantined", quarantined),
            ("duplicate", duplicates),
        ):  # fmt: skip
            POLLED.labels(self.name, outcome_name).inc(count)

    def _client(self) -> httpx.Client:
        # httpx (4.5 MB resident) loads with the first poll: a gateway without poll sources
        # never carries it.
        import httpx

        return httpx.Client(
            base_url=self.connection.base_url,
            headers={"Authorization": f"Bearer {self.connection.token}"},
            timeout=self.config.timeout_seconds,
            transport=self.connection.transport,
        )

    def _fail(self, report: PollReport, error: str, *, halt: bool) -> None:
        report.error = error
        report.halted = halt
        if halt:
            ALERTS.labels(self.name).inc()
            log.error(
                "ALERT: poll source %s halted until a manual poll succeeds: %s", self.name, error
            )
        else:
            log.warning("poll of %s stopped after %d pages: %s", self.name, report.pages, error)
        try:
            self.status.record_error(self.name, "poll", error, halt=halt)
        except StoreError as exc:
            log.warning("could not record the error of source %s: %s", self.name, exc)
