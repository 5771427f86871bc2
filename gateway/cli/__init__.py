"""The `gateway` command line; each area of the gateway has its module of commands here."""

from gateway.cli.main import app

__all__ = ["app"]
