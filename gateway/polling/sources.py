"""The configured poll sources, built once at start from `config.yaml`.

A source whose base URL or token variable is not set is disabled and logged, never scheduled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gateway.adapters import load_adapter
from gateway.commands import CommandBus
from gateway.config import PollSourceConfig, SourceConfig, secret_from_env
from gateway.errors import ConfigError
from gateway.polling.poller import Connection, SourcePoller
from gateway.polling.status import SourceStatusBook

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)


@dataclass
class PollSources:
    """Enabled pollers by source name, and why each disabled one is disabled."""

    pollers: dict[str, SourcePoller] = field(default_factory=dict)
    disabled: dict[str, str] = field(default_factory=dict)


def poll_sources(
    sources: Mapping[str, SourceConfig],
    *,
    bus: CommandBus,
    status: SourceStatusBook,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PollSources:
    built = PollSources()
    for name, config in sources.items():
        if not isinstance(config, PollSourceConfig):
            continue
        key = f"sources.{name}"
        adapter = load_adapter(config.adapter, key=f"{key}.adapter")(name, config)
        try:
            connection = Connection(
                secret_from_env(config.base_url_env, key=f"{key}.base_url_env"),
                secret_from_env(config.token_env, key=f"{key}.token_env"),
                transport,
            )
        except ConfigError as exc:
            log.warning("poll source %s is disabled: %s", name, exc)
            built.disabled[name] = str(exc)
            continue
        built.pollers[name] = SourcePoller(
            name, config, adapter, connection, bus=bus, status=status, sleep=sleep
        )
    return built
