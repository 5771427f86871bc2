"""The webhook engine: authenticate, parse, translate, decide and answer one legacy call.

It knows no legacy system; the source's adapter names the message and builds the command.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from opentelemetry.trace import SpanKind
from prometheus_client import Counter
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from gateway.commands import CommandBus, Envelope, fingerprint
from gateway.domain.messages import Command
from gateway.errors import (
    InboundRefused,
    InvalidPayload,
    PayloadTooLarge,
    SourceDisabled,
    StoreError,
    UnknownSource,
)
from gateway.polling.status import SourceStatusBook
from gateway.tracing import span
from gateway.webhooks.bodies import body_kind, parse_body
from gateway.webhooks.group_commit import GroupCommitter
from gateway.webhooks.limits import InFlightKeys, RefusalNotes
from gateway.webhooks.port import InboundMessage, WebhookReply
from gateway.webhooks.replies import record_reply, refusal_problem
from gateway.webhooks.sources import WebhookSource

log = logging.getLogger(__name__)
WEBHOOKS = Counter("gateway_webhooks_total", "Webhook calls answered", ["source", "status"])
MAX_KEY_LENGTH = 255
# Refusals worth an operator's eye in `gateway sources list`; a 404 names no real source.
RECORDED_STATUSES = {400, 401, 403, 413, 415, 422, 429}


def command_id_for(source: str, key: str) -> uuid.UUID:
    """The same message id or `Idempotency-Key` from the same source is the same command."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"gateway:webhook/{source}/{key}")


class WebhookInbox:
    """`POST /webhooks/{source}` without HTTP: raw headers and bytes in, a reply out."""

    def __init__(
        self, bus: CommandBus, sources: Mapping[str, WebhookSource], status: SourceStatusBook
    ) -> None:
        self.bus = bus
        self.sources = dict(sources)
        self.status = status
        self.in_flight = InFlightKeys()
        self.committer = GroupCommitter(bus)
        self._answered: dict[tuple[str, int], Counter] = {}
        self.notes = RefusalNotes()

    def admit(self, name: str, *, content_length: int | None) -> WebhookSource:
        """The checks before the body is read: known, enabled, within its size.

        The rate limit is spent only once the caller is authenticated (`_receive`): strangers
        cannot use up a legacy system's share and lock the real one out.
        """
        source = self.sources.get(name)
        if source is None:
            raise UnknownSource(f"no webhook source {name!r} is configured")
        if source.authenticator is None:
            raise SourceDisabled(f"webhook source {name!r} is disabled: {source.disabled_reason}")
        if content_length is not None and content_length > source.config.max_body_bytes:
            raise _too_large(source)
        return source

    async def receive(
        self, source: WebhookSource, headers: Mapping[str, str], body: bytes
    ) -> WebhookReply:
        """Handle one call whose body was read; every refusal becomes the source's answer.

        Checking and translating run on the event loop (no I/O); only the commit leaves it.
        The call is one span, a child of the caller's `traceparent` when it sends one.
        """
        with span(f"webhook {source.name}", parent=headers.get("traceparent"),
                  kind=SpanKind.SERVER) as traceparent:  # fmt: skip
            try:
                reply = await self._receive(source, headers, body, traceparent)
            except InboundRefused as error:
                return await self.refuse(source.name, error)
        self._count(source.name, reply.status)
        return reply

    async def refuse(self, name: str, error: InboundRefused) -> WebhookReply:
        source = self.sources.get(name)
        self._count(name if source else "(unknown)", error.status)
        if source is None:
            return refusal_problem(error)
        log.info("webhook from %s refused (%d): %s", name, error.status, error.detail)
        if error.status in RECORDED_STATUSES and self.notes.due(name, error.status):
            await run_in_threadpool(self._note_error, name, f"{error.status}: {error.detail}")
        challenge = source.authenticator.challenge if source.authenticator else None
        return source.adapter.refusal(error) or refusal_problem(error, challenge=challenge)

    def _count(self, label: str, status: int) -> None:
        """`WEBHOOKS`, its labelled child looked up once per source and status, not per call."""
        counter = self._answered.get((label, status))
        if counter is None:
            counter = self._answered[label, status] = WEBHOOKS.labels(label, str(status))
        counter.inc()

    async def _receive(
        self, source: WebhookSource, headers: Mapping[str, str], body: bytes,
        traceparent: str | None = None,
    ) -> WebhookReply:  # fmt: skip
        if len(body) > source.config.max_body_bytes:
            raise _too_large(source)
        assert source.authenticator is not None  # admitted
        source.authenticator.verify(headers, body)
        if source.bucket is not None:
            source.bucket.take(source.name)
        kind, charset = body_kind(headers.get("content-type", ""), source.config.content_types)
        fields = parse_body(kind, body, charset=charset, default_charset=source.config.encoding)
        message = InboundMessage(source.name, fields, headers, body, kind)
        key, is_idempotency_key = self._key(source, message)
        command = self._translate(source, message, command_id_for(source.name, key))
        async with self.in_flight.hold(f"{source.name}/{key}", refuse=is_idempotency_key):
            envelope = Envelope(command, source=source.name, source_ref=key,
                                traceparent=traceparent)  # fmt: skip
            record, written = await self.committer.handle(envelope)
        # A record this very command wrote holds its fingerprint: only an older one may differ.
        if not written and record.fingerprint not in (None, fingerprint(command)):
            raise InvalidPayload(
                f"message {key!r} was received before with a different payload",
                errors=[{"field": "Idempotency-Key" if is_idempotency_key else "id",
                         "reason": "reused with a different payload"}],
            )  # fmt: skip
        own = source.adapter.reply(record)
        if own is None:
            return record_reply(record)
        # The legacy system reads its own format; people and tools still find the command.
        return replace(own, headers={"Location": f"/commands/{record.command_id}", **own.headers})

    def _key(self, source: WebhookSource, message: InboundMessage) -> tuple[str, bool]:
        """The legacy message id (or `webhook-id`) if there is one, else `Idempotency-Key`."""
        own = source.adapter.message_id(message) or message.headers.get("webhook-id")
        if own:
            return own[:MAX_KEY_LENGTH], False
        key = message.headers.get("idempotency-key", "").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidPayload(
                "the message carries no id: send an Idempotency-Key header",
                errors=[{"field": "Idempotency-Key", "reason": "required, 1 to 255 characters"}],
            )
        return key, True

    def _translate(
        self, source: WebhookSource, message: InboundMessage, command_id: uuid.UUID
    ) -> Command:
        try:
            return source.adapter.translate(message, command_id=command_id)
        except ValidationError as exc:
            raise InvalidPayload(
                "the message's fields are not valid", errors=validation_errors(exc)
            ) from None

    def _note_error(self, name: str, error: str) -> None:
        try:
            self.status.record_error(name, "webhook", error)
        except StoreError as exc:  # the refusal is answered even if the note is lost
            log.warning("could not record the error of source %s: %s", name, exc)


def validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    """pydantic's errors as `{field, reason}`, in the legacy message's own field names."""
    found: list[dict[str, Any]] = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "(message)"
        found.append({"field": field, "reason": error["msg"]})
    return found


def _too_large(source: WebhookSource) -> PayloadTooLarge:
    return PayloadTooLarge(f"the body exceeds {source.config.max_body_bytes} bytes")
