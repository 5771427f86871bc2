"""The customer aggregate: registration and address changes as CRM reports them.

CRM re-sends late, so an address change older than the recorded one is kept but not applied.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.domain.errors import (
    DomainRejection,
    IncompatibleSnapshot,
    InvalidHistory,
    RejectionCode,
)
from gateway.domain.identifiers import CountryCode, CustomerNo
from gateway.domain.messages import Command, Event, JsonDict, command_type, event_type

STREAM_PREFIX = "customer-"
SNAPSHOT_VERSION = 1


def customer_stream_id(customer_no: str) -> str:
    return f"{STREAM_PREFIX}{customer_no}"


@dataclass(frozen=True, slots=True)
class PostalAddress:
    line1: str
    line2: str
    city: str
    postcode: str
    country: str


class PostalAddressFields(BaseModel):
    """The address lines every customer message carries; `line2` and `postcode` may be empty."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line1: str = Field(min_length=1)
    line2: str = ""
    city: str = Field(min_length=1)
    postcode: str = ""
    country: CountryCode

    @property
    def address(self) -> PostalAddress:
        return PostalAddress(self.line1, self.line2, self.city, self.postcode, self.country)


class CustomerCommand(Command):
    customer_no: CustomerNo

    def stream_id(self) -> str:
        return customer_stream_id(self.customer_no)


class CustomerEvent(Event):
    customer_no: CustomerNo


@command_type("RegisterCustomer")
class RegisterCustomer(PostalAddressFields, CustomerCommand):
    name: str = Field(min_length=1)
    changed_at: AwareDatetime


@command_type("ChangeCustomerAddress")
class ChangeCustomerAddress(PostalAddressFields, CustomerCommand):
    changed_at: AwareDatetime


@event_type("CustomerRegistered", version=1)
class CustomerRegistered(PostalAddressFields, CustomerEvent):
    name: str = Field(min_length=1)
    changed_at: AwareDatetime


@event_type("CustomerAddressChanged", version=1)
class CustomerAddressChanged(PostalAddressFields, CustomerEvent):
    changed_at: AwareDatetime


@event_type("StaleAddressChangeRecorded", version=1)
class StaleAddressChangeRecorded(PostalAddressFields, CustomerEvent):
    """An address change that arrived after a newer one: kept for the record, never applied."""

    changed_at: AwareDatetime
    current_as_of: AwareDatetime


@dataclass(frozen=True, slots=True)
class CustomerState:
    """`registered_address` answers re-sent registrations; `address` is the one in force."""

    customer_no: str
    name: str
    registered_address: PostalAddress
    address: PostalAddress
    address_as_of: datetime


def initial_state() -> CustomerState | None:
    """No customer before `CustomerRegistered`."""
    return None


def decide(state: CustomerState | None, command: Command) -> list[Event]:
    if isinstance(command, RegisterCustomer):
        return _register(state, command)
    if isinstance(command, ChangeCustomerAddress):
        return _change_address(_known(state, command), command)
    raise TypeError(f"the customer decider does not handle {type(command).__name__}")


def _register(state: CustomerState | None, command: RegisterCustomer) -> list[Event]:
    """A re-sent registration with the same name and address is taken again, without an event.

    The timestamp is not compared: CRM stamps a re-created record anew, yet it is the same fact.
    """
    if state is None:
        return [CustomerRegistered(**command.model_dump(exclude={"command_id"}))]
    if (state.name, state.registered_address) == (command.name, command.address):
        return []
    raise DomainRejection(
        RejectionCode.CUSTOMER_ALREADY_REGISTERED,
        f"customer {command.customer_no} is already registered with other data",
    )


def _change_address(state: CustomerState, command: ChangeCustomerAddress) -> list[Event]:
    """Newer changes apply; the same change again adds nothing; older ones are recorded stale."""
    fields = command.model_dump(exclude={"command_id"})
    if command.changed_at > state.address_as_of:
        return [CustomerAddressChanged(**fields)]
    if command.changed_at == state.address_as_of and command.address == state.address:
        return []
    return [StaleAddressChangeRecorded(**fields, current_as_of=state.address_as_of)]


def _known(state: CustomerState | None, command: CustomerCommand) -> CustomerState:
    if state is None:
        raise DomainRejection(
            RejectionCode.UNKNOWN_CUSTOMER, f"customer {command.customer_no} is not registered"
        )
    return state


def evolve(state: CustomerState | None, event: Event) -> CustomerState | None:
    if isinstance(event, CustomerRegistered) and state is None:
        return CustomerState(
            customer_no=event.customer_no,
            name=event.name,
            registered_address=event.address,
            address=event.address,
            address_as_of=event.changed_at,
        )
    if state is None or isinstance(event, CustomerRegistered):
        raise InvalidHistory(f"{event.type_name} cannot follow {state!r} on a customer stream")
    if isinstance(event, CustomerAddressChanged):
        return replace(state, address=event.address, address_as_of=event.changed_at)
    if isinstance(event, StaleAddressChangeRecorded):
        return state
    raise InvalidHistory(f"{event.type_name} does not belong on a customer stream")


def snapshot(state: CustomerState | None) -> JsonDict:
    """A JSON-ready copy of the state; `{}` stands for a customer not (yet) registered."""
    if state is None:
        return {}
    return {
        "customer_no": state.customer_no,
        "name": state.name,
        "registered_address": asdict(state.registered_address),
        "address": asdict(state.address),
        "address_as_of": state.address_as_of.isoformat(),
    }


def restore(data: JsonDict) -> CustomerState | None:
    """The state `snapshot` wrote; raises `IncompatibleSnapshot` when the layout differs."""
    if not data:
        return None
    try:
        return CustomerState(
            customer_no=data["customer_no"],
            name=data["name"],
            registered_address=_address(data["registered_address"]),
            address=_address(data["address"]),
            address_as_of=datetime.fromisoformat(data["address_as_of"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise IncompatibleSnapshot(f"customer snapshot does not fit: {exc!r}") from exc


def _address(data: dict[str, Any]) -> PostalAddress:
    return PostalAddress(**data)
