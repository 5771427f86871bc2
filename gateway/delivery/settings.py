"""The `destinations` section of `config.yaml`: one block per legacy system the gateway feeds.

Validated once at start like every other section; secrets are named, never written here.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Verdict = Literal["delivered", "duplicate", "permanent", "transient", "retry_later", "pause"]
ANSWER_KEY = re.compile(r"^([1-5](\d\d|xx)|default)$")


def check_http_url(value: str) -> str:
    """An absolute http(s) URL with a host; a ValueError saying why otherwise."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError(f"{value!r} has no host")
    try:
        _ = parts.port
    except ValueError as exc:
        raise ValueError(f"{value!r} has a bad port: {exc}") from None
    return value


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuthConfig(Part):
    """How the gateway proves itself: a bearer token, or HTTP Basic, from named variables."""

    scheme: Literal["none", "bearer", "basic"] = "none"
    token_env: str | None = None
    user_env: str | None = None
    password_env: str | None = None

    @model_validator(mode="after")
    def _variables_named(self) -> AuthConfig:
        if self.scheme == "bearer" and not self.token_env:
            raise ValueError("bearer needs token_env")
        if self.scheme == "basic" and not (self.user_env and self.password_env):
            raise ValueError("basic needs user_env and password_env")
        return self


class TlsConfig(Part):
    """How the destination's certificate is checked, and the certificate the gateway shows.

    `ca_file` trusts that PEM bundle instead of the system's store; `client_cert_file` and
    `client_key_file` are for mutual TLS. `verify: false` turns checking off, with a loud
    warning at start: for a test environment only.
    """

    ca_file: str | None = None
    client_cert_file: str | None = None
    client_key_file: str | None = None
    verify: bool = True

    @model_validator(mode="after")
    def _key_with_certificate(self) -> TlsConfig:
        if self.client_key_file and not self.client_cert_file:
            raise ValueError("client_key_file needs client_cert_file")
        return self


class RetryConfig(Part):
    """When to try again: an explicit list of delays, or exponential with jitter; and when to stop.

    `delays_seconds` (the last one repeats) wins over the exponential settings. Stop after
    `stop_after_attempts` counted failures, or `stop_after_seconds` since the first attempt,
    whichever comes first; time while the destination's circuit is open is left out.
    A `retry_later` answer (429, GL's 409) is not one of those attempts: it has a stop rule
    of its own, `stop_after_retry_later` answers in a row, after which the delivery is
    dead-lettered and its stream shows as blocked (GL answers 409 to an account's later
    postings for ever once an earlier one was skipped).
    """

    delays_seconds: list[float] | None = Field(default=None, min_length=1)
    initial_seconds: float = Field(default=1.0, gt=0)
    multiplier: float = Field(default=2.0, ge=1)
    max_seconds: float = Field(default=300.0, gt=0)
    jitter_seconds: float = Field(default=1.0, ge=0)
    stop_after_attempts: int | None = Field(default=20, ge=1)
    stop_after_seconds: float | None = Field(default=None, gt=0)
    max_retry_after_seconds: float = Field(default=3600.0, gt=0)
    stop_after_retry_later: int = Field(default=50, ge=1)

    @model_validator(mode="after")
    def _some_stop(self) -> RetryConfig:
        if self.stop_after_attempts is None and self.stop_after_seconds is None:
            raise ValueError("give stop_after_attempts or stop_after_seconds")
        return self


class SlaConfig(Part):
    """Delivered within `deadline_seconds` of the event; `page_after_seconds` escalates."""

    deadline_seconds: float = Field(default=300.0, gt=0)
    page_after_seconds: float | None = Field(default=None, gt=0)


class BreakerConfig(Part):
    """Open when `failure_ratio` of the last `window` answers failed; probe after `open_seconds`."""

    window: int = Field(default=20, ge=1)
    min_calls: int = Field(default=10, ge=1)
    failure_ratio: float = Field(default=0.8, gt=0, le=1)
    open_seconds: float = Field(default=30.0, gt=0)
    pause_seconds: float = Field(
        default=300.0, gt=0, description="paused (credentials or certificate refused) this long"
    )


class DestinationConfig(Part):
    """A legacy system that must learn of events: where, what, and how hard to try."""

    adapter: str = Field(description="module:attribute of the adapter's factory")
    enabled: bool = True
    base_url_env: str = Field(description="environment variable holding the base URL")
    auth: AuthConfig = AuthConfig()
    events: list[str] = Field(min_length=1, description="event types subscribed")
    ordering: Literal["per_stream", "none"] = "per_stream"
    start: Literal["earliest", "latest"] = "earliest"
    timeout_seconds: float = Field(default=10.0, gt=0, description="for the whole attempt")
    connect_timeout_seconds: float = Field(default=5.0, gt=0, description="for a new connection")
    keepalive_seconds: float = Field(default=15.0, gt=0, description="idle connections closed")
    proxy_url: str | None = Field(default=None, description="else HTTPS_PROXY / HTTP_PROXY")
    tls: TlsConfig = TlsConfig()
    max_in_flight: int = Field(default=8, ge=1, le=1024)
    rate_limit_per_second: float | None = Field(default=None, gt=0)
    idempotency_header: str | None = None
    retry: RetryConfig = RetryConfig()
    answers: dict[str, Verdict] = Field(
        default_factory=dict,
        description="status (201, 4xx, default) -> verdict; over the adapter's",
    )
    sla: SlaConfig = SlaConfig()
    breaker: BreakerConfig = BreakerConfig()
    lease_seconds: float = Field(default=30.0, gt=0)
    run_length: int = Field(default=32, ge=1, description="events of one stream claimed at once")
    options: dict[str, str] = Field(default_factory=dict, description="the adapter's own")

    @field_validator("answers")
    @classmethod
    def _answer_keys(cls, answers: dict[str, Verdict]) -> dict[str, Verdict]:
        for key in answers:
            if not ANSWER_KEY.match(key):
                raise ValueError(f"{key!r} is not a status (201), a class (5xx) or 'default'")
        return answers

    @field_validator("proxy_url")
    @classmethod
    def _proxy_is_a_url(cls, value: str | None) -> str | None:
        if value is not None:
            check_http_url(value)
        return value

    @model_validator(mode="after")
    def _lease_outlasts_timeout(self) -> DestinationConfig:
        if self.lease_seconds < 2 * self.timeout_seconds + 1:
            raise ValueError("lease_seconds must be at least 2 * timeout_seconds + 1")
        return self
