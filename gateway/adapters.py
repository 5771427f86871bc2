"""Finds legacy adapters by the dotted name `config.yaml` gives them.

Adding a legacy system is a package under `adapters/` and a block in `config.yaml`.
"""

from __future__ import annotations

import importlib
from typing import Any

from gateway.errors import ConfigError


def load_adapter(dotted: str, *, key: str) -> Any:
    """The object named `package.module:attribute`; a wrong name fails with the config key."""
    module_name, _, attribute = dotted.partition(":")
    if not attribute:
        raise ConfigError(f"{key}: {dotted!r} must look like package.module:attribute")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"{key}: cannot import {module_name!r}: {exc}") from exc
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ConfigError(f"{key}: {module_name!r} has no {attribute!r}") from None
