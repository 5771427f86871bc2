"""Each event keeps its CloudEvents head, rendered once when it is appended.

Revision ID: 0012
Revises: 0011

A feed page is then each row's head, its stored data and a closing brace, joined by the
database (`gateway/store/feed_pages.py`). Events stored before this revision keep NULL: the
feed renders those from their columns when read, as it did before, so no row is rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("envelope", sa.LargeBinary))


def downgrade() -> None:
    with op.batch_alter_table("events") as table:
        table.drop_column("envelope")
