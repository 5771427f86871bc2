"""Layout variants: the same records as a text-mode transfer delivers them.

A text-mode drop cannot carry packed bytes, so its packed fields arrive as display numbers.

We derive the text-mode layout from the one declared layout rather than keep a second copybook
by hand: every COMP-3 field becomes display with the same digits (signed ones
`SIGN LEADING SEPARATE`, so `S9(11)V99` grows from 7 to 14 bytes), and the record's trailing
FILLER shrinks by what they grew, so the record length stays the same (CBS: detail filler
24 -> 17, trailer 101 -> 92, every record 120). Fields after a packed field move; the record-type
field of a `MultiRecordLayout` must come before every packed field. The variant is read in its
own encoding (CBS: cp1252 instead of cp037).
"""

from __future__ import annotations

from typing import overload

from adapters.formats.dispatch import MultiRecordLayout
from adapters.formats.errors import LayoutError
from adapters.formats.fields import FieldType, Filler, Number, Packed, SignedNumber
from adapters.formats.layout import Field, RecordLayout


@overload
def text_mode_variant(layout: RecordLayout, *, encoding: str) -> RecordLayout: ...


@overload
def text_mode_variant(layout: MultiRecordLayout, *, encoding: str) -> MultiRecordLayout: ...


def text_mode_variant(
    layout: RecordLayout | MultiRecordLayout, *, encoding: str
) -> RecordLayout | MultiRecordLayout:
    """The layout of the same records in a text-mode transfer, read in `encoding`."""
    if isinstance(layout, RecordLayout):
        return _record_variant(layout, encoding)
    for record in layout.record_types.values():
        _check_discriminator_first(layout, record)
    return layout.with_record_types(
        {kind: _record_variant(record, encoding) for kind, record in layout.record_types.items()}
    )


def _record_variant(layout: RecordLayout, encoding: str) -> RecordLayout:
    fields = [Field(f.name, _display(f.kind)) for f in layout.fields]
    growth = sum(f.kind.length for f in fields) - layout.record_length
    if growth:
        fields = _shrink_trailing_filler(layout.name, fields, growth)
    return RecordLayout(layout.name, fields, encoding=encoding)


def _display(kind: FieldType) -> FieldType:
    if not isinstance(kind, Packed):
        return kind
    if kind.signed:
        return SignedNumber(kind.digits, kind.decimals, sign="leading")
    return Number(kind.digits, kind.decimals)


def _shrink_trailing_filler(name: str, fields: list[Field], growth: int) -> list[Field]:
    last = fields[-1]
    if not isinstance(last.kind, Filler) or last.kind.length < growth:
        reason = f"packed fields grow {growth} bytes in display; no trailing FILLER absorbs that"
        raise LayoutError(reason, name)
    remaining = last.kind.length - growth
    return fields[:-1] + ([Field(last.name, Filler(remaining))] if remaining else [])


def _check_discriminator_first(layout: MultiRecordLayout, record: RecordLayout) -> None:
    packed = [f for f in record.fields if isinstance(f.kind, Packed)]
    if packed and packed[0].offset < layout.discriminator.end:
        reason = f"record {record.name} has packed {packed[0].name} before the record type"
        raise LayoutError(reason, layout.discriminator.name)
