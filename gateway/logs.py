"""Logging set-up: one JSON object a line when not on a terminal, plain text on one.

A line logged inside a span carries `trace_id` and `span_id` (`gateway.tracing`).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import orjson

from gateway.config import LogConfig
from gateway.tracing.setup import TraceIds

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is now, not to the one that was there at set-up."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def configure_logging(config: LogConfig) -> None:
    use_json = config.format == "json" or (config.format == "auto" and not sys.stderr.isatty())
    handler = StderrHandler()
    handler.addFilter(TraceIds())  # each line made inside a span carries its trace_id
    handler.setFormatter(
        JsonFormatter() if use_json else logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(config.level)
    # APScheduler narrates every job it adds and runs; the gateway logs its own job outcomes.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))


@contextmanager
def start_up_logs(*, shown: bool) -> Iterator[None]:
    """While the gateway is built: migrations and disabled sources, logged only if `shown`.

    A command run by hand would otherwise print the same start-up story before each answer.
    """
    root = logging.getLogger()
    level = root.level
    if not shown:
        root.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        root.setLevel(level)
