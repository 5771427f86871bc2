"""The broker relay's position: how far the store is published, moved only past confirms.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Moment = sa.Float(precision=53)
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # One row per published destination (today `bank.events`); the relay's lease is a job lease.
    op.create_table(
        "broker_positions",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", Id, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("broker_positions")
