"""Deliveries over real stores of each backend to the simulated GL and CRM in a subprocess."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.delivery.legacy_sim import LegacySim, legacy_sim


@pytest.fixture(scope="module")
def sim_server() -> Iterator[LegacySim]:
    with legacy_sim() as sim:
        yield sim


@pytest.fixture
def sim(sim_server: LegacySim) -> LegacySim:
    sim_server.client.post("/_sim/reset").raise_for_status()
    sim_server.chaos()
    sim_server.outage(0)
    return sim_server
