"""Standard Webhooks signatures and the per-source rate limit, without HTTP."""

from __future__ import annotations

import base64

import pytest

from gateway.errors import ConfigError, NotAuthenticated, RateLimited, ReplayRefused
from gateway.webhooks.limits import TokenBucket
from gateway.webhooks.signatures import decode_secret, sign, verify

KEY = decode_secret("whsec_" + base64.b64encode(b"k" * 24).decode())
OTHER = decode_secret("whsec_" + base64.b64encode(b"o" * 24).decode())
NOW = 1_764_000_000


def headers(
    body: bytes, *, key: bytes = KEY, at: int = NOW, msg_id: str = "msg_1"
) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(at),
        "webhook-signature": sign(key, msg_id=msg_id, timestamp=at, body=body),
    }


def check(sent: dict[str, str], body: bytes, keys: tuple[bytes, ...] = (KEY,)) -> None:
    verify(sent, body, keys=keys, now=NOW, tolerance=300)


def test_the_reference_signature_of_the_standard_verifies() -> None:
    # The example of the Standard Webhooks specification.
    key = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    body = b'{"test": 2432232314}'
    sent = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }

    verify(sent, body, keys=(key,), now=1614265330, tolerance=300)


def test_any_of_several_signatures_and_secrets_may_match() -> None:
    body = b"{}"
    sent = headers(body, key=OTHER)
    sent["webhook-signature"] = "v1,AAAA " + sent["webhook-signature"]

    check(sent, body, keys=(KEY, OTHER))
    with pytest.raises(NotAuthenticated):
        check(sent, body, keys=(KEY,))


def test_a_changed_body_id_or_timestamp_breaks_the_signature() -> None:
    sent = headers(b'{"a":1}')
    for tampered in (
        {**sent, "webhook-id": "msg_2"},
        {**sent, "webhook-timestamp": str(NOW + 1)},
    ):
        with pytest.raises(NotAuthenticated):
            check(tampered, b'{"a":1}')
    with pytest.raises(NotAuthenticated):
        check(sent, b'{"a":2}')


def test_a_stale_or_future_timestamp_is_a_replay_even_when_authentic() -> None:
    for at in (NOW - 301, NOW + 301):
        with pytest.raises(ReplayRefused):
            check(headers(b"{}", at=at), b"{}")
    check(headers(b"{}", at=NOW - 300), b"{}")


def test_missing_headers_and_bad_secrets_are_refused() -> None:
    with pytest.raises(NotAuthenticated):
        check({}, b"{}")
    with pytest.raises(ConfigError):
        decode_secret("whsec_not base64!")


def test_the_bucket_allows_a_burst_then_names_the_wait() -> None:
    now = [0.0]
    bucket = TokenBucket(per_second=0.5, burst=2, clock=lambda: now[0])
    bucket.take("crm")
    bucket.take("crm")

    with pytest.raises(RateLimited) as limited:
        bucket.take("crm")
    now[0] = 2.0
    bucket.take("crm")

    assert limited.value.retry_after == 2
