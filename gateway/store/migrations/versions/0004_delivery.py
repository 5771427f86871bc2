"""Outbound delivery and SLA tracking: deliveries, their attempts, feed positions, breaches.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Moments are UTC epoch seconds (double precision): compared and subtracted on both backends.
Moment = sa.Float(precision=53)
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN = "status IN ('pending', 'dead')"


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("position", Id, nullable=False),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("counted_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("event_at", Moment, nullable=False),
        sa.Column("due_at", Moment, nullable=False),
        sa.Column("next_attempt_at", Moment, nullable=False),
        sa.Column("run_started_at", Moment),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_expires_at", Moment),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("delivered_at", Moment),
        sa.Column("latency_seconds", Moment),
        sa.Column("breached_at", Moment),
        sa.Column("paged_at", Moment),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("destination", "position", name="uq_deliveries_destination_position"),
    )
    # Workers scan due pending rows in feed order, and look for an open earlier row of the
    # same stream (the head-of-line rule); both indexes cover only rows still open.
    op.create_index(
        "ix_deliveries_pending", "deliveries", ["destination", "position"],
        sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"),
    )  # fmt: skip
    op.create_index(
        "ix_deliveries_open_stream", "deliveries", ["destination", "stream_id", "position"],
        sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN),
    )  # fmt: skip
    op.create_index("ix_deliveries_due", "deliveries", ["status", "due_at"])
    if op.get_bind().dialect.name == "postgresql":
        # Leases change often: room in each page lets those updates stay HOT (no index churn).
        op.execute("ALTER TABLE deliveries SET (fillfactor = 70)")
    op.create_table(
        "delivery_attempts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", Id, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(64), nullable=False),
        sa.Column("started_at", Moment, nullable=False),
        sa.Column("latency_ms", Moment, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("answer", sa.Text),
    )
    op.create_index("ix_delivery_attempts_delivery", "delivery_attempts", ["delivery_id"])
    op.create_table(
        "delivery_positions",
        sa.Column("destination", sa.String(64), primary_key=True),
        sa.Column("position", Id, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
    )
    op.create_table(
        "delivery_circuits",
        sa.Column("destination", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("changed_at", Moment, nullable=False),
        sa.Column("worker", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text),
    )
    op.create_table(
        "sla_breaches",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("due_at", Moment, nullable=False),
        sa.Column("breached_at", Moment, nullable=False),
        sa.Column("detail", sa.Text),
        sa.UniqueConstraint("kind", "name", "subject", "severity", name="uq_sla_breaches_subject"),
    )
    op.create_index("ix_sla_breaches_name", "sla_breaches", ["kind", "name", "breached_at"])


def downgrade() -> None:
    for table in (
        "sla_breaches", "delivery_circuits", "delivery_positions", "delivery_attempts",
        "deliveries",
    ):  # fmt: skip
        op.drop_table(table)
