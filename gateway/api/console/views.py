"""The console's pages: overview, sources, imports, destinations, dead letters, exports, jobs,
a command's journey and the audit log. Each reads what the CLI and the JSON endpoints read."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from gateway.api.console.rendering import Query, console_page
from gateway.api.console.sessions import Session
from gateway.bootstrap import Gateway
from gateway.exports.report import export_status
from gateway.imports.ledger import ImportRecord
from gateway.imports.quarantine import QuarantinedRecord
from gateway.jobs import job_statuses
from gateway.operations import audit
from gateway.operations.backlog import blocked_streams
from gateway.operations.dead_letters import dead_letters
from gateway.operations.journey import find_commands, journey
from gateway.operations.readable import elapsed
from gateway.overview import sla_lines, source_lines

RECENT = 50


def took(record: ImportRecord) -> str:
    return elapsed(record.started_at, record.finished_at)


def raw(reject: QuarantinedRecord) -> str:
    """The refused record as text where it decodes (cp037 first: CBS's EBCDIC), else hex."""
    for encoding in ("cp037", "cp1252"):
        text = reject.raw.decode(encoding, errors="replace")
        if text.isprintable():
            return text
    return reject.raw_hex


@console_page("/admin", "Overview", "overview.html")
def overview(gateway: Gateway, query: Query, session: Session) -> dict[str, Any]:
    recent = gateway.imports.ledger.list(limit=RECENT)
    return {
        "dead": len(dead_letters(gateway.store)),
        "blocked": len(blocked_streams(gateway.store)),
        "failed_imports": sum(r.status == "failed" for r in recent),
        "quarantined": len(gateway.imports.quarantine.list(status="quarantined")),
        "slas": sla_lines(gateway),
        "sources": source_lines(gateway),
        "entries": audit.entries(gateway.store, limit=10),
    }


@console_page("/admin/sources", "Sources", "sources.html")
def sources(gateway: Gateway, query: Query, session: Session) -> dict[str, Any]:
    return {"sources": source_lines(gateway)}


@console_page("/admin/imports", "Imports", "imports.html")
def imports(gateway: Gateway, query: Query, session: Session) -> dict[str, Any]:
    return {"imports": gateway.imports.ledger.list(limit=RECENT), "took": took}


@console_page("/admin/destinations", "Destinations", "destinations.html")
def destinations(gateway: Gateway, query: Query, session: Session) -> dict[str, Any]:
    return {"slas": sla_lines(gateway), "blocked": blocked_streams(gateway.store)}


@console_page("/admin/dead-letters", "Dead letters", "dead_letters.html")
def dead_letter_page(gateway: Gateway, query: Query, session: Session) -> dict[str, Any]:
    q = query.get("q", "").strip()
    back = f"/admin/dead-letters?q={q}" if q else "/admin/dead-letters"
    return {"letters": dead_letters(gateway.store, search=q or None), "q": q, "back": back}


@console_page("/admin/exports", "Exports", "exports.html")
def exports(gateway: Gateway, query: Query, session: Session) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"exports": [export_status(e, now=now) for e in gateway.exports.values()]}


@console_page("/admin/jobs", "Jobs", "jobs.html")
def jobs(gateway: Gateway, query: Query, session: Session) -> dict[str, Any]:
    return {"jobs": job_statuses(gateway.store, gateway.scheduled_jobs(), now=time.time())}


@console_page("/admin/journey", "Journey", "journey.html")
def journey_page(gateway: Gateway, query: Query, session: Session) -> dict[str, Any]:
    q, command = query.get("q", "").strip(), query.get("command", "").strip()
    found = find_commands(gateway.store, q) if q else []
    if len(found) == 1 and not command:
        command = found[0].command_id
    followed = journey(gateway.store, command) if command else None
    return {"q": q, "found": found if len(found) > 1 else [], "journey": followed,
            "command": command}  # fmt: skip


@console_page("/admin/audit", "Audit log", "audit.html")
def audit_page(gateway: Gateway, query: Query, session: Session) -> dict[str, Any]:
    q = query.get("q", "").strip()
    return {"entries": audit.entries(gateway.store, limit=200, search=q or None), "q": q}
