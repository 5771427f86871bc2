"""Reconciliation over real stores of each backend, against a real local HTTP GL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.store.sql import open_store
from tests.delivery.legacy_sim import LegacySim
from tests.reconciliation.bank import Ledger, reconciliation_config


@pytest.fixture
def ledger(database_url: str, sim: LegacySim, tmp_path: Path) -> Iterator[Ledger]:
    landing = tmp_path / "landing" / "gl-balances"
    config = reconciliation_config(database_url, landing)
    store = open_store(database_url)
    yield Ledger(store, config, sim, landing)
    store.engine.dispose()
