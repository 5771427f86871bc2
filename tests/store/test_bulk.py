"""Many rows in one statement write what one statement a row writes, on both backends."""

from __future__ import annotations

import pytest

from gateway.store import bulk
from gateway.store.bulk import insert_rows, update_rows
from gateway.store.sql import SqlEventStore


@pytest.fixture
def table(store: SqlEventStore) -> SqlEventStore:
    with store.transaction() as tx:
        tx.connection.exec_driver_sql(
            "CREATE TABLE bulk_probe (id INTEGER PRIMARY KEY, owner VARCHAR(8), n INTEGER, "
            "note TEXT, flag VARCHAR(8))"
        )
    return store


def rows_of(store: SqlEventStore) -> list[tuple[object, ...]]:
    return [
        tuple(r) for r in store.fetch("SELECT id, owner, n, note, flag FROM bulk_probe ORDER BY id")
    ]


def test_rows_inserted_and_updated_in_chunks_are_those_of_one_statement_a_row(
    table: SqlEventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "MAX_PARAMETERS", 7)  # two rows a statement: chunks are used
    with table.transaction() as tx:
        insert_rows(table, tx.connection, "bulk_probe", ("id", "owner", "n", "note"),
                    [(i, "w" if i % 2 else "x", i, None) for i in range(1, 8)])  # fmt: skip
    with table.transaction() as tx:
        update_rows(
            table,
            tx.connection,
            "bulk_probe",
            ("n", "note", "flag = 'set'"),
            ("id", "owner"),
            [(10 * i, f"row {i}" if i != 3 else None, i, "w") for i in range(1, 8)],
        )  # rows owned by "x" are guarded off, as `AND owner = ?` would
    assert rows_of(table) == [
        (1, "w", 10, "row 1", "set"), (2, "x", 2, None, None), (3, "w", 30, None, "set"),
        (4, "x", 4, None, None), (5, "w", 50, "row 5", "set"), (6, "x", 6, None, None),
        (7, "w", 70, "row 7", "set"),
    ]  # fmt: skip
