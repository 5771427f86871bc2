"""A command's journey: from the legacy input, through its events, to every delivery and attempt.

Found by the command's id or by the legacy input's own reference (a file's `NAME record N`,
a webhook's message id, a poll item's key), as the command record keeps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.delivery.operations import DeliveryView, deliveries_for_positions, show_delivery
from gateway.imports.claims import imported_command
from gateway.imports.ledger import COLUMNS as IMPORT_COLUMNS
from gateway.imports.ledger import ImportRecord
from gateway.operations.dead_letters import business_key
from gateway.store.port import CommandRecord, StoredEvent
from gateway.store.sql import SqlEventStore
from gateway.store.writes import COMMAND_COLUMNS

FILE_RECORD = re.compile(r"^(?P<file>.+) record (?P<number>\d+)$")
FOUND_AT_MOST = 50


@dataclass(frozen=True, slots=True)
class Journey:
    command: CommandRecord
    input: str  # the legacy input in words
    imported: ImportRecord | None  # the import its file record came in, if a file's
    events: list[StoredEvent]
    deliveries: list[DeliveryView]  # each with its attempts

    @property
    def business_key(self) -> str | None:
        return next((k for k in (business_key(e.data) for e in self.events) if k), None)


def command_record(store: SqlEventStore, command_id: str) -> CommandRecord | None:
    """A command's record: its `commands` row, or a file import's claim (imports keep no row)."""
    return store.get_command(command_id) or imported_command(store, command_id)


def find_commands(store: SqlEventStore, text: str) -> list[CommandRecord]:
    """Commands whose id is `text`, or whose legacy reference is or contains it."""
    wanted = text.strip()
    if not wanted:
        return []
    imported = _imported_by_reference(store, wanted)
    if imported:
        return imported
    rows = store.fetch(
        f"SELECT {COMMAND_COLUMNS} FROM commands WHERE command_id = ? OR source_ref = ? "
        "ORDER BY recorded_at DESC LIMIT ?",
        (wanted, wanted, FOUND_AT_MOST),
    )
    if not rows:
        rows = store.fetch(
            f"SELECT {COMMAND_COLUMNS} FROM commands WHERE source_ref LIKE ? "
            "ORDER BY recorded_at DESC LIMIT ?",
            (f"%{wanted}%", FOUND_AT_MOST),
        )
    return [CommandRecord(*row) for row in rows]


def _imported_by_reference(store: SqlEventStore, text: str) -> list[CommandRecord]:
    """`NAME record N` of an imported file: the command its record became, if it did."""
    match = FILE_RECORD.match(text)
    if match is None:
        found = imported_command(store, text)
        return [found] if found is not None else []
    rows = store.fetch(
        "SELECT c.command_id FROM record_claims c JOIN imports i ON i.id = c.import_id "
        "WHERE i.file_name = ? AND c.record_number = ? UNION "
        "SELECT r.command_id FROM import_rejects r JOIN imports i ON i.id = r.import_id "
        "WHERE i.file_name = ? AND r.record_number = ? AND r.command_id IS NOT NULL",
        (match["file"], int(match["number"]), match["file"], int(match["number"])),
    )
    records = [imported_command(store, row[0]) for row in rows]
    return [r for r in records if r is not None]


def journey(store: SqlEventStore, command_id: str) -> Journey | None:
    command = command_record(store, command_id)
    if command is None:
        return None
    events: list[StoredEvent] = []
    deliveries: list[DeliveryView] = []
    if command.first_position and command.last_position:
        events = store.read_positions(command.first_position, command.last_position)
        found = deliveries_for_positions(store, command.first_position, command.last_position)
        deliveries = [show_delivery(store, int(d.fields["id"])) for d in found]
    imported = _import_of(store, command)
    return Journey(command, _input(command, imported), imported, events, deliveries)


def _input(command: CommandRecord, imported: ImportRecord | None) -> str:
    source, ref = command.source or "unknown source", command.source_ref or "no reference"
    if imported is not None:
        return f"file {ref} of {source} (import {imported.id}, {imported.status})"
    return f"{source}: {ref}"


def _import_of(store: SqlEventStore, command: CommandRecord) -> ImportRecord | None:
    match = FILE_RECORD.match(command.source_ref or "")
    if match is None or not command.source:
        return None
    rows = store.fetch(
        f"SELECT {IMPORT_COLUMNS} FROM imports WHERE source = ? AND file_name = ? "
        "ORDER BY id DESC LIMIT 1",
        (command.source, match["file"]),
    )
    return ImportRecord(*rows[0]) if rows else None
