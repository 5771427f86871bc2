"""Quarantined poll items can be replayed: each keeps whether it still waits or was replayed.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "poll_rejects",
        sa.Column("status", sa.String(16), nullable=False, server_default="quarantined"),
    )


def downgrade() -> None:
    with op.batch_alter_table("poll_rejects") as table:
        table.drop_column("status")
