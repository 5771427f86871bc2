"""The gateway's one error tree: every failure a caller can act on has its own type here.

Foreign errors (SQLAlchemy, httpx, pydantic) are translated to these at the boundary.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""


class ConfigError(GatewayError):
    """`config.yaml` or an environment variable it names is wrong; the message names the key."""


class StoreError(GatewayError):
    """The event store could not do what was asked."""


class ConcurrencyConflict(StoreError):
    """Another writer appended to the stream first: re-read the stream and decide again."""

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(f"stream {stream_id!r} is no longer at version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


class CorruptEvent(StoreError):
    """A stored row cannot be decoded (bad JSON, unknown type, failed upcast)."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"event at position {position}: {reason}")
        self.position = position
        self.reason = reason


class UnknownStream(StoreError):
    """No event was ever recorded on the stream."""


class CommandRejected(GatewayError):
    """The domain refused a command; the rejection is recorded with its reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class DuplicateCommand(StoreError):
    """The command was recorded by another writer first: answer from its record."""

    def __init__(self, command_ids: list[str]) -> None:
        super().__init__(f"commands already recorded: {', '.join(command_ids[:5])}")
        self.command_ids = command_ids


class InboundRefused(GatewayError):
    """A legacy message was refused at the door; `status` is the HTTP answer it deserves."""

    status = 400

    def __init__(self, detail: str, *, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class NotAuthenticated(InboundRefused):
    """Credentials or signature missing or wrong."""

    status = 401


class ReplayRefused(InboundRefused):
    """An authentic signature with a timestamp outside the tolerance: a replay or a bad clock."""

    status = 403


class UnknownSource(InboundRefused):
    status = 404


class KeyInFlight(InboundRefused):
    """A request with the same `Idempotency-Key` is still being handled."""

    status = 409


class PayloadTooLarge(InboundRefused):
    status = 413


class UnsupportedContent(InboundRefused):
    status = 415


class InvalidPayload(InboundRefused):
    """The message is well-formed but its fields are wrong; `errors` names each one."""

    status = 422


class RateLimited(InboundRefused):
    status = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class SourceDisabled(InboundRefused):
    """The source is configured but cannot run, e.g. its secret's variable is not set."""

    status = 503


class PollError(GatewayError):
    """A poll of a legacy REST API failed."""


class TransientPollError(PollError):
    """Worth trying again: timeouts, 5xx, 429 (`retry_after` seconds when the API said)."""

    def __init__(self, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PollUnauthorized(PollError):
    """The legacy API refused our credentials: never retried, the source halts and alerts."""


class PollRefused(PollError):
    """The legacy API answered with a 4xx or a page we cannot read: not retried."""


class DeliveryError(GatewayError):
    """Sending an event to a legacy system failed; `transient` says whether to try again."""

    transient = False


class TranslationFailed(DeliveryError):
    """The event cannot be rendered as the legacy system's request: dead-lettered, not retried."""


class LegacyUnavailable(DeliveryError):
    """The legacy system could not be reached, dropped the connection, or did not answer."""

    transient = True


class LegacyTimeout(LegacyUnavailable):
    """No complete answer within the destination's timeout."""


class LegacyCertificateRejected(DeliveryError):
    """The legacy system's TLS certificate failed verification: a configuration error (CA
    bundle, host name, expiry), never retried as if the system were down; the destination
    pauses and says why."""


class HeaderRefused(DeliveryError):
    """A header value holds CR or LF (a header injection): the request is never sent."""


class ReplayTooLarge(DeliveryError):
    """A replay's range or window holds more events than one call may send again."""

    def __init__(self, most: int) -> None:
        super().__init__(
            f"the range holds more than {most:,} events: replay it in parts "
            "(from_position and to_position, or a narrower time window)"
        )
        self.most = most


class UnknownDelivery(DeliveryError):
    """No delivery (or dead letter) has the id an operator gave."""


class ExportError(GatewayError):
    """A scheduled file export could not write a day's file; the message names the day and why."""


class UnknownJob(GatewayError):
    """No scheduled job (or export) has the name an operator gave."""


class SourceNotAllowed(InboundRefused):
    """The caller may not write as the CloudEvents `source` it names."""

    status = 403


class ConflictingEvent(InboundRefused):
    """A known CloudEvents `source` + `id` with another payload: never silently dropped."""

    status = 409


class EventRefused(InboundRefused):
    """A platform event that is not a valid next event of its stream; `code` says which rule."""

    status = 422

    def __init__(
        self, detail: str, *, code: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(detail, errors=errors)
        self.code = code


class ReconciliationError(GatewayError):
    """A file that is compared, not applied (GL's balances), could not be reconciled."""


class BalancesFileRefused(ReconciliationError):
    """The balances file breaks its format (line and reason): refused whole, nothing stored."""

    def __init__(self, reason: str, *, line: int | None = None) -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{reason}")
        self.reason = reason
        self.line = line


class BrokerError(GatewayError):
    """The platform's message broker could not do what was asked."""


class BrokerUnavailable(BrokerError):
    """The broker could not be reached or dropped the connection: wait, then reconnect."""


class LeaseLost(StoreError):
    """An import's lease was taken over by another process: this one must stop writing."""

    def __init__(self, import_id: int, owner: str) -> None:
        super().__init__(f"import {import_id} is no longer leased to {owner}")
        self.import_id = import_id


class LandingRefused(GatewayError):
    """A landed file is not a regular file inside its landing folder (a link, say): not read."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason
