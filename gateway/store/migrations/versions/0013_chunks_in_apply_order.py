"""An import's checkpoint counts records in the order pass 2 applies them, not record numbers.

Revision ID: 0013
Revises: 0012

Pass 2 may apply a file grouped by stream (`gateway/imports/spool.py`), so a chunk no longer
ends at a record number: `import_chunks.last_record` becomes `last_applied`, and
`imports.checkpoint` means records applied. An import left half applied by an earlier version
would be resumed at the wrong record, so the upgrade refuses to run while one is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _refuse_half_applied_imports()
    with op.batch_alter_table("import_chunks") as table:
        table.alter_column("last_record", new_column_name="last_applied")


def downgrade() -> None:
    _refuse_half_applied_imports()
    with op.batch_alter_table("import_chunks") as table:
        table.alter_column("last_applied", new_column_name="last_record")


def _refuse_half_applied_imports() -> None:
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT id, source, file_name, checkpoint FROM imports "
                "WHERE status = 'running' AND checkpoint > 0 ORDER BY id"
            )
        )
        .fetchall()
    )
    if rows:
        named = "; ".join(f"import {r[0]} of {r[1]} ({r[2]}), checkpoint {r[3]}" for r in rows)
        raise RuntimeError(
            f"half-applied imports must finish on the version that started them before this "
            f"upgrade: {named}"
        )
