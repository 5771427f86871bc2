"""Record layouts: named fields at computed byte offsets, in one explicit encoding.

A layout is declared once (in Python or from a copybook) and both decodes and encodes records.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from adapters.formats.errors import EncodeError, LayoutError, RecordError
from adapters.formats.fields import FieldType, FieldValue, Filler, Text

# One step of decoding: field name, start, end, parse, whether parse takes text (else bytes).
_Step = tuple[str, int, int, Callable[[Any], FieldValue], bool]


@dataclass(frozen=True, slots=True)
class Field:
    """A field as declared: its name (as in the copybook, e.g. 'DTL-AMOUNT') and its type."""

    name: str
    kind: FieldType


@dataclass(frozen=True, slots=True)
class PositionedField:
    """A field placed in its record: bytes `offset` to `end` (0-based, end exclusive)."""

    name: str
    kind: FieldType
    offset: int

    @property
    def length(self) -> int:
        return self.kind.length

    @property
    def end(self) -> int:
        return self.offset + self.kind.length


class DecodedRecord(NamedTuple):
    """One decoded record: its number in the file, its layout's name, values by field name."""

    record_number: int
    layout: str
    values: dict[str, FieldValue]
    raw: bytes


class RecordLayout:
    """One record type: fields laid end to end, decoded and encoded in `encoding`.

    FILLER fields are left out of decoded values and written as spaces. Other field names must
    be unique within the record.
    """

    def __init__(self, name: str, fields: Iterable[Field], *, encoding: str) -> None:
        self.name = name
        self.encoding = _checked_encoding(encoding)
        # Looked up once: bytes.decode(name) looks the codec up on every call, 3x the cost.
        self._decode_text = codecs.getdecoder(self.encoding)
        self.fields = _positioned(fields)
        self.record_length = self.fields[-1].end if self.fields else 0
        self._by_name = _named_fields(name, self.fields)
        self._steps: tuple[_Step, ...] = tuple(
            (f.name, f.offset, f.end, f.kind.parse, not f.kind.binary)
            for f in self._by_name.values()
        )
        self._decode_sliced = _sliced_decoder(tuple(self._by_name.values()))

    def __repr__(self) -> str:
        return f"RecordLayout({self.name!r}, {self.record_length} bytes, {self.encoding})"

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of the fields that decode to a value (all but FILLER), in record order."""
        return tuple(self._by_name)

    def field(self, name: str) -> PositionedField:
        """The named field; `LayoutError` if this record has none by that name."""
        try:
            return self._by_name[name]
        except KeyError:
            raise LayoutError(f"layout {self.name} has no such field", name) from None

    def decode(self, record_number: int, raw: bytes) -> DecodedRecord:
        """Decode one record; `RecordError` names the first field that cannot be read."""
        return DecodedRecord(record_number, self.name, self.decode_values(record_number, raw), raw)

    def decode_values(self, record_number: int, raw: bytes) -> dict[str, FieldValue]:
        """The record's values by field name, FILLER left out."""
        if len(raw) != self.record_length:
            reason = f"has {len(raw)} bytes, layout {self.name} needs {self.record_length}"
            raise RecordError(record_number, None, reason, raw)
        # Decode the whole record once and slice the text; safe only while each byte is one
        # character (single-byte code pages always; UTF-8 when the record is plain ASCII).
        try:
            text = self._decode_text(raw)[0]
        except UnicodeDecodeError:  # e.g. packed bytes that are no cp1252 character
            return self._decode_field_by_field(record_number, raw)
        if len(text) != len(raw):
            return self._decode_field_by_field(record_number, raw)
        try:
            return self._decode_sliced(text, raw)
        except ValueError:
            pass  # some field cannot be read: the loop below finds which, in record order
        values: dict[str, FieldValue] = {}
        for name, start, end, parse, takes_text in self._steps:
            try:
                values[name] = parse(text[start:end] if takes_text else raw[start:end])
            except ValueError as exc:
                raise RecordError(record_number, name, str(exc), raw) from None
        return values

    def encode(
        self, values: Mapping[str, FieldValue], *, record_number: int | None = None
    ) -> bytes:
        """The record's bytes, exactly `record_length` long; every named field needs a value."""
        unknown = sorted(values.keys() - self._by_name.keys())
        if unknown:
            reason = f"is not a field of layout {self.name}"
            raise EncodeError(unknown[0], reason, record_number)
        return b"".join(self._encode_field(f, values, record_number) for f in self.fields)

    def retyped(self, changes: Mapping[str, FieldType]) -> RecordLayout:
        """The same layout with some fields read as another type of the same length.

        E.g. a copybook's `PIC 9(8)` business date as `Date("YYYYMMDD")`.
        """
        for name, kind in changes.items():
            if self.field(name).length != kind.length:
                reason = f"{kind} is {kind.length} bytes, the field {self.field(name).length}"
                raise LayoutError(reason, name)
        fields = [Field(f.name, changes.get(f.name, f.kind)) for f in self.fields]
        return RecordLayout(self.name, fields, encoding=self.encoding)

    def _decode_field_by_field(self, record_number: int, raw: bytes) -> dict[str, FieldValue]:
        """Slow path: decode each text field on its own, to name the one that cannot be read."""
        values: dict[str, FieldValue] = {}
        for name, start, end, parse, takes_text in self._steps:
            piece = raw[start:end]
            try:
                values[name] = parse(piece.decode(self.encoding) if takes_text else piece)
            except UnicodeDecodeError:
                reason = f"bytes {piece.hex().upper()} are not valid {self.encoding}"
                raise RecordError(record_number, name, reason, raw) from None
            except ValueError as exc:
                raise RecordError(record_number, name, str(exc), raw) from None
        return values

    def _encode_field(
        self, field: PositionedField, values: Mapping[str, FieldValue], record_number: int | None
    ) -> bytes:
        if isinstance(field.kind, Filler):
            return field.kind.render(None, self.encoding)
        if field.name not in values:
            raise EncodeError(field.name, "has no value", record_number)
        try:
            return field.kind.render(values[field.name], self.encoding)
        except ValueError as exc:
            raise EncodeError(field.name, str(exc), record_number) from None


def _sliced_decoder(fields: tuple[PositionedField, ...]) -> Callable[[str, bytes], dict[str, Any]]:
    """`decode(text, raw)`: every field's value, as one dict display written out for the layout.

    The same parses as the loop of `decode_values`, without its per-field bookkeeping, and PIC X
    trimmed in place rather than through `Text.parse`: a fifth less a record (a file import
    decodes each record twice). Any `ValueError` leaves the caller to find the field at fault.
    """
    namespace: dict[str, Any] = {}
    entries = []
    for number, field in enumerate(fields):
        piece = f"{'raw' if field.kind.binary else 'text'}[{field.offset}:{field.end}]"
        if type(field.kind) is Text:
            value = f"{piece}.strip(' ')"
        else:
            namespace[f"parse_{number}"] = field.kind.parse
            value = f"parse_{number}({piece})"
        entries.append(f"        {field.name!r}: {value},")
    source = "\n".join(["def decode(text, raw):", "    return {", *entries, "    }"])
    exec(source, namespace)  # source built above from the layout: offsets, names (repr), parses
    decode: Callable[[str, bytes], dict[str, Any]] = namespace["decode"]
    return decode


def _checked_encoding(encoding: str) -> str:
    try:
        space = " ".encode(encoding)
    except LookupError:
        raise LayoutError(f"unknown encoding {encoding!r}") from None
    if len(space) != 1:
        raise LayoutError(f"{encoding} is not usable for fixed-width records (space is not 1 byte)")
    return codecs.lookup(encoding).name


def _positioned(fields: Iterable[Field]) -> tuple[PositionedField, ...]:
    placed: list[PositionedField] = []
    offset = 0
    for field in fields:
        placed.append(PositionedField(field.name, field.kind, offset))
        offset += field.kind.length
    return tuple(placed)


def _named_fields(layout: str, fields: tuple[PositionedField, ...]) -> dict[str, PositionedField]:
    if not fields:
        raise LayoutError(f"layout {layout} has no fields")
    named: dict[str, PositionedField] = {}
    for field in fields:
        if isinstance(field.kind, Filler):
            continue
        if field.name in named:
            raise LayoutError(f"layout {layout} declares the field twice", field.name)
        named[field.name] = field
    return named
