"""Many rows in one statement on SQLite; `executemany` on PostgreSQL.

Python's sqlite3 gives up the GIL at every row's step of an `executemany` and must win it
back for the next: beside a busy event loop each row then waited for the loop to let go
(measured: 2.3 us a row alone, 313 us beside a spinning thread). One statement for a batch
is one step. PostgreSQL's driver pipelines `executemany` and keeps its typed parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from gateway.store.sql import SqlEventStore

MAX_PARAMETERS = 30_000  # SQLite allows 32,766 parameters a statement since 3.32
Row = Sequence[Any]


def insert_rows(
    store: SqlEventStore, conn: Connection, table: str, columns: Sequence[str],
    rows: Sequence[Row],
) -> None:  # fmt: skip
    """`INSERT INTO table (columns) VALUES ...` for every row."""
    if not rows:
        return
    names = ", ".join(columns)
    if store.is_postgres:
        marks = ", ".join("%s" for _ in columns)
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))
        return
    row_marks = f"({', '.join('?' for _ in columns)})"
    for chunk in _chunks(rows, len(columns)):
        values = ", ".join(row_marks for _ in chunk)
        params = tuple(value for row in chunk for value in row)
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES {values}", params)


def update_rows(
    store: SqlEventStore, conn: Connection, table: str, sets: Sequence[str],
    keys: Sequence[str], rows: Sequence[Row],
) -> None:  # fmt: skip
    """`UPDATE table SET ... WHERE key = ? AND ...` for every row.

    `sets` names a column set from the row (`"attempts"`) or a whole assignment without a
    parameter (`"lease_owner = NULL"`); each row holds the set values, then the key values,
    in that order. Rows naming one key twice are updated one by one, in order: SQLite does
    not say which of two matching rows of `UPDATE ... FROM` wins.
    """
    if not rows:
        return
    assigned = [s for s in sets if "=" not in s]
    width = len(assigned) + len(keys)
    if store.is_postgres or len({tuple(r[len(assigned) :]) for r in rows}) < len(rows):
        clauses = ", ".join(s if "=" in s else f"{s} = ?" for s in sets)
        where = " AND ".join(f"{k} = ?" for k in keys)
        conn.exec_driver_sql(store.sql(f"UPDATE {table} SET {clauses} WHERE {where}"), list(rows))
        return
    names = [f"s{n}" for n in range(len(assigned))] + [f"k{n}" for n in range(len(keys))]
    given = iter(names)
    clauses = ", ".join(s if "=" in s else f"{s} = v.{next(given)}" for s in sets)
    where = " AND ".join(f"{table}.{k} = v.k{n}" for n, k in enumerate(keys))
    row_marks = f"({', '.join('?' for _ in range(width))})"
    for chunk in _chunks(rows, width):
        values = ", ".join(row_marks for _ in chunk)
        params = tuple(value for row in chunk for value in row)
        conn.exec_driver_sql(
            f"WITH v({', '.join(names)}) AS (VALUES {values}) "
            f"UPDATE {table} SET {clauses} FROM v WHERE {where}",
            params,
        )


def _chunks(rows: Sequence[Row], width: int) -> list[Sequence[Row]]:
    size = max(1, MAX_PARAMETERS // max(width, 1))
    return [rows[start : start + size] for start in range(0, len(rows), size)]
