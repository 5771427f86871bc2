"""Standard Webhooks signatures: HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`.

Secrets are `whsec_<base64>`; a sender may send several `v1,<base64>` signatures while it
rotates secrets, and the receiver may hold several secrets for the same reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Mapping

from gateway.errors import ConfigError, NotAuthenticated, ReplayRefused

SECRET_PREFIX = "whsec_"


def decode_secret(secret: str) -> bytes:
    """The key bytes of a `whsec_` secret (the prefix is optional, the base64 is not)."""
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError("a webhook secret must be whsec_ followed by base64") from None


def sign(key: bytes, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,<base64>` signature of one message."""
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    headers: Mapping[str, str], body: bytes, *, keys: Iterable[bytes], now: float, tolerance: int
) -> None:
    """Accept the message if any signature matches any key and its timestamp is fresh.

    The signature is checked before the timestamp, so only an authentic sender learns that
    its message was too old (`ReplayRefused`, 403); anything else is `NotAuthenticated` (401).
    """
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    offered = [s for s in headers.get("webhook-signature", "").split() if s.startswith("v1,")]
    if not (msg_id and stamp.isdigit() and offered):
        raise NotAuthenticated("webhook-id, webhook-timestamp and webhook-signature are required")
    timestamp = int(stamp)
    expected = [sign(key, msg_id=msg_id, timestamp=timestamp, body=body) for key in keys]
    if not any(_equal(e, o) for e in expected for o in offered):
        raise NotAuthenticated("no webhook-signature matches the message")
    drift = int(abs(now - timestamp))
    if drift > tolerance:
        raise ReplayRefused(f"webhook-timestamp is {drift} s off; the tolerance is {tolerance} s")


def _equal(expected: str, offered: str) -> bool:
    return hmac.compare_digest(expected.encode(), offered.encode())
