"""What every `gateway` command shares: the `--config` option and opening the gateway.

A command run by hand prints its answer, not the gateway's start: migrations and disabled
sources are logged by the serving commands (`gateway run`, `gateway workers`) or with
`gateway --verbose ...`, and other log lines below WARNING only with `--verbose`.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated

import typer

from gateway.bootstrap import Gateway, build
from gateway.cli.output import fail, usage_error
from gateway.config import GatewayConfig, load_config
from gateway.errors import GatewayError
from gateway.logs import configure_logging, start_up_logs

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", envvar="GATEWAY_CONFIG", help="The gateway's config file")
]
DEFAULT_CONFIG = Path("config.yaml")


# Set by the `gateway` callback on every run, so each command (and each test run) sees its own.
_verbose: ContextVar[bool] = ContextVar("verbose", default=False)


def set_verbose(flag: bool) -> None:
    _verbose.set(flag)


def verbose() -> bool:
    """Whether `gateway --verbose` (or GATEWAY_VERBOSE=1) asked for the gateway's own logs."""
    return _verbose.get()


def read_config(path: Path, *, serving: bool = False) -> GatewayConfig:
    try:
        config = load_config(path)
    except GatewayError as exc:
        usage_error(str(exc))
    configure_logging(config.log)
    if not (serving or verbose()):
        root = logging.getLogger()
        root.setLevel(max(root.level, logging.WARNING))
    return config


def open_gateway(path: Path, *, serving: bool = False) -> Gateway:
    """The gateway built from the config at `path`; `serving` for the long-running commands."""
    return build_gateway(read_config(path, serving=serving), serving=serving)


def build_gateway(config: GatewayConfig, *, serving: bool = False) -> Gateway:
    try:
        with start_up_logs(shown=serving or verbose()):
            return build(config)
    except GatewayError as exc:
        fail(str(exc))
