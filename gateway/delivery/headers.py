"""Every header of an outgoing delivery attempt is built here, and nowhere else.

Authentication, the idempotency key and the adapter's own headers meet in one function, so a
header that every attempt carries (trace context, say) is one line in `attempt_headers`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gateway.errors import HeaderRefused

Headers = tuple[tuple[str, str], ...]
REFUSED_IN_VALUE = re.compile("[\r\n\x00]")
REFUSED_IN_NAME = re.compile("[\r\n\x00:]")


def attempt_headers(
    *,
    content_type: str,
    auth: Headers,
    idempotency_header: str | None,
    idempotency_key: str,
    adapter_headers: Headers,
    traceparent: str | None = None,
) -> Headers:
    """The headers of one attempt, in the order they are sent; refuses CR/LF in any of them.

    `traceparent` is the attempt's own span in its event's trace (`gateway.tracing`), last:
    the others are the same on every attempt, built once when the delivery is claimed.
    """
    headers: list[tuple[str, str]] = [("Content-Type", content_type), *auth]
    if idempotency_header:
        headers.append((idempotency_header, idempotency_key))
    headers.extend(adapter_headers)
    if traceparent:
        headers.append(("traceparent", traceparent))
    return checked(headers)


def checked(headers: Iterable[tuple[str, str]]) -> Headers:
    """Header names and values as given, or `HeaderRefused` naming the first bad header."""
    for name, value in headers:
        if not name or REFUSED_IN_NAME.search(name) or REFUSED_IN_VALUE.search(value):
            raise HeaderRefused(f"header {name!r} holds CR, LF or NUL: not sent")
    return tuple(headers)
