"""Alembic environment: always run online, on the connection the gateway hands in."""

from __future__ import annotations

from alembic import context

# Migrations are written by hand (the store's hot paths use driver SQL, not mapped tables), so
# there is no metadata to compare against: autogenerate would only propose dropping tables.
connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
