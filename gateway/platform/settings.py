"""The platform's sections of `config.yaml`: `POST /events` writers and the message broker.

Secrets (tokens, the broker's URL with its password) come from the variables named here.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _source_patterns(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        if not pattern or "*" in pattern[:-1]:
            raise ValueError(f"{pattern!r}: a source, or a prefix ending in a single '*'")
    return patterns


class PlatformWriterConfig(Part):
    """Tokens that may write events as the CloudEvents sources listed (`/platform/*`: below)."""

    tokens_env: str
    sources: list[str] = Field(min_length=1)

    _patterns = field_validator("sources")(_source_patterns)


class PlatformEventsConfig(Part):
    """`POST /events`: the platform's services append their own events, with a bearer token.

    A token of `tokens_env` reads the feed; it writes only as the sources a writer grants it.
    """

    tokens_env: str = "GATEWAY_PLATFORM_TOKENS"
    max_batch: int = Field(default=1000, ge=1)
    writers: dict[str, PlatformWriterConfig] = {}


class BrokerConfig(Part):
    """The platform's message broker (platform-broker.md); off while `url_env` is unset."""

    url_env: str = "GATEWAY_BROKER_URL"
    publish_exchange: str = Field(default="bank.events", min_length=1)
    consume_exchange: str = Field(default="platform.events", min_length=1)
    queue: str = Field(default="gateway.platform-events", min_length=1)
    dead_letter_exchange: str = Field(default="platform.events.dlx", min_length=1)
    dead_letter_queue: str = Field(default="gateway.platform-events.dead", min_length=1)
    sources: list[str] = Field(default=["*"], min_length=1)
    """CloudEvents sources the queue's events may name; others are dead-lettered."""
    window: int = Field(default=1000, ge=1, le=100_000)
    """Published events awaiting the broker's confirm at once."""
    prefetch: int = Field(default=100, ge=1, le=10_000)
    lease_seconds: float = Field(default=15, gt=0)
    reconnect_initial_seconds: float = Field(default=0.5, gt=0)
    reconnect_max_seconds: float = Field(default=30, gt=0)

    _patterns = field_validator("sources")(_source_patterns)
