"""SLA tracking shared by deliveries, imports and exports: breaches recorded when they happen.

`record_breach` notes one; `report` aggregates them per name next to each source's latencies.
"""

from gateway.sla.breaches import Breach, breach_counts, list_breaches, record_breach
from gateway.sla.report import SlaLine, percentile, report

__all__ = [
    "Breach",
    "SlaLine",
    "breach_counts",
    "list_breaches",
    "percentile",
    "record_breach",
    "report",
]
