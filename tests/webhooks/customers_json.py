"""A test source's adapter: customer registrations as JSON (or XML) in the platform's own words.

It keeps the gateway's default replies, so the engine's own answers can be tested through it.
"""

from __future__ import annotations

from uuid import UUID

from gateway.config import WebhookSourceConfig
from gateway.domain.customers import RegisterCustomer
from gateway.domain.messages import Command
from gateway.webhooks import DefaultReplies, InboundMessage


class CustomerJsonWebhooks(DefaultReplies):
    def __init__(self, name: str, config: WebhookSourceConfig) -> None:
        self.name = name

    def translate(self, message: InboundMessage, *, command_id: UUID) -> Command:
        fields = {"changed_at": "2026-11-26T09:00:00Z", **message.fields}
        return RegisterCustomer.model_validate({**fields, "command_id": command_id})
