"""`gateway audit list`: the audit log of operator actions, newest first."""

from __future__ import annotations

import getpass
import time
from typing import Annotated

import typer

from gateway.bootstrap import Gateway
from gateway.cli.options import DEFAULT_CONFIG, ConfigOption, open_gateway
from gateway.cli.output import Column, JsonOption, right, show_rows
from gateway.operations import audit
from gateway.operations.readable import moment

audit_app = typer.Typer(help="The audit log: who did what, when, and how it ended.",
                        no_args_is_help=True)  # fmt: skip
COLUMNS = (
    right("id"), Column("at", "when", render=moment), Column("actor", "who"),
    Column("channel", "through"), Column("action"), Column("target"), Column("outcome"),
    Column("detail"),
)  # fmt: skip


def recorded(
    gateway: Gateway, *, action: str, target: str, outcome: audit.Outcome, detail: str
) -> None:
    """An action taken from the command line, in the audit log as the OS user's."""
    actor = audit.Actor(getpass.getuser(), "cli")
    audit.record(gateway.store, actor, action=action, target=target, outcome=outcome,
                 detail=detail, now=time.time())  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("list")
def audit_list(
    config: ConfigOption = DEFAULT_CONFIG,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    search: Annotated[str | None, typer.Option(help="Only entries that mention this")] = None,
    as_json: JsonOption = False,
) -> None:
    """Operator actions from the console and the command line, newest first."""
    gateway = open_gateway(config)
    try:
        found = audit.entries(gateway.store, limit=limit, search=search)
    finally:
        gateway.close()
    show_rows([e.as_dict() for e in found], columns=COLUMNS, as_json=as_json, title="Audit log")
