"""The platform's message broker, both ways: the store published, the platform's events read.

`port` is what the gateway needs of any broker; `rabbitmq` is the first implementation.
"""

from gateway.broker.bridge import BrokerBridge
from gateway.broker.port import EventPublisher, EventSubscriber, OutboundMessage, ReceivedMessage
from gateway.broker.positions import PublishedPositions, RelayStatus

__all__ = [
    "BrokerBridge",
    "EventPublisher",
    "EventSubscriber",
    "OutboundMessage",
    "PublishedPositions",
    "ReceivedMessage",
    "RelayStatus",
]
