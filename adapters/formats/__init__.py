"""Format codecs: fixed-width records (EBCDIC, packed decimal, copybooks) and delimited files.

Pure Python over bytes; knows no legacy system. Each adapter declares its own layouts with these.

Reading a fixed-width file is framing (`read_fixed_blocks` or `read_lines`, by configuration)
plus a layout (`RecordLayout`, or `MultiRecordLayout` for header/detail/trailer files), joined by
`read_records`, which yields each record's `DecodedRecord` or, for a bad one, its `RecordError`.
Layouts come from Python declarations (`Field("DTL-AMOUNT", Packed(11, 2))`, or
`pic("S9(11)V99 COMP-3")`) or from copybook text (`parse_copybook`), and also write records
(`encode`). A text-mode drop of a binary layout is derived, not declared twice:
`text_mode_variant` (see `adapters.formats.variants` for why). Delimited files: `read_rows`.
"""

from __future__ import annotations

from adapters.formats.copybook import Copybook, parse_copybook, pic
from adapters.formats.delimited import DelimitedLayout, DelimitedRow, read_rows
from adapters.formats.dispatch import MultiRecordLayout
from adapters.formats.errors import (
    EncodeError,
    FileError,
    FormatError,
    LayoutError,
    RecordError,
    RowError,
    TruncatedRecordError,
)
from adapters.formats.fields import (
    Date,
    FieldType,
    FieldValue,
    Filler,
    Number,
    Packed,
    SignedNumber,
    Text,
)
from adapters.formats.framing import (
    ByteSource,
    Framed,
    Framing,
    iter_lines,
    read_fixed_blocks,
    read_lines,
)
from adapters.formats.layout import DecodedRecord, Field, PositionedField, RecordLayout
from adapters.formats.records import RecordDecoder, decode_records, read_records
from adapters.formats.variants import text_mode_variant

__all__ = [
    "ByteSource",
    "Copybook",
    "Date",
    "DecodedRecord",
    "DelimitedLayout",
    "DelimitedRow",
    "EncodeError",
    "Field",
    "FieldType",
    "FieldValue",
    "FileError",
    "Filler",
    "FormatError",
    "Framed",
    "Framing",
    "LayoutError",
    "MultiRecordLayout",
    "Number",
    "Packed",
    "PositionedField",
    "RecordDecoder",
    "RecordError",
    "RecordLayout",
    "RowError",
    "SignedNumber",
    "Text",
    "TruncatedRecordError",
    "decode_records",
    "iter_lines",
    "parse_copybook",
    "pic",
    "read_fixed_blocks",
    "read_lines",
    "read_records",
    "read_rows",
    "text_mode_variant",
]
