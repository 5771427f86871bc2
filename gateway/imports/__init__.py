"""Batch imports: a landed file claimed, read once, checked whole, then applied a chunk a
transaction, exactly once per posting (docs/imports.md)."""
