"""Batch imports: one row per claimed file, and the quarantine of refused records.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("records", sa.Integer, nullable=False, server_default="0"),
        sa.Column("checkpoint", sa.Integer, nullable=False, server_default="0"),
        sa.Column("accepted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
        sa.Column("already_recorded", sa.Integer, nullable=False, server_default="0"),
        sa.Column("events", sa.Integer, nullable=False, server_default="0"),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("finished_at", sa.String(32)),
        sa.Column("lease_owner", sa.String(100)),
        sa.Column("lease_until", sa.String(32)),
        # A renamed copy has the same content: it is the same import.
        sa.UniqueConstraint("source", "sha256", name="uq_imports_source_sha256"),
    )
    op.create_table(
        "import_rejects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False),
        sa.Column("record_number", sa.Integer, nullable=False),
        sa.Column("raw_hex", sa.Text, nullable=False),
        sa.Column("field", sa.String(100)),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("command_id", sa.String(36)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_import_rejects_import", "import_rejects", ["import_id", "record_number"])


def downgrade() -> None:
    op.drop_index("ix_import_rejects_import", "import_rejects")
    op.drop_table("import_rejects")
    op.drop_table("imports")
