"""The simulated GL of the delivery tests, for SLA stories."""

from tests.delivery.conftest import sim, sim_server

__all__ = ["sim", "sim_server"]
