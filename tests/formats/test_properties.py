"""Properties over random layouts and bytes: only typed errors, and writes that read back.

Hypothesis runs are kept to 200 examples so the suite stays fast.
"""

from __future__ import annotations

import contextlib
import io
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.formats import (
    Date,
    DelimitedLayout,
    Field,
    FieldType,
    FieldValue,
    FileError,
    Filler,
    LayoutError,
    MultiRecordLayout,
    Number,
    Packed,
    RecordError,
    RecordLayout,
    SignedNumber,
    Text,
    parse_copybook,
    read_fixed_blocks,
    read_lines,
    read_rows,
)

ENCODINGS = ["cp037", "cp500", "cp1252", "latin-1", "ascii", "utf-8"]
MODEST = settings(max_examples=200, deadline=None)

shapes = st.tuples(st.integers(0, 15), st.integers(0, 4)).filter(lambda shape: sum(shape) > 0)
field_types: st.SearchStrategy[FieldType] = st.one_of(
    st.integers(1, 12).map(Text),
    st.integers(1, 5).map(Filler),
    shapes.map(lambda shape: Number(*shape)),
    st.builds(
        lambda shape, sign: SignedNumber(shape[0], shape[1], sign=sign),
        shapes,
        st.sampled_from(["leading", "trailing"]),
    ),
    st.builds(
        lambda shape, signed: Packed(shape[0], shape[1], signed=signed), shapes, st.booleans()
    ),
    st.sampled_from(["YYYYMMDD", "DDMMYYYY", "DD.MM.YYYY"]).map(Date),
)


@st.composite
def layouts(draw: st.DrawFn) -> RecordLayout:
    kinds = draw(st.lists(field_types, min_size=1, max_size=8))
    fields = [
        Field("FILLER" if isinstance(k, Filler) else f"F-{i}", k) for i, k in enumerate(kinds)
    ]
    return RecordLayout("RANDOM", fields, encoding=draw(st.sampled_from(ENCODINGS)))


@st.composite
def layouts_with_records(draw: st.DrawFn) -> tuple[RecordLayout, bytes]:
    layout = draw(layouts())
    exact = st.binary(min_size=layout.record_length, max_size=layout.record_length)
    return layout, draw(st.one_of(exact, st.binary(max_size=layout.record_length + 2)))


def _value(kind: FieldType, encoding: str) -> st.SearchStrategy[FieldValue]:
    if isinstance(kind, Text):
        text = st.text(st.characters(codec=encoding), max_size=kind.length)
        return text.map(lambda s: s.strip(" ")).filter(
            lambda s: len(s.encode(encoding)) <= kind.length
        )
    if isinstance(kind, Date):
        return st.dates()
    assert isinstance(kind, Number | SignedNumber | Packed)
    top = 10 ** (kind.digits + kind.decimals) - 1
    signed = isinstance(kind, SignedNumber) or (isinstance(kind, Packed) and kind.signed)
    units = st.integers(-top if signed else 0, top)
    return units.map(lambda n: Decimal(f"{n}E-{kind.decimals}") if kind.decimals else n)


@st.composite
def layouts_with_values(draw: st.DrawFn) -> tuple[RecordLayout, dict[str, FieldValue]]:
    layout = draw(layouts())
    values = {
        f.name: draw(_value(f.kind, layout.encoding)) for f in layout.fields if f.name != "FILLER"
    }
    return layout, values


@MODEST
@given(layouts_with_records())
def test_random_bytes_decode_or_fail_with_a_record_error(case: tuple[RecordLayout, bytes]) -> None:
    layout, raw = case
    try:
        values = layout.decode_values(1, raw)
    except RecordError as error:
        assert error.record_number == 1
        assert error.raw == raw
    else:
        assert set(values) == set(layout.field_names)


@MODEST
@given(layouts_with_values())
def test_random_values_written_then_read_come_back_the_same(
    case: tuple[RecordLayout, dict[str, FieldValue]],
) -> None:
    layout, values = case
    raw = layout.encode(values)
    assert len(raw) == layout.record_length
    assert layout.decode_values(1, raw) == values


@MODEST
@given(layouts(), layouts(), st.binary(max_size=40))
def test_random_records_of_a_multi_record_file_fail_only_with_record_errors(
    first: RecordLayout, second: RecordLayout, raw: bytes
) -> None:
    length = max(first.record_length, second.record_length)

    def typed(layout: RecordLayout) -> RecordLayout:
        fields = [Field("TYPE", Text(1)), *(Field(f.name, f.kind) for f in layout.fields)]
        if length > layout.record_length:
            fields.append(Field("FILLER", Filler(length - layout.record_length)))
        return RecordLayout(layout.name, fields, encoding="cp037")

    header, detail = typed(first), typed(second)
    both = MultiRecordLayout(
        discriminator=header.field("TYPE"), record_types={"H": header, "D": detail}
    )
    for record in (
        raw,
        b"\xc8" + raw,
        b"\xc4" + raw[:length],
        b"\xc4" + raw.ljust(length, b"\0")[:length],
    ):
        with contextlib.suppress(RecordError):
            both.decode(1, record)


@MODEST
@given(st.binary(max_size=300), st.integers(1, 30), st.integers(1, 64))
def test_fixed_blocks_account_for_every_byte(
    data: bytes, record_length: int, buffer_size: int
) -> None:
    frames = list(
        read_fixed_blocks(io.BytesIO(data), record_length=record_length, buffer_size=buffer_size)
    )
    raws = [frame.raw if isinstance(frame, RecordError) else frame[1] for frame in frames]
    numbers = [
        frame.record_number if isinstance(frame, RecordError) else frame[0] for frame in frames
    ]
    assert b"".join(raws) == data
    assert numbers == list(range(1, len(frames) + 1))


@MODEST
@given(st.binary(max_size=300).map(lambda b: b.replace(b"\x00", b"\n")), st.integers(1, 10))
def test_line_framing_yields_exact_records_or_record_errors(
    data: bytes, record_length: int
) -> None:
    for frame in read_lines(io.BytesIO(data), record_length=record_length, buffer_size=16):
        if not isinstance(frame, RecordError):
            assert len(frame[1]) == record_length


@MODEST
@given(st.binary(max_size=200), st.booleans())
def test_random_delimited_bytes_give_rows_row_errors_or_a_file_error(
    body: bytes, with_header: bool
) -> None:
    layout = DelimitedLayout(("A", "B", "C"), encoding="cp1252", separator=";")
    data = (b"A;B;C\r\n" if with_header else b"") + body
    try:
        for item in read_rows(io.BytesIO(data), layout, buffer_size=32):
            assert item.raw
    except FileError as error:
        assert error.line_number == 1


copybook_words = st.sampled_from(
    [
        "01",
        "05",
        "10",
        "88",
        "66",
        "A",
        "B",
        "FILLER",
        "PIC",
        "PICTURE",
        "IS",
        "X(3)",
        "9(4)",
        "S9(5)V99",
        "S9(40)",
        "XX",
        "9V9",
        "P9",
        "COMP-3",
        "COMP",
        "DISPLAY",
        "USAGE",
        "SIGN",
        "LEADING",
        "TRAILING",
        "SEPARATE",
        "CHARACTER",
        "REDEFINES",
        "VALUE",
        ".",
    ]
)


@MODEST
@given(
    st.lists(st.lists(copybook_words, max_size=8), max_size=8), st.sampled_from(["", "*", "-", "/"])
)
def test_a_random_copybook_parses_or_fails_with_a_layout_error(
    lines: list[list[str]], indicator: str
) -> None:
    text = "\n".join(f"      {indicator or ' '}{' '.join(words)}" for words in lines)
    try:
        copybook = parse_copybook(text, encoding="cp037")
    except LayoutError:
        return
    assert all(layout.record_length > 0 for layout in copybook.records.values())
