"""The bank's domain: commands, events and the deciders of customers and accounts.

Importing the package registers every message type, so `event_class(name)` knows them all.
"""

from __future__ import annotations

from gateway.domain.deciders import (
    ACCOUNTS,
    CUSTOMERS,
    DECIDERS,
    Decider,
    decider_for,
    decider_for_stream,
)
from gateway.domain.errors import (
    DomainRejection,
    IncompatibleSnapshot,
    InvalidHistory,
    NoDecider,
    RejectionCode,
)
from gateway.domain.money import Money

__all__ = [
    "ACCOUNTS",
    "CUSTOMERS",
    "DECIDERS",
    "Decider",
    "DomainRejection",
    "IncompatibleSnapshot",
    "InvalidHistory",
    "Money",
    "NoDecider",
    "RejectionCode",
    "decider_for",
    "decider_for_stream",
]
