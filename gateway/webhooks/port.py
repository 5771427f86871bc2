"""What the webhook engine asks of a legacy system's adapter, and what it hands to it.

The engine knows no legacy system: an adapter names the message id, builds the command, and may
answer in its system's own reply format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from uuid import UUID

from gateway.domain.messages import Command
from gateway.errors import InboundRefused
from gateway.store.port import CommandRecord

BodyKind = Literal["json", "form", "xml"]


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """An authenticated, parsed webhook call; `headers` have lower-case names."""

    source: str
    fields: Mapping[str, Any]
    headers: Mapping[str, str]
    body: bytes
    kind: BodyKind


@dataclass(frozen=True, slots=True)
class WebhookReply:
    """The HTTP answer to one webhook call."""

    status: int
    body: bytes
    media_type: str
    headers: Mapping[str, str] = field(default_factory=dict)


class WebhookAdapter(Protocol):
    """One legacy system's side of `POST /webhooks/{source}`."""

    def message_id(self, message: InboundMessage) -> str | None:
        """The system's own id of this message (CRM's `MSG_ID`), if it sends one."""
        ...

    def translate(self, message: InboundMessage, *, command_id: UUID) -> Command:
        """The command the message asks for; raises `InvalidPayload` naming the bad fields."""
        ...

    def reply(self, record: CommandRecord) -> WebhookReply | None:
        """The answer in the system's format, or None for the gateway's default (202)."""
        ...

    def refusal(self, error: InboundRefused) -> WebhookReply | None:
        """The system's answer to a refusal, or None for an RFC 9457 problem."""
        ...


class DefaultReplies:
    """Mixin for adapters whose system understands the gateway's own answers."""

    def message_id(self, message: InboundMessage) -> str | None:
        return None

    def reply(self, record: CommandRecord) -> WebhookReply | None:
        return None

    def refusal(self, error: InboundRefused) -> WebhookReply | None:
        return None
