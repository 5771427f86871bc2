"""A fixed-width record as one format template compiled from its layout: the detail hot path.

`RecordLayout.encode` checks every field on every call (about 50 us a record on a small VM);
a day of a million movements needs the template (a few us). Both come from one declaration,
and the tests hold them to the same bytes. Values arrive already checked and scaled.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.formats import Date, Filler, LayoutError, Number, RecordLayout, Text


class TemplateWriter:
    """Writes a record from its values in field order (FILLER left out).

    Text is str, padded; Number is a non-negative int in the field's smallest unit (cents
    for V99), zero padded; Date(YYYYMMDD) is its 8-digit string. A value too long for its
    field makes the record too long: `ValueError`, as does a character outside the encoding.
    """

    def __init__(self, layout: RecordLayout) -> None:
        self.layout = layout
        self.template = "".join(_placeholder(f.kind) for f in layout.fields)
        self.record_length = layout.record_length
        self.encoding = layout.encoding

    def write(self, values: Sequence[object]) -> bytes:
        text = self.template.format(*values)
        if len(text) != self.record_length:
            raise ValueError(self._too_long(values))
        return text.encode(self.encoding)

    def _too_long(self, values: Sequence[object]) -> str:
        named = [f for f in self.layout.fields if not isinstance(f.kind, Filler)]
        for field, value in zip(named, values, strict=True):
            if len(format(value, _placeholder(field.kind)[2:-1])) > field.length:
                return f"{field.name}: {value!r} is longer than {field.length}"
        return f"record is not {self.record_length} characters long"


def _placeholder(kind: object) -> str:
    if isinstance(kind, Filler):
        return " " * kind.length
    if isinstance(kind, Text):
        return f"{{:<{kind.length}}}"
    if isinstance(kind, Number):
        return f"{{:0{kind.length}d}}"
    if isinstance(kind, Date) and kind.pattern == "YYYYMMDD":
        return "{:8}"
    raise LayoutError(f"{kind} has no template form; use RecordLayout.encode")
