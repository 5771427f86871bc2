"""The registry of the bank's aggregates: which decider handles a command or owns a stream.

The command service folds `evolve` over a stream, asks `decide`, and appends what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from typing import Any, Generic, TypeVar

from gateway.domain import accounts, customers
from gateway.domain.account_messages import STREAM_PREFIX as ACCOUNT_PREFIX
from gateway.domain.account_messages import AccountCommand
from gateway.domain.account_state import AccountState
from gateway.domain.customers import STREAM_PREFIX as CUSTOMER_PREFIX
from gateway.domain.customers import CustomerCommand
from gateway.domain.errors import NoDecider
from gateway.domain.messages import Command, Event, JsonDict

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Decider(Generic[S]):
    """One aggregate's pure functions; `S` is its state (None before the stream's first event).

    Snapshots: `snapshot(state)` gives a JSON-ready dict and `restore(dict)` the state back.
    Store `snapshot_version` beside it and ignore a snapshot of any other version (replay).
    """

    name: str
    stream_prefix: str
    command_base: type[Command]
    initial_state: Callable[[], S]
    decide: Callable[[S, Command], list[Event]]
    evolve: Callable[[S, Event], S]
    snapshot: Callable[[S], JsonDict]
    restore: Callable[[JsonDict], S]
    snapshot_version: int
    weight: Callable[[S], int] = lambda state: 0
    """How many items (postings, holds, ...) a state holds, for the bounds of a state cache."""
    admit: Callable[[S, Command], None] = lambda state, command: None
    """Raise the `DomainRejection` the stream's standing alone (not its history) makes certain.

    A file import asks this of every record before it applies any (pass 1), so the refusals
    that decide its reject limit are known before its first commit: `decide` would refuse the
    same command for the same reason, whatever else the file holds."""

    def stream_id(self, command: Command) -> str:
        return command.stream_id()

    def fold(self, state: S, events: Iterable[Event]) -> S:
        """`state` after `events`, applied in stream order."""
        return reduce(self.evolve, events, state)

    def replay(self, events: Iterable[Event]) -> S:
        """The state a whole stream's events build from nothing."""
        return self.fold(self.initial_state(), events)


CUSTOMERS: Decider[customers.CustomerState | None] = Decider(
    name="customer",
    stream_prefix=CUSTOMER_PREFIX,
    command_base=CustomerCommand,
    initial_state=customers.initial_state,
    decide=customers.decide,
    evolve=customers.evolve,
    snapshot=customers.snapshot,
    restore=customers.restore,
    snapshot_version=customers.SNAPSHOT_VERSION,
)

ACCOUNTS: Decider[AccountState | None] = Decider(
    name="account",
    stream_prefix=ACCOUNT_PREFIX,
    command_base=AccountCommand,
    initial_state=accounts.initial_state,
    decide=accounts.decide,
    evolve=accounts.evolve,
    snapshot=accounts.snapshot,
    restore=accounts.restore,
    snapshot_version=accounts.SNAPSHOT_VERSION,
    weight=accounts.weight,
    admit=accounts.admit,
)

DECIDERS: tuple[Decider[Any], ...] = (CUSTOMERS, ACCOUNTS)


def decider_for(command: Command) -> Decider[Any]:
    for decider in DECIDERS:
        if isinstance(command, decider.command_base):
            return decider
    raise NoDecider(f"no aggregate handles {type(command).__name__}")


def decider_for_stream(stream_id: str) -> Decider[Any]:
    for decider in DECIDERS:
        if stream_id.startswith(decider.stream_prefix):
            return decider
    raise NoDecider(f"no aggregate owns stream {stream_id!r}")
