"""The CBS sources' own settings: `options` and the encoding, read once when a source is built.

A wrong option fails at start with its config key, like every other config error.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from adapters.formats import Framing
from gateway.config import BatchSourceConfig
from gateway.errors import ConfigError

# What CBS sends when the source does not say: EBCDIC for binary transfers, cp1252 for text.
DEFAULT_ENCODINGS = {Framing.FIXED_BLOCK: "cp037", Framing.LINES: "cp1252"}


class CbsOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PostingsOptions(CbsOptions):
    """`framing`: `fixed-block` (the binary transfer) or `lines` (a text-mode test drop)."""

    framing: Framing = Framing.FIXED_BLOCK


class AccountsOptions(CbsOptions):
    """The accounts file has no options of its own."""


Options = TypeVar("Options", bound=CbsOptions)


def read_options(model: type[Options], name: str, config: BatchSourceConfig) -> Options:
    try:
        return model.model_validate(config.options)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        raise ConfigError(f"sources.{name}.options.{where}: {message}") from None


def encoding_of(config: BatchSourceConfig, default: str) -> str:
    """The configured encoding, or CBS's own default when the source names none."""
    return config.encoding if "encoding" in config.model_fields_set else default
