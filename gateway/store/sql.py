"""The event store on SQLAlchemy: SQLite (embedded default) and PostgreSQL (scale-out).

Hot paths (batch append, feed reads) use driver SQL through SQLAlchemy's connection.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import orjson
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from gateway.errors import ConcurrencyConflict, DuplicateCommand, StoreError
from gateway.store import migrations
from gateway.store.decoding import collector_paused, decode_rows
from gateway.store.port import CommandRecord, Snapshot, StoredEvent, StreamAppend
from gateway.store.writes import (
    COMMAND_COLUMNS,
    EVENT_COLUMNS,
    Clock,
    StoreTransaction,
    utc_now,
)

T = TypeVar("T")


SQLITE_CACHE_MIB = 32  # the default of `database.sqlite_cache_mib`


HISTORIES_POSTGRES = (
    "SELECT v.stream_id, e.position, e.stream_version, e.type, e.schema_version, e.data "
    "FROM unnest(?::varchar[], ?::int[]) AS v(stream_id, after) "
    "CROSS JOIN LATERAL (SELECT position, stream_version, type, schema_version, data "
    "FROM events WHERE stream_id = v.stream_id AND stream_version > v.after OFFSET 0) AS e "
    "ORDER BY v.stream_id, e.stream_version"
)
"""`read_histories` on PostgreSQL: one index range scan a stream, whatever the statistics say.

The OR of 200 `(stream_id = ? AND stream_version > ?)` terms that SQLite reads by its index
was planned by PostgreSQL as a sequential scan of the whole table whenever the table's
statistics were missing or behind (a table just filled, autovacuum not yet round): 2.3 s for
200 streams of a million events, against 6 ms this way (30 ms for the OR with fresh
statistics). `OFFSET 0` keeps the planner from folding the lateral query into a hash join
over a sequential scan."""


def open_store(
    url: str, *, migrate: bool = True, clock: Clock = utc_now,
    sqlite_cache_mib: int = SQLITE_CACHE_MIB,
) -> SqlEventStore:  # fmt: skip
    """Connect to `url` (sqlite:///… or postgresql+psycopg://…) and migrate the schema."""
    engine = make_engine(url, sqlite_cache_mib=sqlite_cache_mib)
    if migrate:
        migrations.upgrade(engine)
    return SqlEventStore(engine, clock=clock)


def keep_private(database: Path) -> None:
    """The database holds customers' data: readable by the gateway's user only.

    Created so before SQLite opens it (its -wal and -shm files take the same mode); an
    existing file loses its group and world bits.
    """
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if not database.is_symlink() and database.stat().st_mode & 0o077:
            database.chmod(0o600)


def make_engine(url: str, *, sqlite_cache_mib: int = SQLITE_CACHE_MIB) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, cache_mib=sqlite_cache_mib)
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)

    @event.listens_for(engine, "connect")
    def no_jit(dbapi_connection: Any, _record: Any) -> None:
        """No JIT on the gateway's sessions: its compilation (up to 140 ms, measured) is
        decided by estimated cost, and a table whose statistics lag an import gets costs
        that call for it on a 6 ms read. Set here, not in the URL's `options`, which stay
        the operator's."""
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()

    return engine


def _sqlite_engine(url: str, *, cache_mib: int) -> Engine:
    """SQLite with WAL; `cache_mib` is each connection's page cache, which fills as it reads
    (an import's pass 1 reads every account's history: a 64 MiB cache took the import's
    peak RSS from 191 to 222 MB at 1,000,000 records, with no speed gained)."""
    engine = create_engine(url, connect_args={"timeout": 30})
    if engine.url.database and engine.url.database != ":memory:":
        keep_private(Path(engine.url.database))

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see `begin`).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "busy_timeout=30000",
            f"cache_size=-{cache_mib * 1024}",
            "temp_store=MEMORY",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        # A writer takes SQLite's write lock up front: a deferred transaction that read first
        # could fail to upgrade once another writer committed (SQLITE_BUSY_SNAPSHOT).
        writing = connection.get_execution_options().get("gateway_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


class SqlEventStore:
    """One store, two backends: the SQL differs only in placeholders and the feed lock."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self.is_postgres = engine.dialect.name == "postgresql"

    def sql(self, statement: str) -> str:
        """Statements are written with `?` placeholders; psycopg wants `%s`."""
        return statement.replace("?", "%s") if self.is_postgres else statement

    @contextmanager
    def transaction(self) -> Iterator[StoreTransaction]:
        """One atomic unit: events, command records and whatever else the caller writes."""
        tx: StoreTransaction | None = None
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(gateway_write=True)
                with conn.begin():
                    tx = StoreTransaction(self, conn)
                    yield tx
        except IntegrityError as exc:
            raise self._explain_integrity_error(tx, exc) from exc
        except OperationalError as exc:
            raise StoreError(f"database unavailable: {exc.orig}") from exc

    def _explain_integrity_error(
        self, tx: StoreTransaction | None, exc: IntegrityError
    ) -> StoreError:
        """After the rollback, find which unique key refused the write."""
        if tx is None:
            return StoreError(str(exc.orig))
        duplicates = self.existing_command_ids(tx.command_ids)
        if duplicates:
            return DuplicateCommand(sorted(duplicates))
        actual = self.stream_versions([a.stream_id for a in tx.appends])
        for append in tx.appends:
            if actual.get(append.stream_id, 0) > append.expected_version:
                return ConcurrencyConflict(append.stream_id, append.expected_version)
        return StoreError(f"write refused by the database: {exc.orig}")

    # --- writing ---------------------------------------------------------------------------

    def append(
        self, stream_id: str, expected_version: int, events: Sequence[Any]
    ) -> list[tuple[int, int]]:
        """Append to one stream in its own transaction; see `StoreTransaction.append`."""
        with self.transaction() as tx:
            return tx.append([StreamAppend(stream_id, expected_version, events)])

    def save_snapshot(self, snapshot: Snapshot) -> None:
        with self.transaction() as tx:
            tx.save_snapshot(snapshot)

    # --- reading ---------------------------------------------------------------------------

    def read_all(self, *, after: int = 0, limit: int = 1000) -> list[StoredEvent]:
        """The global feed: events with position > `after`, in position order."""
        return self.read_events(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?",
            (after, limit),
        )

    def read_positions(
        self, first: int, last: int, *, stream_id: str | None = None
    ) -> list[StoredEvent]:
        """Events from position `first` to `last`, in position order; one stream's alone when
        `stream_id` is given (found by the stream's index, the span unread)."""
        if stream_id is None:
            return self.read_events(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE position BETWEEN ? AND ? "
                "ORDER BY position",
                (first, last),
            )
        return self.read_events(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE stream_id = ? "
            "AND position BETWEEN ? AND ? ORDER BY position",
            (stream_id, first, last),
        )

    def read_stream(
        self, stream_id: str, *, after_version: int = 0, limit: int | None = None
    ) -> list[StoredEvent]:
        """The stream's events after `after_version`, in version order (`limit` at most)."""
        bounded = "" if limit is None else f" LIMIT {int(limit)}"
        return self.read_events(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE stream_id = ? AND stream_version > ? "
            f"ORDER BY stream_version{bounded}",
            (stream_id, after_version),
        )

    def read_streams(self, after: Mapping[str, int]) -> dict[str, list[StoredEvent]]:
        """Each stream's events after its version in `after` (0: every one), in version order.

        Streams with no such events are left out. One query per 200 streams: loading a batch's
        streams one by one costs a round trip each; starting at a snapshot's version leaves a
        long stream's older history unread.
        """
        found: dict[str, list[StoredEvent]] = {}
        for chunk in _chunks(sorted(after.items()), 200):
            terms = " OR ".join(["(stream_id = ? AND stream_version > ?)"] * len(chunk))
            events = self.read_events(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE {terms} "
                "ORDER BY stream_id, stream_version",
                tuple(value for pair in chunk for value in pair),
            )
            for stored in events:
                found.setdefault(stored.stream_id, []).append(stored)
        return found

    def read_histories(self, after: Mapping[str, int]) -> dict[str, list[HistoryRow]]:
        """`read_streams` for replaying states: each event's position, version, type, schema
        version and its data's JSON as stored, nothing decoded (metadata, ids and times are
        not read at all). Loading states is most of a shuffled file import's work.
        """
        found: dict[str, list[HistoryRow]] = {}
        for chunk in _chunks(sorted(after.items()), 200):
            if self.is_postgres:
                params: tuple[Any, ...] = ([pair[0] for pair in chunk], [pair[1] for pair in chunk])
                rows = self.fetch(HISTORIES_POSTGRES, params)
            else:
                terms = " OR ".join(["(stream_id = ? AND stream_version > ?)"] * len(chunk))
                rows = self.fetch(
                    "SELECT stream_id, position, stream_version, type, schema_version, data "
                    f"FROM events WHERE {terms} ORDER BY stream_id, stream_version",
                    tuple(value for pair in chunk for value in pair),
                )
            for row in rows:
                found.setdefault(row[0], []).append(row[1:])
        return found

    def read_events(self, statement: str, params: tuple[Any, ...]) -> list[StoredEvent]:
        """Events rows read and decoded with the garbage collector paused (`collector_paused`)."""
        with collector_paused():
            return decode_rows(self.fetch(statement, params))

    def load_snapshots(self, stream_ids: Collection[str]) -> dict[str, Snapshot]:
        """The snapshot of each stream that has one, one query per 500 streams."""
        found: dict[str, Snapshot] = {}
        for chunk in _chunks(sorted(set(stream_ids)), 500):
            marks = ", ".join("?" * len(chunk))
            rows = self.fetch(
                "SELECT stream_id, stream_version, schema_version, state FROM snapshots "
                f"WHERE stream_id IN ({marks})",
                tuple(chunk),
            )
            found.update(
                (row[0], Snapshot(row[0], int(row[1]), int(row[2]), orjson.loads(row[3])))
                for row in rows
            )
        return found

    def head_position(self) -> int:
        rows = self.fetch("SELECT COALESCE(MAX(position), 0) FROM events", ())
        return int(rows[0][0])

    def stream_versions(self, stream_ids: Iterable[str]) -> dict[str, int]:
        """Current version of each stream that has events; absent streams are left out."""
        found: dict[str, int] = {}
        for chunk in _chunks(sorted(set(stream_ids)), 500):
            marks = ", ".join("?" * len(chunk))
            rows = self.fetch(
                f"SELECT stream_id, MAX(stream_version) FROM events "
                f"WHERE stream_id IN ({marks}) GROUP BY stream_id",
                tuple(chunk),
            )
            found.update((row[0], int(row[1])) for row in rows)
        return found

    def get_command(self, command_id: str) -> CommandRecord | None:
        rows = self.fetch(
            f"SELECT {COMMAND_COLUMNS} FROM commands WHERE command_id = ?", (command_id,)
        )
        return CommandRecord(*rows[0]) if rows else None

    def existing_command_ids(self, command_ids: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(list(command_ids), 500):
            marks = ", ".join("?" * len(chunk))
            rows = self.fetch(
                f"SELECT command_id FROM commands WHERE command_id IN ({marks})", tuple(chunk)
            )
            found.update(row[0] for row in rows)
        return found

    def load_snapshot(self, stream_id: str) -> Snapshot | None:
        rows = self.fetch(
            "SELECT stream_id, stream_version, schema_version, state FROM snapshots "
            "WHERE stream_id = ?",
            (stream_id,),
        )
        if not rows:
            return None
        row = rows[0]
        return Snapshot(row[0], int(row[1]), int(row[2]), orjson.loads(row[3]))

    def fetch(self, statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Rows straight from the driver: SQLAlchemy's row objects cost more than the read."""
        try:
            with self.engine.connect() as conn:
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                try:
                    cursor.execute(self.sql(statement), params)
                    return list(cursor.fetchall())
                finally:
                    cursor.close()
        except OperationalError as exc:
            raise StoreError(f"database unavailable: {exc.orig}") from exc
        except self.engine.dialect.loaded_dbapi.Error as exc:
            raise StoreError(f"database refused a read: {exc}") from exc


HistoryRow = tuple[int, int, str, int, bytes]
"""An event of a stream's history as `read_histories` gives it: position, stream version,
type, schema version, the data's JSON."""


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
