"""Polling legacy REST APIs that cannot call the gateway: the core engine.

`SourcePoller.poll_once` runs one cycle; `schedules.polling` runs it on each source's schedule.
"""

from gateway.polling.poller import PollReport, SourcePoller, command_id_for
from gateway.polling.port import PageRequest, PollAdapter, PolledItem, PolledPage
from gateway.polling.sources import PollSources, poll_sources
from gateway.polling.status import SourceStatus, SourceStatusBook

__all__ = [
    "PageRequest",
    "PollAdapter",
    "PollReport",
    "PollSources",
    "PolledItem",
    "PolledPage",
    "SourcePoller",
    "SourceStatus",
    "SourceStatusBook",
    "command_id_for",
    "poll_sources",
]
