"""Who may call a webhook source: HTTP Basic, an API key header, or Standard Webhooks HMAC.

Every check runs on the raw request and compares in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from gateway.config import (
    ApiKeyAuthConfig,
    BasicAuthConfig,
    SignatureAuthConfig,
    WebhookAuthConfig,
    secret_from_env,
)
from gateway.errors import NotAuthenticated
from gateway.webhooks import signatures


class Authenticator(Protocol):
    @property
    def challenge(self) -> str | None:
        """The `WWW-Authenticate` value sent with a 401, if the scheme has one."""
        ...

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Return if the caller is who the source expects; raise `NotAuthenticated` if not."""
        ...


@dataclass(frozen=True)
class BasicAuthenticator:
    user: bytes
    password: bytes
    challenge: str | None = 'Basic realm="gateway", charset="UTF-8"'

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        scheme, _, encoded = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            raise NotAuthenticated("HTTP Basic credentials are required")
        try:
            user, _, password = base64.b64decode(encoded.strip(), validate=True).partition(b":")
        except (binascii.Error, ValueError):
            raise NotAuthenticated("the Basic credentials are not valid base64") from None
        # Both comparisons always run: the answer's timing must not tell which one failed.
        user_ok = hmac.compare_digest(user, self.user)
        password_ok = hmac.compare_digest(password, self.password)
        if not (user_ok and password_ok):
            raise NotAuthenticated("wrong user or password")


@dataclass(frozen=True)
class ApiKeyAuthenticator:
    header: str
    key: bytes
    challenge: str | None = None

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        offered = headers.get(self.header.lower(), "").encode()
        if not offered or not hmac.compare_digest(offered, self.key):
            raise NotAuthenticated(f"a valid {self.header} header is required")


@dataclass(frozen=True)
class SignatureAuthenticator:
    keys: tuple[bytes, ...]
    tolerance: int
    clock: Callable[[], float] = field(default=time.time)
    challenge: str | None = None

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        signatures.verify(headers, body, keys=self.keys, now=self.clock(), tolerance=self.tolerance)


def authenticator_for(
    config: WebhookAuthConfig, *, key: str, clock: Callable[[], float] = time.time
) -> Authenticator:
    """Build the check `config` describes; a missing secret variable raises `ConfigError`."""
    if isinstance(config, BasicAuthConfig):
        return BasicAuthenticator(
            secret_from_env(config.user_env, key=f"{key}.user_env").encode(),
            secret_from_env(config.password_env, key=f"{key}.password_env").encode(),
        )
    if isinstance(config, ApiKeyAuthConfig):
        value = secret_from_env(config.key_env, key=f"{key}.key_env")
        return ApiKeyAuthenticator(config.header, value.encode())
    return _signature_authenticator(config, key=key, clock=clock)


def _signature_authenticator(
    config: SignatureAuthConfig, *, key: str, clock: Callable[[], float]
) -> SignatureAuthenticator:
    secrets = [
        secret
        for index, variable in enumerate(config.secret_envs)
        for secret in secret_from_env(variable, key=f"{key}.secret_envs.{index}").split()
    ]
    keys = tuple(signatures.decode_secret(secret) for secret in secrets)
    return SignatureAuthenticator(keys, config.tolerance_seconds, clock)
