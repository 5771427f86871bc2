"""Imports own their records' identities: claims by key, chunks by position, retries of a file.

Revision ID: 0009
Revises: 0008

A file import no longer writes a `commands` row per record. Each record it applies holds a
claim on its identity (the command id its adapter derives from the legacy key, e.g. CBS's
TXN-REF), written in key order once pass 1 has seen the whole file; each chunk keeps the span of
positions it appended. A failed import no longer blocks the same content: the unique key on
source + SHA-256 holds only among imports that did not fail.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "record_claims",
        sa.Column("command_id", sa.String(36), primary_key=True),
        sa.Column("import_id", sa.Integer, nullable=False),
        sa.Column("record_number", sa.Integer, nullable=False),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        # The key is the whole row: one B-tree, written in key order (sorted runs).
        sqlite_with_rowid=False,
    )
    op.create_index("ix_record_claims_import", "record_claims", ["import_id"])
    op.create_table(
        "import_chunks",
        sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_record", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("first_position", position),
        sa.Column("last_position", position),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_import_rejects_command", "import_rejects", ["command_id"])
    op.add_column("import_rejects", sa.Column("command_type", sa.String(100)))
    with op.batch_alter_table("imports") as table:
        table.add_column(sa.Column("retry_of", sa.Integer))
        table.drop_constraint("uq_imports_source_sha256", type_="unique")
    op.create_index(
        "uq_imports_source_sha256_live", "imports", ["source", "sha256"], unique=True,
        sqlite_where=sa.text("status <> 'failed'"), postgresql_where=sa.text("status <> 'failed'"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("uq_imports_source_sha256_live", "imports")
    with op.batch_alter_table("imports") as table:
        table.create_unique_constraint("uq_imports_source_sha256", ["source", "sha256"])
        table.drop_column("retry_of")
    with op.batch_alter_table("import_rejects") as rejects:
        rejects.drop_column("command_type")
    op.drop_index("ix_import_rejects_command", "import_rejects")
    op.drop_table("import_chunks")
    op.drop_index("ix_record_claims_import", "record_claims")
    op.drop_table("record_claims")
