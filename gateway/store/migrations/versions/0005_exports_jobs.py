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
    # Events a run set aside for a day it was not writing: future value dates, refused days,
    # late arrivals. The bulk of a day is read from the feed when its file is written.
    op.create_table(
        "export_entries",
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("business_day", sa.String(10), nullable=False),
        sa.Column("position", Id, nullable=False),
        sa.PrimaryKeyConstraint("job", "business_day", "position", name="pk_export_entries"),
    )
    op.create_table(
        "export_manifests",
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("business_day", sa.String(10), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("marker_name", sa.String(200), nullable=False),
        sa.Column("first_position", Id),
        sa.Column("last_position", Id),
        # The feed range the first writing run read (a rerun reads it again) and the position
        # up to which the file holds every event of its day.
        sa.Column("scan_from", Id, nullable=False),
        sa.Column("scan_to", Id, nullable=False),
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
