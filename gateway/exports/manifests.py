"""Export manifests: per job and business day, what the file holds and proves.

Position range, record count, control total, SHA-256, header time; and the events of that day
that reached the feed after it was written (late), until a re-export takes them in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from gateway.store.sql import SqlEventStore

COLUMNS = (
    "job, business_day, file_name, marker_name, first_position, last_position, scan_from, "
    "scan_to, through_position, record_count, net_total_minor, sha256, size_bytes, created_at, "
    "first_exported_at, exported_at, exports, late_count, late_first_position, "
    "late_last_position"
)


@dataclass(frozen=True, slots=True)
class Manifest:
    job: str
    business_day: date
    file_name: str
    marker_name: str
    first_position: int | None
    last_position: int | None
    scan_from: int
    scan_to: int
    through_position: int
    record_count: int
    net_total_minor: int
    sha256: str
    size_bytes: int
    created_at: str
    first_exported_at: float
    exported_at: float
    exports: int = 1
    late_count: int = 0
    late_first_position: int | None = None
    late_last_position: int | None = None

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["business_day"] = self.business_day.isoformat()
        return found


def _manifest(row: Any) -> Manifest:
    values = list(row)
    values[1] = date.fromisoformat(values[1])
    return Manifest(*values)


def load_manifest(store: SqlEventStore, job: str, day: date) -> Manifest | None:
    rows = store.fetch(
        f"SELECT {COLUMNS} FROM export_manifests WHERE job = ? AND business_day = ?",
        (job, day.isoformat()),
    )
    return _manifest(rows[0]) if rows else None


def load_manifests(
    store: SqlEventStore, job: str, *, since: date | None = None, limit: int = 1000
) -> list[Manifest]:
    """The job's manifests, latest business day first."""
    rows = store.fetch(
        f"SELECT {COLUMNS} FROM export_manifests WHERE job = ? AND business_day >= ? "
        "ORDER BY business_day DESC LIMIT ?",
        (job, (since or date.min).isoformat(), limit),
    )
    return [_manifest(row) for row in rows]


def first_exported_day(store: SqlEventStore, job: str) -> date | None:
    rows = store.fetch("SELECT MIN(business_day) FROM export_manifests WHERE job = ?", (job,))
    return date.fromisoformat(rows[0][0]) if rows and rows[0][0] else None


def save_manifest(store: SqlEventStore, manifest: Manifest) -> Manifest:
    """Record a (re)written file; the first export time and the count of exports carry over."""
    before = load_manifest(store, manifest.job, manifest.business_day)
    if before is not None:
        manifest = replace(
            manifest, first_exported_at=before.first_exported_at, exports=before.exports + 1
        )
    values = list(asdict(manifest).values())
    values[1] = manifest.business_day.isoformat()
    marks = ", ".join("?" * len(values))
    with store.transaction() as tx:
        tx.connection.exec_driver_sql(
            store.sql("DELETE FROM export_manifests WHERE job = ? AND business_day = ?"),
            (manifest.job, values[1]),
        )
        tx.connection.exec_driver_sql(
            store.sql(f"INSERT INTO export_manifests ({COLUMNS}) VALUES ({marks})"), tuple(values)
        )
    return manifest
