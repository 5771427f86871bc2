"""Inbound sources: each source's status and poll cursor, and the quarantine of polled items.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_status",
        sa.Column("source", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        # Written in the same transaction as the commands of the page it follows.
        sa.Column("cursor", sa.Text),
        sa.Column("last_success_at", sa.String(32)),
        sa.Column("last_error_at", sa.String(32)),
        sa.Column("last_error", sa.Text),
        # Set on 401: scheduled polls skip the source until a manual poll succeeds.
        sa.Column("halted_at", sa.String(32)),
    )
    op.create_table(
        "poll_rejects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("item_key", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("command_id", sa.String(36)),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("source", "item_key", name="uq_poll_rejects_item"),
    )


def downgrade() -> None:
    op.drop_table("poll_rejects")
    op.drop_table("source_status")
