"""`config.yaml` as validated data: pydantic models read once, at start, by the bootstrap.

A wrong key or value fails with its path; secrets come from environment variables it names.
"""

from __future__ import annotations

import codecs
import os
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    ValidationError,
    field_validator,
    model_validator,
)

from gateway.delivery.settings import DestinationConfig
from gateway.errors import ConfigError
from gateway.exports.settings import ExportConfig
from gateway.jobs.settings import JobsConfig
from gateway.platform.settings import BrokerConfig, PlatformEventsConfig
from gateway.store.sql import SQLITE_CACHE_MIB

DATABASE_URL_ENV = "GATEWAY_DATABASE_URL"


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(Section):
    url: str = "sqlite:///var/gateway.db"
    sqlite_cache_mib: int = Field(default=SQLITE_CACHE_MIB, ge=1, le=4096)  # per connection

    @field_validator("url")
    @classmethod
    def _known_backend(cls, url: str) -> str:
        if not url.startswith(("sqlite:///", "postgresql+psycopg://")):
            raise ValueError("must start with sqlite:/// or postgresql+psycopg://")
        return url


HOST_PATTERN = r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$"


class HttpConfig(Section):
    """The HTTP server and who may call it (docs/security.md)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    # Bearer tokens for the operator endpoints, comma-separated. Unset: dev mode, in which the
    # gateway serves on a loopback address only and callers on this host are operators.
    operator_tokens_env: str = "GATEWAY_OPERATOR_TOKENS"
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto name the client (addresses or networks).
    trusted_proxies: list[IPvAnyNetwork] = []
    # Host names the gateway answers to besides localhost and loopback addresses ("*.x" too).
    allowed_hosts: list[Annotated[str, Field(pattern=HOST_PATTERN)]] = []
    # `POST /imports/{source}`: a larger body is refused with 413 (1 GiB by default).
    max_upload_bytes: int = Field(default=1 << 30, ge=1)
    # Connections and requests in progress past which uvicorn answers 503 at once.
    limit_concurrency: int = Field(default=1000, ge=10)
    # `GET /events/stream`: open streams in all and per caller (503 past them), and the
    # seconds without an event after which a stream ends (its client reconnects).
    sse_max_streams: int = Field(default=200, ge=1)
    sse_max_streams_per_caller: int = Field(default=5, ge=1)
    sse_idle_seconds: float = Field(default=600.0, gt=0)
    # `GET /events`: full pages read ahead for consumers catching up, at most this many held
    # at once (0: none); each holds up to `limit` events' bytes (docs/event-feed.md).
    feed_read_ahead_pages: int = Field(default=8, ge=0, le=64)


class LogConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["auto", "json", "text"] = "auto"


class StoreConfig(Section):
    snapshot_every: int = Field(default=200, ge=1)
    state_cache_size: int = Field(default=20_000, ge=0)


class ScheduleConfig(Section):
    """When a job runs: every `every_seconds`, or on a five-field `cron` line."""

    every_seconds: int | None = Field(default=None, ge=1)
    cron: str | None = None
    timezone: str = "Europe/London"

    @model_validator(mode="after")
    def _one_trigger(self) -> ScheduleConfig:
        if (self.every_seconds is None) == (self.cron is None):
            raise ValueError("give exactly one of every_seconds or cron")
        return self


class SourceBase(Section):
    """A legacy system that sends data in; its adapter is found by dotted name."""

    adapter: str = Field(description="module:attribute of the adapter's factory")
    encoding: str = "utf-8"
    options: dict[str, Any] = Field(default_factory=dict, description="the adapter's own")

    @field_validator("encoding")
    @classmethod
    def _known_codec(cls, name: str) -> str:
        try:
            codecs.lookup(name)
        except LookupError:
            raise ValueError(f"unknown codec {name!r}") from None
        return name


class LandedFilesConfig(SourceBase):
    """Files a legacy system drops into a landing folder: when one is complete, where it goes."""

    landing: Path
    pattern: str = Field(default="*", description="glob of the data files' names")
    completeness: Literal["done_file", "rename_in", "stable_age"] = "done_file"
    done_suffix: str = ".DONE"
    min_age_seconds: int = Field(default=60, ge=0, description="for completeness: stable_age")
    archive: Path | None = Field(default=None, description="default: var/archive/<source>")
    error: Path | None = Field(default=None, description="default: var/error/<source>")
    staging: Path | None = Field(
        default=None,
        description="the spools of files being imported; default var/staging/<source>",
    )
    lease_seconds: int = Field(default=120, ge=1)
    schedule: ScheduleConfig | None = None
    expected_by: time | None = Field(default=None, description="local time the file is due")


class BatchSourceConfig(LandedFilesConfig):
    """Files a legacy system drops into a landing folder, imported exactly once."""

    kind: Literal["batch"]
    reject_limit: str = Field(default="0", description="records refused before the file fails")
    chunk_size: int = Field(default=1000, ge=1)

    @field_validator("reject_limit")
    @classmethod
    def _count_or_percent(cls, limit: str) -> str:
        parse_reject_limit(limit)
        return limit


def parse_reject_limit(limit: str) -> tuple[float, bool]:
    """'25' allows 25 refused records; '1.5%' allows 1.5 percent of the file's records."""
    text = limit.strip()
    percent = text.endswith("%")
    try:
        value = float(text.removesuffix("%"))
    except ValueError:
        raise ValueError(f"{limit!r} is neither a count nor a percentage") from None
    if value < 0 or (percent and value > 100):
        raise ValueError(f"{limit!r} is out of range")
    return value, percent


class BasicAuthConfig(Section):
    """HTTP Basic: the user and password are read from the environment variables named here."""

    scheme: Literal["basic"]
    user_env: str
    password_env: str


class ApiKeyAuthConfig(Section):
    """A shared key in a request header, read from the environment variable `key_env`."""

    scheme: Literal["api_key"]
    header: str = "X-API-Key"
    key_env: str


class SignatureAuthConfig(Section):
    """Standard Webhooks HMAC-SHA256; each variable holds one or more `whsec_` secrets."""

    scheme: Literal["standard_webhooks"]
    secret_envs: list[str] = Field(min_length=1)
    tolerance_seconds: int = Field(default=300, ge=1)


WebhookAuthConfig = Annotated[
    BasicAuthConfig | ApiKeyAuthConfig | SignatureAuthConfig, Field(discriminator="scheme")
]


class RateLimitConfig(Section):
    """A token bucket: `per_second` sustained, bursts of up to `burst` requests."""

    per_second: float = Field(gt=0)
    burst: int = Field(ge=1)


class WebhookSourceConfig(SourceBase):
    """A legacy system that calls `POST /webhooks/{source}`."""

    kind: Literal["webhook"]
    auth: WebhookAuthConfig
    content_types: list[Literal["json", "form", "xml"]] = Field(default=["json"], min_length=1)
    max_body_bytes: int = Field(default=65_536, ge=1)
    rate_limit: RateLimitConfig | None = None


class PollSourceConfig(SourceBase):
    """A legacy REST API the gateway polls on a schedule."""

    kind: Literal["poll"]
    base_url_env: str
    token_env: str
    schedule: ScheduleConfig = ScheduleConfig(every_seconds=60)
    page_size: int = Field(default=500, ge=1)
    lookback_seconds: int = Field(default=300, ge=0)
    timeout_seconds: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    max_pages: int = Field(default=100, ge=1)


class ReconciliationSourceConfig(LandedFilesConfig):
    """Files that are compared with what the gateway delivered, never applied (GL's balances)."""

    kind: Literal["reconciliation"]
    destination: str = Field(description="the destination whose deliveries the file describes")
    system: str | None = Field(default=None, description="label in results; default: destination")
    index_every_seconds: int = Field(
        default=60, ge=1, description="how often new deliveries get their ledger lines"
    )

    @property
    def system_name(self) -> str:
        return self.system or self.destination


KIND_TAGS = {"batch", "webhook", "poll", "reconciliation"}
SourceConfig = Annotated[
    BatchSourceConfig | WebhookSourceConfig | PollSourceConfig | ReconciliationSourceConfig,
    Field(discriminator="kind"),
]


class GatewayConfig(Section):
    database: DatabaseConfig = DatabaseConfig()
    http: HttpConfig = HttpConfig()
    log: LogConfig = LogConfig()
    store: StoreConfig = StoreConfig()
    sources: dict[str, SourceConfig] = {}
    destinations: dict[str, DestinationConfig] = {}
    platform_events: PlatformEventsConfig = PlatformEventsConfig()
    broker: BrokerConfig = BrokerConfig()
    exports: dict[str, ExportConfig] = {}
    jobs: JobsConfig = JobsConfig()

    @model_validator(mode="after")
    def _compared_with_a_destination(self) -> GatewayConfig:
        compared = {
            name: source
            for name, source in self.sources.items()
            if isinstance(source, ReconciliationSourceConfig)
        }
        for name, source in compared.items():
            if source.destination not in self.destinations:
                known = ", ".join(sorted(self.destinations)) or "none"
                raise ValueError(
                    f"sources.{name}.destination: no destination {source.destination!r} "
                    f"(configured: {known})"
                )
        return self


def load_config(path: Path | str) -> GatewayConfig:
    """Read and validate `path`; `GATEWAY_DATABASE_URL`, when set, overrides `database.url`."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return parse_config(raw, origin=str(path))


def parse_config(raw: dict[str, Any], *, origin: str = "config") -> GatewayConfig:
    override = os.environ.get(DATABASE_URL_ENV)
    if override:
        raw = {**raw, "database": {**(raw.get("database") or {}), "url": override}}
    try:
        return GatewayConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: " + "; ".join(_describe(e) for e in exc.errors())) from None


def _describe(error: Any) -> str:
    loc = list(error["loc"])
    if len(loc) > 2 and loc[2] in KIND_TAGS:  # pydantic names the union member; people don't
        del loc[2]
    where = ".".join(str(part) for part in loc)
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{where}: {message}"


def secret_from_env(variable: str, *, key: str) -> str:
    """The value of the environment variable that config key `key` names."""
    value = os.environ.get(variable)
    if not value:
        raise ConfigError(f"{key}: environment variable {variable} is not set")
    return value
