"""A test source's adapter: a deposit as JSON, so a webhook leads to a GL posting."""

from __future__ import annotations

from uuid import UUID

from gateway.config import WebhookSourceConfig
from gateway.domain.messages import Command
from gateway.domain.postings import DepositFunds
from gateway.webhooks import DefaultReplies, InboundMessage


class DepositJsonWebhooks(DefaultReplies):
    def __init__(self, name: str, config: WebhookSourceConfig) -> None:
        self.name = name

    def translate(self, message: InboundMessage, *, command_id: UUID) -> Command:
        return DepositFunds.model_validate({**message.fields, "command_id": command_id})
