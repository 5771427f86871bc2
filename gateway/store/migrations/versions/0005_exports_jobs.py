"""Scheduled jobs across processes, and file exports: job leases and runs, export index, manifests.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Moments are UTC epoch seconds (double precision), as in the delivery tables.
Moment = sa.Float(precision=53)
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Export files are sorted by account byte for byte: PostgreSQL must not sort by locale.
SortKey = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def upgrade() -> None:
    _jobs()
    _exports()


def _jobs() -> None:
    # One row per job: who runs it now, and until when that claim holds without a renewal.
    op.create_table(
        "job_leases",
        sa.Column("job", sa.String(100), primary_key=True),
        sa.Column("holder", sa.String(128)),
        sa.Column("run_id", Id),
        sa.Column("acquired_at", Moment),
        sa.Column("expires_at", Moment),
    )
    # One row per run; the unique due time is what makes a due run happen once across processes.
    op.create_table(
        "job_runs",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("job", sa.String(100), nullable=False),
        sa.Column("due_at", Moment, nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("started_at", Moment, nullable=False),
        sa.Column("finished_at", Moment),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text),
        sa.UniqueConstraint("job", "due_at", name="uq_job_runs_due"),
    )
    op.create_index("ix_job_runs_job_started", "job_runs", ["job", "started_at"])


def _exports() -> None:
    op.create_table(
        "export_positions",
        sa.Column("job", sa.String(64), primary_key=True),
        sa.Column("position", Id, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
    )
    # Each exported event's detail record under its business day, clustered in file order:
    # a day's file is one ordered range scan, whatever order the feed brought the events in.
    op.create_table(
        "export_entries",
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("business_day", sa.String(10), nullable=False),
        sa.Column("sort_key", SortKey, nullable=False),
        sa.Column("happened_at", sa.String(32), nullable=False),
        sa.Column("position", Id, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("record", sa.LargeBinary),
        sa.Column("problem", sa.Text),
        sa.PrimaryKeyConstraint(
            "job", "business_day", "sort_key", "happened_at", "position", name="pk_export_entries"
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "export_manifests",
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("business_day", sa.String(10), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("marker_name", sa.String(200), nullable=False),
        sa.Column("first_position", Id),
        sa.Column("last_position", Id),
        sa.Column("through_position", Id, nullable=False),
        sa.Column("record_count", sa.Integer, nullable=False),
        sa.Column("net_total_minor", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("first_exported_at", Moment, nullable=False),
        sa.Column("exported_at", Moment, nullable=False),
        sa.Column("exports", sa.Integer, nullable=False),
        # Events of this day appended after the export: counted as the feed is read.
        sa.Column("late_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("late_first_position", Id),
        sa.Column("late_last_position", Id),
        sa.PrimaryKeyConstraint("job", "business_day", name="pk_export_manifests"),
    )


def downgrade() -> None:
    for table in (
        "export_manifests", "export_entries", "export_positions", "job_runs", "job_leases",
    ):  # fmt: skip
        op.drop_table(table)
