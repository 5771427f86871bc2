"""The append-only, versioned event store: its port and its SQLAlchemy backends."""

from gateway.store.port import CommandRecord, NewEvent, StoredEvent, StreamAppend
from gateway.store.sql import SqlEventStore, open_store

__all__ = [
    "CommandRecord",
    "NewEvent",
    "SqlEventStore",
    "StoredEvent",
    "StreamAppend",
    "open_store",
]
