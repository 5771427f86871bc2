"""The SQLite database holds customers' data: readable by the gateway's user only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gateway.store.sql import open_store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_log_are_readable_by_the_gateways_user_only(
    tmp_path: Path,
) -> None:
    previous = os.umask(0o022)
    try:
        store = open_store(f"sqlite:///{tmp_path}/var/gateway.db")
        store.head_position()
    finally:
        os.umask(previous)
    try:
        files = sorted(tmp_path.joinpath("var").glob("gateway.db*"))
        assert [f.name for f in files][:1] == ["gateway.db"]
        for path in files:
            assert mode(path) & 0o077 == 0, (path.name, oct(mode(path)))
    finally:
        store.engine.dispose()


def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    open_store(f"sqlite:///{tmp_path}/gateway.db").engine.dispose()
    (tmp_path / "gateway.db").chmod(0o644)

    open_store(f"sqlite:///{tmp_path}/gateway.db").engine.dispose()

    assert mode(tmp_path / "gateway.db") == 0o600
