"""Standard Webhooks signatures: HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`.

Secrets are `whsec_<base64>`; a sender may send several `v1,<base64>` signatures while it
rotates secrets, and the receiver may hold several secrets for the same reason.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable, Mapping

from gateway.errors import ConfigError, NotAuthenticated, ReplayRefused

SECRET_PREFIX = "whsec_"
MAX_TIMESTAMP_DIGITS = 12  # seconds since 1970 until the year 33658


def decode_secret(secret: str) -> bytes:
    """The key bytes of a `whsec_` secret (the prefix is optional, the base64 is not)."""
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError("a webhook secret must be whsec_ followed by base64") from None


def sign(key: bytes, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,<base64>` signature of one message."""
    return "v1," + base64.b64encode(_digest(key, msg_id, timestamp, body)).decode()


def verify(
    headers: Mapping[str, str], body: bytes, *, keys: Iterable[bytes], now: float, tolerance: int
) -> None:
    """Accept the message if any signature matches any key and its timestamp is fresh.

    The signature is checked before the timestamp, so only an authentic sender learns that
    its message was too old (`ReplayRefused`, 403); anything else is `NotAuthenticated` (401).
    """
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    offered = _offered_digests(headers.get("webhook-signature", ""))
    if not (msg_id and stamp and offered):
        raise NotAuthenticated("webhook-id, webhook-timestamp and webhook-signature are required")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= MAX_TIMESTAMP_DIGITS):
        raise NotAuthenticated("webhook-timestamp must be whole seconds since 1970 (digits only)")
    timestamp = int(stamp)
    expected = [_digest(key, msg_id, timestamp, body) for key in keys]
    if not any(hmac.compare_digest(e, o) for e in expected for o in offered):
        raise NotAuthenticated("no webhook-signature matches the message")
    drift = int(abs(now - timestamp))
    if drift > tolerance:
        raise ReplayRefused(f"webhook-timestamp is {drift} s off; the tolerance is {tolerance} s")


def _digest(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    return hmac.digest(key, f"{msg_id}.{timestamp}.".encode() + body, "sha256")


def _offered_digests(header: str) -> list[bytes]:
    """The digests of the `v1,` signatures offered; one that is not base64 matches nothing."""
    found = []
    for signature in header.split():
        if signature.startswith("v1,"):
            try:
                found.append(base64.b64decode(signature[3:], validate=True))
            except (binascii.Error, ValueError):
                found.append(b"")
    return found
