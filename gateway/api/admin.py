"""`GET /admin`: one read-only page for operators.

The page shows what the JSON endpoints and the CLI show, at a glance: inbound sources, recent
imports, SLAs, dead letters and scheduled jobs. It acts on nothing; redrive, replay and reruns
stay with the CLI and the JSON endpoints. It refreshes itself every 15 seconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from gateway.api.access import OPERATOR
from gateway.api.deps import GatewayDep
from gateway.bootstrap import Gateway
from gateway.delivery import operations
from gateway.jobs import job_statuses
from gateway.overview import sla_lines, source_lines

router = APIRouter(tags=["operations"], dependencies=OPERATOR)
RECENT_IMPORTS = 20
DEAD_LETTERS = 50
STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; }
table { border-collapse: collapse; margin-bottom: 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .75rem; text-align: left; }
th { background: #f3f3f3; } td.bad { color: #a00000; font-weight: 600; }
"""
ALARMS = {"disabled", "halted", "failed", "error", "dead", "open"}


@router.get("/admin", summary="Operator overview page (HTML)", response_class=HTMLResponse)
def admin_page(gateway: GatewayDep) -> HTMLResponse:
    return HTMLResponse(render_overview(gateway))


def render_overview(gateway: Gateway) -> str:
    sections = [
        ("Inbound sources", "/sources", *_sources(gateway)),
        ("Recent imports", "/imports", *_imports(gateway)),
        ("SLAs", "/sla", *_slas(gateway)),
        ("Dead letters, oldest first", "/dlq", *_dead_letters(gateway)),
        ("Scheduled jobs", "/jobs", *_jobs(gateway)),
    ]
    body = "".join(
        f'<h2>{escape(title)} <small><a href="{link}">JSON</a></small></h2>{_table(head, rows)}'
        for title, link, head, rows in sections
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="refresh" content="15"><title>Gateway overview</title>'
        f"<style>{STYLE}</style></head><body><h1>Legacy integration gateway</h1>"
        f"<p>As of {escape(time.strftime('%Y-%m-%d %H:%M:%S %Z'))}. "
        f'<a href="/docs">API docs</a> · <a href="/metrics">metrics</a></p>{body}</body></html>'
    )


Rows = list[Sequence[object]]


def _sources(gateway: Gateway) -> tuple[Sequence[str], Rows]:
    head = ("source", "kind", "state", "last success", "last error", "cursor")
    rows: Rows = [
        (s.name, s.kind, s.state, s.last_success, s.last_error, s.cursor)
        for s in source_lines(gateway)
    ]
    return head, rows


def _imports(gateway: Gateway) -> tuple[Sequence[str], Rows]:
    head = ("id", "source", "file", "status", "records", "events", "rejected", "started",
            "finished", "reason")  # fmt: skip
    rows: Rows = [
        (r.id, r.source, r.file_name, r.status, r.records, r.events, r.rejected, r.started_at,
         r.finished_at, r.reason)
        for r in gateway.imports.ledger.list(limit=RECENT_IMPORTS)
    ]  # fmt: skip
    return head, rows


def _slas(gateway: Gateway) -> tuple[Sequence[str], Rows]:
    head = ("kind", "name", "p50", "p95", "p99", "breaches", "pending", "oldest pending", "state")
    rows: Rows = [
        (s.kind, s.name, _seconds(s.p50), _seconds(s.p95), _seconds(s.p99), s.breaches,
         s.pending, _seconds(s.oldest_pending_age), s.state)
        for s in sla_lines(gateway)
    ]  # fmt: skip
    return head, rows


def _dead_letters(gateway: Gateway) -> tuple[Sequence[str], Rows]:
    head = ("id", "destination", "position", "stream", "event type", "attempts", "last error")
    found = operations.list_deliveries(gateway.store, status="dead", limit=DEAD_LETTERS)
    rows: Rows = [
        tuple(d.fields[k] for k in ("id", "destination", "position", "stream_id", "event_type",
                                    "attempts", "last_error"))
        for d in found
    ]  # fmt: skip
    return head, rows


def _jobs(gateway: Gateway) -> tuple[Sequence[str], Rows]:
    head = ("job", "schedule", "last outcome", "next run", "lease holder")
    statuses = job_statuses(gateway.store, gateway.scheduled_jobs(), now=time.time())
    rows: Rows = [
        (j.name, j.schedule, j.last_run.outcome if j.last_run else None, j.next_run, j.holder)
        for j in statuses
    ]
    return head, rows


def _seconds(value: float | None) -> str | None:
    return None if value is None else f"{value:.3f} s"


def _table(head: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    lines = "".join(f"<tr>{''.join(_cell(value) for value in row)}</tr>" for row in rows)
    return f"<table><tr>{cells}</tr>{lines or _empty(len(head))}</table>"


def _cell(value: object) -> str:
    text = "-" if value is None else str(value)
    alarm = ' class="bad"' if text in ALARMS else ""
    return f"<td{alarm}>{escape(text)}</td>"


def _empty(columns: int) -> str:
    return f'<tr><td colspan="{columns}">none</td></tr>'
