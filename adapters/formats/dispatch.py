"""Multi-record files: header, detail and trailer layouts told apart by a record-type field.

The caller maps record-type values to layouts; copybooks do not carry that mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from adapters.formats.errors import EncodeError, LayoutError, RecordError
from adapters.formats.fields import FieldType, FieldValue, Text
from adapters.formats.layout import DecodedRecord, PositionedField, RecordLayout


class MultiRecordLayout:
    """Several record layouts of one length and encoding, chosen by `discriminator`'s value.

    E.g. `discriminator` = REC-TYPE (byte 1), `record_types` = {'H': header, 'D': detail,
    'T': trailer}. Values shorter than the discriminator field are padded with spaces.
    """

    def __init__(
        self, *, discriminator: PositionedField, record_types: Mapping[str, RecordLayout]
    ) -> None:
        layouts = list(record_types.values())
        if not layouts:
            raise LayoutError("a multi-record layout needs at least one record type")
        self.discriminator = discriminator
        self.record_types = dict(record_types)
        self.record_length = _common(layouts, "record length", lambda x: x.record_length)
        self.encoding = _common(layouts, "encoding", lambda x: x.encoding)
        _check_discriminator(discriminator, self.record_length)
        self._start, self._end = discriminator.offset, discriminator.end
        self._blank = Text(discriminator.length).render("", self.encoding)
        self._keys = {kind: self._key(kind) for kind in record_types}
        self._by_key = {self._keys[kind]: layout for kind, layout in record_types.items()}

    def __repr__(self) -> str:
        kinds = ", ".join(f"{k!r}: {v.name}" for k, v in self.record_types.items())
        return f"MultiRecordLayout({self.discriminator.name}, {{{kinds}}})"

    def layout_for(self, record_type: str) -> RecordLayout:
        """The layout of one record type; `LayoutError` if the type is not configured."""
        try:
            return self.record_types[record_type]
        except KeyError:
            reason = f"record type {record_type!r} is none of {self._type_list()}"
            raise LayoutError(reason, self.discriminator.name) from None

    def decode(self, record_number: int, raw: bytes) -> DecodedRecord:
        """Decode one record with the layout its record-type field names."""
        layout = self._by_key.get(raw[self._start : self._end])
        if layout is None or len(raw) != self.record_length:
            raise self._undecodable(record_number, raw)
        return layout.decode(record_number, raw)

    def encode(
        self,
        record_type: str,
        values: Mapping[str, FieldValue],
        *,
        record_number: int | None = None,
    ) -> bytes:
        """A record of `record_type`, its record-type field set even where the layout has FILLER."""
        if record_type not in self.record_types:
            reason = f"record type {record_type!r} is none of {self._type_list()}"
            raise EncodeError(self.discriminator.name, reason, record_number)
        data = self.record_types[record_type].encode(values, record_number=record_number)
        key, written = self._keys[record_type], data[self._start : self._end]
        if written not in (key, self._blank):
            reason = f"the values say {written!r}, the record type is {record_type!r}"
            raise EncodeError(self.discriminator.name, reason, record_number)
        return data[: self._start] + key + data[self._end :]

    def retyped(self, changes: Mapping[str, FieldType]) -> MultiRecordLayout:
        """Retype fields (same length) in whichever record types have them."""
        found = {name for layout in self.record_types.values() for name in layout.field_names}
        missing = sorted(changes.keys() - found)
        if missing:
            raise LayoutError("no record type has this field", missing[0])
        return self.with_record_types(
            {
                kind: layout.retyped({n: t for n, t in changes.items() if n in layout.field_names})
                for kind, layout in self.record_types.items()
            }
        )

    def with_record_types(self, record_types: Mapping[str, RecordLayout]) -> MultiRecordLayout:
        """The same dispatch over other layouts (e.g. a text-mode variant of each)."""
        return MultiRecordLayout(discriminator=self.discriminator, record_types=record_types)

    def _key(self, record_type: str) -> bytes:
        try:
            return Text(self.discriminator.length).render(record_type, self.encoding)
        except ValueError as exc:
            raise LayoutError(str(exc), self.discriminator.name) from None

    def _undecodable(self, record_number: int, raw: bytes) -> RecordError:
        if len(raw) != self.record_length:
            reason = f"has {len(raw)} bytes, records are {self.record_length}"
            return RecordError(record_number, None, reason, raw)
        value = raw[self._start : self._end].decode(self.encoding, errors="replace")
        reason = f"record type {value!r} is none of {self._type_list()}"
        return RecordError(record_number, self.discriminator.name, reason, raw)

    def _type_list(self) -> str:
        return ", ".join(repr(kind) for kind in self.record_types)


_T = TypeVar("_T")


def _common(layouts: list[RecordLayout], what: str, attribute: Callable[[RecordLayout], _T]) -> _T:
    values = {attribute(layout) for layout in layouts}
    if len(values) != 1:
        found = ", ".join(f"{layout.name} {attribute(layout)}" for layout in layouts)
        raise LayoutError(f"record types must share one {what}: {found}")
    return values.pop()


def _check_discriminator(discriminator: PositionedField, record_length: int) -> None:
    if not isinstance(discriminator.kind, Text):
        raise LayoutError("a record-type field must be PIC X", discriminator.name)
    if discriminator.end > record_length:
        raise LayoutError(f"lies beyond the {record_length}-byte record", discriminator.name)
