"""The reconciliation metric: differences of each system's latest reconciled day, by class."""

from __future__ import annotations

from collections import Counter

from prometheus_client import Gauge

from gateway.reconciliation.differences import DifferenceClass

DIFFERENCES = Gauge(
    "gateway_reconciliation_differences",
    "Differences found in the latest reconciled day, by system and class",
    ["system", "class"],
)


def publish(system: str, classes: Counter[str]) -> None:
    """Every class is set, so a day that agrees brings each back to zero."""
    for kind in DifferenceClass:
        DIFFERENCES.labels(system=system, **{"class": kind.value}).set(classes.get(kind.value, 0))
