"""What every `gateway` command shares: the `--config` option and opening the gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gateway.bootstrap import Gateway, build
from gateway.config import GatewayConfig, load_config
from gateway.errors import GatewayError
from gateway.logs import configure_logging

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", envvar="GATEWAY_CONFIG", help="The gateway's config file")
]
DEFAULT_CONFIG = Path("config.yaml")


def read_config(path: Path) -> GatewayConfig:
    try:
        config = load_config(path)
    except GatewayError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    configure_logging(config.log)
    return config


def open_gateway(path: Path) -> Gateway:
    try:
        return build(read_config(path))
    except GatewayError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
