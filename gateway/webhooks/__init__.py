"""Webhook endpoints for legacy systems that call the gateway: the core engine.

`WebhookInbox` answers `POST /webhooks/{source}`; adapters plug in through `port`.
"""

from gateway.webhooks.inbox import WebhookInbox, command_id_for
from gateway.webhooks.port import DefaultReplies, InboundMessage, WebhookAdapter, WebhookReply
from gateway.webhooks.sources import WebhookSource, webhook_sources

__all__ = [
    "DefaultReplies",
    "InboundMessage",
    "WebhookAdapter",
    "WebhookInbox",
    "WebhookReply",
    "WebhookSource",
    "command_id_for",
    "webhook_sources",
]
