"""What a consumer of `bank.events` checks: every stored event seen, in stream order, no extra.

A consumer drops a repeat by its id; each new event of a stream must then be the next version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson

from gateway.store.port import StoredEvent
from tests.broker.amqp import Seen


@dataclass
class DeliveryReport:
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    out_of_order: list[str] = field(default_factory=list)
    repeats: int = 0

    @property
    def exact(self) -> bool:
        return not (self.missing or self.unknown or self.out_of_order)


def check_delivery(seen: Sequence[Seen], stored: Sequence[StoredEvent]) -> DeliveryReport:
    report = DeliveryReport()
    known = {e.event_id: e for e in stored}
    firsts: set[str] = set()
    last_version: dict[str, int] = {}
    for message in seen:
        body = orjson.loads(message.body)
        event_id, stream, version = body["id"], body["streamid"], body["streamversion"]
        if message.message_id != event_id or event_id not in known:
            report.unknown.append(event_id)
            continue
        if event_id in firsts:
            report.repeats += 1
            continue
        firsts.add(event_id)
        if version != last_version.get(stream, 0) + 1:
            report.out_of_order.append(f"{stream} v{version} after v{last_version.get(stream, 0)}")
        last_version[stream] = max(version, last_version.get(stream, 0))
    report.missing = [e.event_id for e in stored if e.event_id not in firsts]
    return report
