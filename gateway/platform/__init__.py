"""The platform's side of the gateway: its own events in (HTTP, queue), through the domain.

`parse` checks a CloudEvent's shape and type; `PlatformIngest` admits and stores it.
"""

from gateway.platform.ingest import Appended, PlatformIngest
from gateway.platform.parsing import PlatformEvent, parse
from gateway.platform.writers import SourceGrant, grant_for

__all__ = ["Appended", "PlatformEvent", "PlatformIngest", "SourceGrant", "grant_for", "parse"]
