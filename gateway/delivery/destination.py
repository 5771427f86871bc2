"""A destination at run time: its adapter, endpoint, credentials, answer table and policy.

A destination whose environment variables are not set is disabled with a reason, never fatal:
its position in the feed waits, so nothing is lost when it is enabled later.
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from gateway.adapters import load_adapter
from gateway.delivery.connection import OriginSettings
from gateway.delivery.dispatch import Subscription
from gateway.delivery.headers import Headers, checked
from gateway.delivery.legacy import AnswerTable, LegacyTranslator, Verdict
from gateway.delivery.retry import RetryPolicy
from gateway.delivery.settings import AuthConfig, DestinationConfig, check_http_url
from gateway.errors import ConfigError, HeaderRefused

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Destination:
    name: str
    config: DestinationConfig
    translator: LegacyTranslator
    base_url: str
    headers: Headers
    answers: AnswerTable
    policy: RetryPolicy
    origin: OriginSettings

    @property
    def subscription(self) -> Subscription:
        return subscription_for(self.name, self.config)


@dataclass(frozen=True, slots=True)
class DisabledDestination:
    name: str
    reason: str


def subscription_for(name: str, config: DestinationConfig) -> Subscription:
    """What the destination wants from the feed; known even while it is disabled."""
    events = frozenset(config.events)
    return Subscription(name, events, config.sla.deadline_seconds, config.start)


def build_destination(
    name: str, config: DestinationConfig, *, environ: Mapping[str, str] = os.environ
) -> Destination | DisabledDestination:
    """The adapter must load (a wrong name is a config error); missing secrets only disable."""
    key = f"destinations.{name}"
    factory = load_adapter(config.adapter, key=f"{key}.adapter")
    translator: LegacyTranslator = factory(name, config.options)
    if not config.enabled:
        return DisabledDestination(name, "enabled: false in config")
    missing = [v for v in _variables(config) if not environ.get(v)]
    if missing:
        return DisabledDestination(name, f"environment variable {', '.join(missing)} not set")
    base_url = _base_url(config, environ, key=key)
    headers = _auth_headers(config.auth, environ, key=f"{key}.auth")
    answers = {**translator.answers, **{k: Verdict(v) for k, v in config.answers.items()}}
    try:
        policy = RetryPolicy.from_config(config.retry)
    except ValueError as exc:
        raise ConfigError(f"{key}.retry: {exc}") from exc
    origin = OriginSettings.of(base_url, config, key=key, environ=environ)
    if not config.tls.verify:
        log.warning(
            "TLS VERIFICATION IS OFF for destination %s (%s.tls.verify: false): anyone on the "
            "path to %s can read and change what is sent; never do this in production",
            name, key, base_url,
        )  # fmt: skip
    return Destination(name, config, translator, base_url, headers, answers, policy, origin)


def _base_url(config: DestinationConfig, environ: Mapping[str, str], *, key: str) -> str:
    """The URL from the environment, checked now: a bad one fails the start, naming the key."""
    value = environ[config.base_url_env].strip()
    try:
        return check_http_url(value).rstrip("/")
    except ValueError as exc:
        raise ConfigError(f"{key}.base_url_env ({config.base_url_env}): {exc}") from None


def _variables(config: DestinationConfig) -> list[str]:
    auth = config.auth
    named = [config.base_url_env, auth.token_env, auth.user_env, auth.password_env]
    return [v for v in named if v]


def _auth_headers(auth: AuthConfig, environ: Mapping[str, str], *, key: str) -> Headers:
    """The Authorization header; a secret holding CR or LF is refused at start, not sent."""
    if auth.scheme == "bearer" and auth.token_env:
        header = ("Authorization", f"Bearer {environ[auth.token_env]}")
    elif auth.scheme == "basic" and auth.user_env and auth.password_env:
        pair = f"{environ[auth.user_env]}:{environ[auth.password_env]}".encode()
        header = ("Authorization", f"Basic {base64.b64encode(pair).decode()}")
    else:
        return ()
    try:
        return checked([header])
    except HeaderRefused:
        named = auth.token_env or f"{auth.user_env} or {auth.password_env}"
        raise ConfigError(f"{key}: the variable {named} holds CR, LF or NUL") from None
