"""`gateway reconcile SYSTEM [FILE]` and `gateway reconciliations list|show DAY`.

`reconcile` prints a summary line per file, then one line per difference (account, class,
postings); it exits 0 when the ledger agrees, 1 when anything differs, 2 when a file is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from gateway.bootstrap import Gateway
from gateway.cli.options import DEFAULT_CONFIG, ConfigOption, open_gateway
from gateway.cli.output import Column, JsonOption, fail, right, say, show_rows, usage_error
from gateway.reconciliation.differences import Difference, money
from gateway.reconciliation.engine import (
    Reconciler,
    ReconciliationOutcome,
    ReconciliationSource,
)
from gateway.reconciliation.results import Reconciliation, StoredDifference
from gateway.reconciliation.views import day_view, parse_day

AGREES, DIFFERS, REFUSED = 0, 1, 2
reconciliations_app = typer.Typer(help="Reconciliations with legacy ledgers.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("reconcile")(reconcile)
    app.add_typer(reconciliations_app, name="reconciliations")


def reconcile(
    system: Annotated[str, typer.Argument(help="The ledger, e.g. gl (or its source's name)")],
    file: Annotated[Path | None, typer.Argument(help="A balances file (default: landed)")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """Compare a balances file (or every landed one) with what the gateway delivered."""
    gateway = open_gateway(config)
    try:
        source = _source(gateway, system)
        reconciler = _reconciler(gateway)
        if file is not None:
            if not file.is_file():
                usage_error(f"{file} is not a file")
            outcomes = [reconciler.reconcile_path(source, file)]
        else:
            outcomes = reconciler.reconcile_landed(source)
            if not outcomes:
                say(f"no complete file in {source.config.landing}")
        for outcome in outcomes:
            _print(outcome, as_json=as_json)
    finally:
        gateway.close()
    raise typer.Exit(_exit_code(outcomes))


def _exit_code(outcomes: list[ReconciliationOutcome]) -> int:
    """The worst of the files: refused (a file seen before counts as it ended), then differs."""
    codes = [_code(o) for o in outcomes]
    return max(codes, default=AGREES)


def _code(outcome: ReconciliationOutcome) -> int:
    run = outcome.reconciliation
    if outcome.status == "refused" or (outcome.status == "duplicate" and run is None):
        return REFUSED
    if run is not None and run.outcome == "differs":
        return DIFFERS
    return AGREES


def _print(outcome: ReconciliationOutcome, *, as_json: bool) -> None:
    if as_json:
        say(orjson.dumps(_outcome_json(outcome), default=str).decode())
        for difference in outcome.differences:
            say(orjson.dumps(_difference_json(difference)).decode())
        return
    say(summary(outcome))
    for difference in outcome.differences:
        say(difference_line(difference))


def summary(outcome: ReconciliationOutcome) -> str:
    record, run = outcome.record, outcome.reconciliation
    if outcome.status == "refused":
        return f"{record.file_name}: refused, nothing stored: {record.reason}"
    if outcome.status == "running":
        return f"{record.file_name}: being reconciled by {record.lease_owner}"
    if run is None:
        return f"{record.file_name}: refused before as import {record.id}: {record.reason}"
    again = "already reconciled; " if outcome.status == "duplicate" else ""
    return f"{again}{run_line(run)}"


def run_line(run: Reconciliation) -> str:
    verdict = "agrees" if run.outcome == "agrees" else (
        f"differs: {run.differing_accounts} account(s), {run.differences} difference(s)"
    )  # fmt: skip
    return (
        f"{run.system} {run.day} ({run.file_name}, as of {run.as_of}): {run.accounts} accounts, "
        f"total {money(run.gl_total)}; {verdict}"
    )


def difference_line(difference: Difference) -> str:
    postings = ", ".join(
        f"{p.reference} (position {p.position}, delivery {p.delivery_id}, {p.what})"
        for p in difference.postings
    )
    return (
        f"  {difference.account}  {difference.kind.value}  {postings or '-'}  {difference.detail}"
    )


def _outcome_json(outcome: ReconciliationOutcome) -> dict[str, Any]:
    run = outcome.reconciliation
    return {"status": outcome.status, "import_id": outcome.record.id,
            "file_name": outcome.record.file_name, "reason": outcome.record.reason,
            "reconciliation": run.as_dict() if run else None}  # fmt: skip


def _difference_json(d: Difference) -> dict[str, Any]:
    return {"account": d.account, "class": d.kind.value, "detail": d.detail,
            "postings": [p._asdict() for p in d.postings]}  # fmt: skip


def _source(gateway: Gateway, name: str) -> ReconciliationSource:
    sources = gateway.reconciliation_sources
    for source_name, source in sources.items():
        if name in (source_name, source.system):
            return source
    known = ", ".join(sorted(s.system for s in sources.values())) or "none"
    usage_error(f"no reconciliation source for {name!r} (configured: {known})")


def _reconciler(gateway: Gateway) -> Reconciler:
    if gateway.reconciler is None:
        fail("reconciliation is not configured")
    return gateway.reconciler


@reconciliations_app.command("list")
def reconciliations_list(
    system: Annotated[str | None, typer.Option(help="Only this ledger")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """Each reconciled day's current result, newest day first."""
    gateway = open_gateway(config)
    try:
        runs = _reconciler(gateway).book.recent(system=system, limit=limit)
    finally:
        gateway.close()
    columns: list[Column | str] = [
        "day", "system", "outcome", right("accounts"), right("differing_accounts", "differ"),
        right("differences"), Column("file_name", "file"), "reconciled_at",
    ]  # fmt: skip
    show_rows([r.as_dict() for r in runs], columns=columns, as_json=as_json)


@reconciliations_app.command("show")
def reconciliations_show(
    day: Annotated[str, typer.Argument(help="GL's business date: 2026-11-26 or 20261126")],
    system: Annotated[str | None, typer.Option(help="The ledger (default: the only one)")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """One day's result with every difference, and the results it replaced."""
    gateway = open_gateway(config)
    try:
        try:
            parsed = parse_day(day)
        except ValueError as exc:
            usage_error(str(exc))
        chosen = system or _only_system(gateway)
        view = day_view(_reconciler(gateway).book, system=chosen, day=parsed)
    finally:
        gateway.close()
    if view is None:
        fail(f"no reconciliation of {chosen} for {parsed}")
    if as_json:
        say(orjson.dumps(view.as_dict()).decode())
        return
    say(run_line(view.current))
    for difference in view.differences:
        say(_stored_line(difference))
    for earlier in view.history:
        say(f"replaced: {run_line(earlier)} (reconciliation {earlier.id})")


def _stored_line(d: StoredDifference) -> str:
    postings = ", ".join(f"{p['posting_ref']} (delivery {p['delivery_id']}, {p['status']})"
                         for p in d.postings)  # fmt: skip
    return f"  {d.account}  {d.kind}  {postings or '-'}  {d.detail}"


def _only_system(gateway: Gateway) -> str:
    systems = sorted({s.system for s in gateway.reconciliation_sources.values()})
    if len(systems) != 1:
        usage_error(f"name the ledger with --system (configured: {', '.join(systems) or 'none'})")
    return systems[0]
