"""Deliveries under faults and across processes: the SLA clock of a requeued delivery, the
count of retry-later answers, and a legacy system's limits shared by every gateway process.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Moment = sa.Float(precision=53)


def upgrade() -> None:
    # NULL: the SLA clock started at the event; a replay or redrive starts it again.
    op.add_column("deliveries", sa.Column("sla_from", Moment))
    op.add_column(
        "deliveries",
        sa.Column("retry_later_attempts", sa.Integer, nullable=False, server_default="0"),
    )
    # One row per in-flight slot of a destination (`max_in_flight` rows): a process sends
    # only on a slot it leased, so the limit holds across processes. Times are the database's.
    op.create_table(
        "delivery_slots",
        sa.Column("destination", sa.String(64), primary_key=True),
        sa.Column("slot", sa.Integer, primary_key=True),
        sa.Column("holder", sa.String(64)),
        sa.Column("expires_at", Moment, nullable=False, server_default="0"),
    )
    # The destination's pace: the earliest database time the next request may start.
    op.create_table(
        "delivery_pacing",
        sa.Column("destination", sa.String(64), primary_key=True),
        sa.Column("next_at", Moment, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("delivery_pacing")
    op.drop_table("delivery_slots")
    with op.batch_alter_table("deliveries") as table:
        table.drop_column("retry_later_attempts")
        table.drop_column("sla_from")
