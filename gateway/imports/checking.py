"""Pass 1 of an import: every refusal that decides the reject limit, before anything applies.

The envelope, each record's own rules, and what the stream's standing refuses (`Decider.admit`:
an unknown or closed account, another currency) are all known here; admitted keys are spooled.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.commands import CommandBus
from gateway.domain.deciders import Decider
from gateway.domain.errors import DomainRejection
from gateway.domain.messages import Command
from gateway.imports.claims import KeyEntry, KeySpool
from gateway.imports.ports import BatchAdapter, ByteStream, RecordRejected
from gateway.imports.spool import RecordSpool

STREAM_CHECK_BATCH = 2000
EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class Refusal:
    """A record refused for its stream's standing (pass 1) or its key (the claim)."""

    code: str
    reason: str
    command_id: str
    command_type: str


@dataclass(slots=True)
class CheckedFile:
    """What pass 1 learnt: the detail records, those refused, and the keys to claim."""

    spool: KeySpool
    details: RecordSpool
    """Every detail record as pass 1 read and translated it, for pass 2 to apply."""
    records: int = 0
    refused: int = 0
    examples: list[str] = field(default_factory=list)
    refusals: dict[int, Refusal] = field(default_factory=dict)
    """Refusals pass 2 cannot see in the record itself, by record number."""

    def note(self, number: int, reason: str) -> None:
        self.refused += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(f"record {number}: {reason}")

    def refuse(self, number: int, refusal: Refusal) -> None:
        if number not in self.refusals:
            self.refusals[number] = refusal
            self.note(number, f"{refusal.code}: {refusal.reason}")

    def keys(self) -> Iterator[KeyEntry]:
        """The admitted keys in key order, without those of records refused since."""
        return (entry for entry in self.spool.sorted() if entry[1] not in self.refusals)

    def close(self) -> None:
        self.spool.close()
        self.details.close()


# A command of pass 1 waiting for its stream's state: record number, slot, command, stream.
Waiting = tuple[int, int, Command, str]


class FileCheck:
    """Pass 1 over one file's records, as the adapter reads them."""

    def __init__(
        self, bus: CommandBus, adapter: BatchAdapter, *, file_name: str, spool_folder: Path
    ) -> None:
        self.bus = bus
        self.adapter = adapter
        self.file_name = file_name
        by_stream = adapter.apply_order == "stream"
        self.checked = CheckedFile(
            KeySpool(spool_folder), RecordSpool(spool_folder, by_stream=by_stream)
        )
        self._waiting: list[Waiting] = []
        self._streams: dict[str, Command] = {}  # each waiting stream, with one of its commands

    def run(self, stream: ByteStream) -> CheckedFile:
        """Raise `FileRejected` on the first fault of the envelope; else what the file holds."""
        check = self.adapter.envelope_check(self.file_name)
        for record in self.adapter.read(stream):
            check.add(record)
            if record.kind == "detail":
                self.checked.records += 1
                self._detail(record)
        check.finish()
        self._admit()
        return self.checked

    def _detail(self, record: Any) -> None:
        if record.error is not None:
            self.checked.note(record.number, record.error.reason)
            self.checked.details.refuse(record.number, record.raw, record.error)
            return
        try:
            envelopes = self.adapter.translate(record, file_name=self.file_name)
        except RecordRejected as refused:
            self.checked.note(record.number, refused.problem.reason)
            self.checked.details.refuse(record.number, record.raw, refused.problem)
            return
        streams = [envelope.command.stream_id() for envelope in envelopes]
        if self.checked.details.by_stream and len(distinct := set(streams)) > 1:
            raise ValueError(
                f"record {record.number} stands for commands of {', '.join(sorted(distinct))}"
                ": an adapter whose files apply by stream must give each record one stream"
            )
        self.checked.details.add(
            record.number, record.raw, envelopes, streams[0] if streams else ""
        )
        for index, envelope in enumerate(envelopes):
            command, stream_id = envelope.command, streams[index]
            self._waiting.append((record.number, index, command, stream_id))
            self._streams.setdefault(stream_id, command)
        if len(self._streams) >= STREAM_CHECK_BATCH:
            self._admit()

    def _admit(self) -> None:
        """Ask each waiting command's decider whether its stream's standing admits it."""
        states = self._states()
        for number, index, command, stream_id in self._waiting:
            if number in self.checked.refusals:
                continue
            command_id = str(command.command_id)
            try:
                self.bus.decider(command).admit(states[stream_id], command)
            except DomainRejection as rejection:
                refusal = Refusal(rejection.code, rejection.reason, command_id, command.type_name)
                self.checked.refuse(number, refusal)
                continue
            self.checked.spool.add((command_id, number, index, stream_id, command.type_name))
        self._waiting.clear()
        self._streams.clear()

    def _states(self) -> dict[str, Any]:
        """The waiting streams' states: cached, or loaded together per decider."""
        states: dict[str, Any] = {}
        missing: dict[str, tuple[Decider[Any], list[str]]] = {}
        for stream_id, command in self._streams.items():
            cached = self.bus.cache.get(stream_id)
            if cached is not None:
                states[stream_id] = cached.state
            else:
                decider = self.bus.decider(command)
                missing.setdefault(decider.name, (decider, []))[1].append(stream_id)
        for decider, stream_ids in missing.values():
            loaded = self.bus.load_many(stream_ids, decider)
            states.update((stream_id, entry.state) for stream_id, entry in loaded.items())
        return states
