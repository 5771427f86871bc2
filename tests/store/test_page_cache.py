"""SQLite's page cache is per connection and fills as it reads: its size is the config's."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.bootstrap import build
from gateway.config import parse_config
from gateway.errors import ConfigError


def cache_kib(url: str, mib: int | None) -> int:
    database: dict[str, object] = {"url": url}
    if mib is not None:
        database["sqlite_cache_mib"] = mib
    gateway = build(parse_config({"database": database}))
    try:
        with gateway.store.engine.connect() as conn:
            return -int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    finally:
        gateway.close()


def test_a_connection_takes_the_configured_page_cache(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/gateway.db"
    assert cache_kib(url, None) == 32 * 1024  # the default
    assert cache_kib(url, 8) == 8 * 1024


def test_a_page_cache_of_nothing_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"database\.sqlite_cache_mib"):
        parse_config({"database": {"sqlite_cache_mib": 0}})
