"""Reconciliation: what each destination's postings say per account, and the results per day.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Money in hundredths (the balances file's two places): exact sums on both backends.
Cents = sa.BigInteger()


def upgrade() -> None:
    op.create_table(
        "ledger_lines",
        sa.Column("destination", sa.String(64), primary_key=True),
        sa.Column("position", Id, primary_key=True),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("amount", Cents, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
    )
    # One account's lines in feed order (the aggregate's range scan), and GL's last ref.
    op.create_index(
        "ix_ledger_lines_account", "ledger_lines", ["destination", "account", "position"]
    )
    op.create_index("ix_ledger_lines_reference", "ledger_lines", ["destination", "reference"])
    op.create_table(
        "reconciliation_balances",
        sa.Column("import_id", Id, primary_key=True),
        sa.Column("account", sa.String(64), primary_key=True),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance", Cents, nullable=False),
        sa.Column("posting_count", sa.BigInteger, nullable=False),
        sa.Column("last_ref", sa.String(64), nullable=False),
    )
    op.create_table(
        "reconciliations",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("system", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("import_id", Id, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("as_of", sa.String(40), nullable=False),
        sa.Column("accounts", sa.Integer, nullable=False),
        sa.Column("differing_accounts", sa.Integer, nullable=False),
        sa.Column("differences", sa.Integer, nullable=False),
        sa.Column("gl_total", Cents, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("replaced_by", Id),
        sa.Column("reconciled_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_reconciliations_day", "reconciliations", ["system", "day", "is_current"])
    op.create_table(
        "reconciliation_differences",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("reconciliation_id", Id, nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("class", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3)),
        sa.Column("gl_balance", Cents),
        sa.Column("gl_count", sa.BigInteger),
        sa.Column("gl_last_ref", sa.String(64)),
        sa.Column("expected_balance", Cents, nullable=False),
        sa.Column("expected_count", sa.BigInteger, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("postings", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_reconciliation_differences_run", "reconciliation_differences",
        ["reconciliation_id", "account"],
    )  # fmt: skip


def downgrade() -> None:
    for table in (
        "reconciliation_differences", "reconciliations", "reconciliation_balances", "ledger_lines",
    ):  # fmt: skip
        op.drop_table(table)
