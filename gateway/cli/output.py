"""How every `gateway` command answers: a table on a terminal, JSON lines when piped or `--json`.

Answers go to standard output and nothing else does: errors go to standard error as
`error: ...`, logs too (and only `gateway run`, `gateway workers` or `--verbose` log the start).
Exit codes scripts can rely on: 0 done, 1 refused or failed, 2 usage (a wrong name or option).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NoReturn

import orjson
import typer
from rich.console import Console
from rich.table import Table

DONE, FAILED, USAGE = 0, 1, 2
JsonOption = Annotated[
    bool, typer.Option("--json", help="JSON, one object a line (also the default when piped)")
]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table: the row's key, its heading, and how a value reads to a person."""

    key: str
    title: str = ""
    justify: Literal["left", "right"] = "left"
    render: Callable[[Any], str] | None = None
    wrap: bool = True

    def heading(self) -> str:
        return self.title or self.key.replace("_", " ")

    def cell(self, row: Mapping[str, Any]) -> str:
        value = row.get(self.key)
        if value is None:
            return "-"
        return self.render(value) if self.render is not None else str(value)


def right(key: str, title: str = "", render: Callable[[Any], str] | None = None) -> Column:
    """A column of figures: right-aligned, never wrapped."""
    return Column(key, title, justify="right", render=render, wrap=False)


def as_table(*, as_json: bool) -> bool:
    """A table for a person at a terminal; JSON lines for `--json` and for pipes and files."""
    return not as_json and sys.stdout.isatty()


def show_rows(
    rows: Sequence[Mapping[str, Any]],
    *,
    columns: Sequence[Column | str],
    as_json: bool,
    title: str | None = None,
) -> None:
    """Rows as a table on a terminal (the given columns), else every field as JSON lines."""
    if not as_table(as_json=as_json):
        for row in rows:
            typer.echo(orjson.dumps(row, default=str).decode())
        return
    Console().print(table_of(rows, columns=columns, title=title))


def table_of(
    rows: Sequence[Mapping[str, Any]], *, columns: Sequence[Column | str], title: str | None = None
) -> Table:
    chosen = [c if isinstance(c, Column) else Column(c) for c in columns]
    table = Table(title=title, show_edge=False, header_style="bold")
    for column in chosen:
        table.add_column(column.heading(), justify=column.justify, overflow="fold",
                         no_wrap=not column.wrap)  # fmt: skip
    for row in rows:
        table.add_row(*(column.cell(row) for column in chosen))
    if not rows:
        table.caption = "none"
    return table


def show_record(record: Mapping[str, Any], *, as_json: bool) -> None:
    """One record: a field/value table on a terminal, else one JSON object."""
    if not as_table(as_json=as_json):
        typer.echo(orjson.dumps(record, default=str).decode())
        return
    table = Table(show_header=False, show_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in record.items():
        table.add_row(key.replace("_", " "), _plain(value))
    Console().print(table)


def _plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict | list):
        return orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode()
    return str(value)


def say(text: str) -> None:
    """A command's answer in words (`3 dead letters redriven`)."""
    typer.echo(text)


def fail(message: str, *, code: int = FAILED) -> NoReturn:
    """Stop with `error: message` on standard error: exit 1 refused or failed, 2 usage."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def usage_error(message: str) -> NoReturn:
    fail(message, code=USAGE)
