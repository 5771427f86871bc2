"""Wiring of the broker bridge from `config.broker`: RabbitMQ today, off without its URL.

With the variable `broker.url_env` names unset, nothing is built and that is logged once, and
aio-pika is not even imported.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from gateway.broker.bridge import BrokerBridge
from gateway.broker.consumer import PlatformConsumer
from gateway.broker.relay import BrokerRelay, RelayPolicy
from gateway.jobs.leases import JobLeases
from gateway.platform import PlatformIngest, SourceGrant
from gateway.platform.settings import BrokerConfig

log = logging.getLogger(__name__)


def broker_url(config: BrokerConfig, environ: Mapping[str, str] | None = None) -> str | None:
    return (os.environ if environ is None else environ).get(config.url_env) or None


def build_relay(config: BrokerConfig, ingest: PlatformIngest, url: str) -> BrokerRelay:
    from gateway.broker.rabbitmq import RabbitPublisher

    leases = JobLeases(ingest.store, lease_seconds=config.lease_seconds)
    policy = RelayPolicy(window=config.window, reconnect_initial=config.reconnect_initial_seconds,
                         reconnect_max=config.reconnect_max_seconds)  # fmt: skip
    publisher = RabbitPublisher(url, exchange=config.publish_exchange)
    return BrokerRelay(ingest.store, publisher, leases, name=config.publish_exchange, policy=policy)


def build_consumer(config: BrokerConfig, ingest: PlatformIngest, url: str) -> PlatformConsumer:
    from gateway.broker.rabbitmq import RabbitSubscriber

    subscriber = RabbitSubscriber(
        url, exchange=config.consume_exchange, queue=config.queue,
        dead_letter_exchange=config.dead_letter_exchange,
        dead_letter_queue=config.dead_letter_queue, prefetch=config.prefetch,
    )  # fmt: skip
    return PlatformConsumer(
        subscriber, ingest, grant=SourceGrant("broker", tuple(config.sources)),
        reconnect_initial=config.reconnect_initial_seconds,
        reconnect_max=config.reconnect_max_seconds,
    )  # fmt: skip


def build_bridge(
    config: BrokerConfig, ingest: PlatformIngest, environ: Mapping[str, str] | None = None
) -> BrokerBridge | None:
    url = broker_url(config, environ)
    if url is None:
        log.info("platform broker off: %s is not set", config.url_env)
        return None
    return BrokerBridge(build_relay(config, ingest, url), build_consumer(config, ingest, url))
