"""Export tests run on both backends, with one clock for the store and the export job."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.exports.bank import Bank, open_bank


@pytest.fixture
def bank(database_url: str, tmp_path: Path) -> Iterator[Bank]:
    bank = open_bank(database_url, tmp_path / "export" / "stmt")
    yield bank
    bank.store.engine.dispose()
