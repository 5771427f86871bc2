"""The comparison as SQL: a ledger's rows against the acknowledged lines up to its last posting.

One aggregate, streamed, returns only the accounts that differ (or that a not-yet-sent posting
could make differ); the gateway's postings of those accounts are then read to explain them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from sqlalchemy.engine import Connection

from gateway.reconciliation.differences import AccountFigures, SentPosting
from gateway.reconciliation.ports import AccountBalance
from gateway.store.sql import SqlEventStore

STAGE_BATCH = 5000
STAGED = "import_id, account, line, currency, balance, posting_count, last_ref"
ACCOUNTS_PER_READ = 500
# Acknowledged: the delivery is delivered, or an attempt was (a replay puts it back to pending).
ACKNOWLEDGED = (
    "CASE WHEN d.status = 'delivered' THEN 1 WHEN EXISTS (SELECT 1 FROM delivery_attempts a "
    "WHERE a.delivery_id = d.id AND a.verdict IN ('delivered', 'duplicate')) THEN 1 ELSE 0 END"
)
# Per file row: its cut-off (the line of its LAST_POSTING_REF in the account: posting refs are
# unique, so at most one; were one sent twice the sums would double and the account differ, never
# hide), then the account's lines with their deliveries, summed: those up to the cut-off, and
# those after it that GL acknowledged before it closed (GL should hold them). Read in the staged
# rows' key order, SQLite groups each account's lines as they come, with no sort (a CTE that
# sorted a million joined rows in memory peaked at 260 MB); PostgreSQL hash-joins it.
FIGURES = f"""
SELECT * FROM (
    SELECT b.account, b.line, b.currency, b.balance, b.posting_count, b.last_ref,
           c.position AS cut,
           COALESCE(SUM(CASE WHEN l.position <= c.position AND ({ACKNOWLEDGED}) = 1
                             THEN l.amount ELSE 0 END), 0) AS amount,
           COALESCE(SUM(CASE WHEN l.position <= c.position THEN {ACKNOWLEDGED} ELSE 0 END), 0)
               AS acknowledged,
           COALESCE(SUM(CASE WHEN l.position <= c.position THEN 1 ELSE 0 END), 0) AS sent,
           COALESCE(SUM(CASE WHEN l.position > c.position AND d.delivered_at <= ?
                             THEN {ACKNOWLEDGED} ELSE 0 END), 0) AS late
    FROM reconciliation_balances b
    LEFT JOIN ledger_lines c ON c.destination = ? AND c.reference = b.last_ref
         AND c.account = b.account
    LEFT JOIN ledger_lines l ON l.destination = ? AND l.account = b.account
    LEFT JOIN deliveries d ON d.destination = l.destination AND d.position = l.position
    WHERE b.import_id = ?
    GROUP BY b.account, b.line, b.currency, b.balance, b.posting_count, b.last_ref, c.position
) figures
WHERE cut IS NULL OR amount <> balance OR acknowledged <> posting_count OR acknowledged <> sent
   OR late > 0
ORDER BY account
"""
GATEWAY_ONLY = f"""
SELECT l.account, SUM(l.amount), COUNT(*)
FROM ledger_lines l JOIN deliveries d ON d.destination = l.destination AND d.position = l.position
WHERE l.destination = ? AND ({ACKNOWLEDGED}) = 1 AND COALESCE(d.delivered_at, 0) <= ?
  AND NOT EXISTS (SELECT 1 FROM reconciliation_balances b WHERE b.import_id = ?
                  AND b.account = l.account)
GROUP BY l.account
ORDER BY l.account
"""
POSTINGS = f"""
SELECT l.account, l.position, l.reference, l.amount, l.currency, d.id, d.status, d.attempts,
       {ACKNOWLEDGED}, d.delivered_at
FROM ledger_lines l JOIN deliveries d ON d.destination = l.destination AND d.position = l.position
WHERE l.destination = ? AND l.account IN ({{marks}})
ORDER BY l.account, l.position
"""


def stage_balances(
    store: SqlEventStore, conn: Connection, import_id: int, rows: Sequence[AccountBalance]
) -> None:
    """The file's rows, in the table the aggregate joins (removed once the result is stored)."""
    conn.exec_driver_sql(
        store.sql("DELETE FROM reconciliation_balances WHERE import_id = ?"), (import_id,)
    )
    values = (
        (import_id, r.account, r.line, r.currency, r.balance, r.posting_count, r.last_ref)
        for r in rows
    )
    if store.is_postgres:
        _copy(conn, values)
        # Fresh rows have no statistics: without them the plan is nested loops.
        conn.exec_driver_sql("ANALYZE reconciliation_balances")
        return
    statement = store.sql(f"INSERT INTO reconciliation_balances ({STAGED}) VALUES (?,?,?,?,?,?,?)")
    batch = list(islice(values, STAGE_BATCH))
    while batch:
        conn.exec_driver_sql(statement, batch)
        batch = list(islice(values, STAGE_BATCH))


def _copy(conn: Connection, values: Iterable[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY, in the connection's own transaction: a tenth of executemany's time."""
    driver = conn.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY reconciliation_balances ({STAGED}) FROM STDIN") as copy,
    ):
        for row in values:
            copy.write_row(row)


def _streamed(conn: Connection, store: SqlEventStore, statement: str, params: Any) -> Any:
    streaming = conn.execution_options(stream_results=True, max_row_buffer=1000)
    return streaming.exec_driver_sql(store.sql(statement), params)


def ledger_figures(
    store: SqlEventStore, conn: Connection, *, destination: str, import_id: int, as_of: float
) -> Iterator[AccountFigures]:
    """The accounts of the file that differ from the acknowledged lines up to their cut."""
    params = (as_of, destination, destination, import_id)
    for row in _streamed(conn, store, FIGURES, params):
        account, line, currency, balance, count, last_ref, cut, amount, acknowledged = row[:9]
        ledger = AccountBalance(int(line), account, currency, int(balance), int(count), last_ref)
        yield AccountFigures(
            account, ledger, None if cut is None else int(cut), int(amount), int(acknowledged)
        )


def gateway_only_figures(
    store: SqlEventStore, conn: Connection, *, destination: str, import_id: int, as_of: float
) -> Iterator[AccountFigures]:
    """Accounts with postings acknowledged by the ledger's close that the file does not list."""
    for account, amount, count in _streamed(
        conn, store, GATEWAY_ONLY, (destination, as_of, import_id)
    ):
        yield AccountFigures(account, None, None, int(amount), int(count))


def sent_postings(
    store: SqlEventStore, conn: Connection, *, destination: str, accounts: Iterable[str]
) -> dict[str, list[SentPosting]]:
    """Every delivery of these accounts to the destination, in feed order."""
    found: dict[str, list[SentPosting]] = {}
    chosen = list(accounts)
    for start in range(0, len(chosen), ACCOUNTS_PER_READ):
        batch = chosen[start : start + ACCOUNTS_PER_READ]
        statement = POSTINGS.format(marks=",".join("?" * len(batch)))
        for row in conn.exec_driver_sql(store.sql(statement), (destination, *batch)):
            account, position, ref, amount, currency, delivery, status, attempts, ack, at = row
            found.setdefault(account, []).append(
                SentPosting(int(position), ref, int(amount), currency, int(delivery), status,
                            int(attempts), bool(ack), None if at is None else float(at))
            )  # fmt: skip
    return found
