"""The configured webhook sources, built once at start from `config.yaml`.

A source whose secret's variable is not set is disabled, not fatal: it is logged at start and
its endpoint answers 503 until the gateway is started with the secret.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gateway.adapters import load_adapter
from gateway.config import SourceConfig, WebhookSourceConfig
from gateway.errors import ConfigError
from gateway.webhooks.auth import Authenticator, authenticator_for
from gateway.webhooks.limits import TokenBucket
from gateway.webhooks.port import WebhookAdapter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookSource:
    """One legacy system that calls us, with everything needed to answer it."""

    name: str
    config: WebhookSourceConfig
    adapter: WebhookAdapter
    authenticator: Authenticator | None
    bucket: TokenBucket | None
    disabled_reason: str | None = None


def webhook_sources(
    sources: Mapping[str, SourceConfig], *, clock: Callable[[], float] = time.time
) -> dict[str, WebhookSource]:
    """Every source of kind `webhook`; a wrong adapter name fails start with its key."""
    return {
        name: _build(name, config, clock=clock)
        for name, config in sources.items()
        if isinstance(config, WebhookSourceConfig)
    }


def _build(name: str, config: WebhookSourceConfig, *, clock: Callable[[], float]) -> WebhookSource:
    key = f"sources.{name}"
    factory = load_adapter(config.adapter, key=f"{key}.adapter")
    adapter: WebhookAdapter = factory(name, config)
    bucket = None
    if config.rate_limit is not None:
        bucket = TokenBucket(per_second=config.rate_limit.per_second, burst=config.rate_limit.burst)
    try:
        authenticator = authenticator_for(config.auth, key=f"{key}.auth", clock=clock)
    except ConfigError as exc:
        log.warning("webhook source %s is disabled: %s", name, exc)
        return WebhookSource(name, config, adapter, None, bucket, disabled_reason=str(exc))
    return WebhookSource(name, config, adapter, authenticator, bucket)
