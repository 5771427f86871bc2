"""COBOL copybook reader: the record layouts a mainframe team publishes, as `RecordLayout`s.

Reads the subset our sources use; anything else is a `LayoutError` naming the copybook line.

Fixed format: columns 1-6 sequence area (ignored), column 7 indicator (`*` or `/` comment),
columns 8-72 code; a line whose first non-blank after the sequence area is `*` is a comment.
Supported: levels 01 (records, `REDEFINES` another record for record types) and 02-49
(elementary items), 88 (ignored); `PIC`/`PICTURE [IS]` with `X(n)`, `A(n)`, `9(n)`,
`S9(n)V9(m)`; `[USAGE [IS]] DISPLAY | COMP-3 | COMPUTATIONAL-3 | PACKED-DECIMAL`;
`[SIGN [IS]] LEADING | TRAILING SEPARATE [CHARACTER]`; `FILLER` (named or omitted).
Field names are kept as written ('DTL-AMOUNT').
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

from adapters.formats.dispatch import MultiRecordLayout
from adapters.formats.errors import LayoutError
from adapters.formats.fields import FieldType, Filler, Number, Packed, SignedNumber, Text
from adapters.formats.layout import Field, PositionedField, RecordLayout

_PACKED_USAGES = {"COMP-3", "COMPUTATIONAL-3", "PACKED-DECIMAL"}
_CLAUSE_WORDS = {"PIC", "PICTURE", "USAGE", "SIGN", "LEADING", "TRAILING", "REDEFINES", "DISPLAY"}
_REPEAT = re.compile(r"(.)\((\d+)\)")
_NUMERIC = re.compile(r"(S?)(9*)(?:V(9*))?")
_MAX_REPEAT = 32_767

Usage = Literal["display", "packed"]
Sign = Literal["leading", "trailing"]


class _Entry(NamedTuple):
    line: int
    level: int
    name: str
    clauses: list[str]


@dataclass(frozen=True)
class Copybook:
    """The records of one copybook, by 01-level name, in the order declared."""

    records: Mapping[str, RecordLayout]

    def record(self, name: str) -> RecordLayout:
        try:
            return self.records[name]
        except KeyError:
            known = ", ".join(self.records)
            raise LayoutError(f"the copybook has no record {name} (it has {known})") from None

    def dispatch(self, *, on: str, record_types: Mapping[str, str]) -> MultiRecordLayout:
        """Record types chosen by field `on`, e.g. on="REC-TYPE", {"H": "CBS-HEADER", ...}."""
        layouts = {kind: self.record(name) for kind, name in record_types.items()}
        return MultiRecordLayout(discriminator=self._field(on), record_types=layouts)

    def _field(self, name: str) -> PositionedField:
        for layout in self.records.values():
            if name in layout.field_names:
                return layout.field(name)
        raise LayoutError("no record of the copybook declares this field", name)


def parse_copybook(text: str, *, encoding: str) -> Copybook:
    """Every 01-level record of `text` as a layout read and written in `encoding`."""
    records: dict[str, list[Field]] = {}
    for entry in _entries(text):
        _add_entry(records, entry)
    if not records:
        raise LayoutError("the copybook declares no 01-level record")
    return Copybook(
        {name: RecordLayout(name, fields, encoding=encoding) for name, fields in records.items()}
    )


def pic(clauses: str) -> FieldType:
    """A field type from copybook clauses, for layouts declared in Python.

    E.g. `pic("X(16)")`, `pic("9(8)")`, `pic("S9(11)V99 COMP-3")`,
    `pic("S9(11)V99 SIGN LEADING SEPARATE")`; a leading `PIC` is optional.
    """
    words = clauses.split()
    if words and words[0].upper() not in ("PIC", "PICTURE"):
        words.insert(0, "PIC")
    return _field_type(words, filler=False)


def _add_entry(records: dict[str, list[Field]], entry: _Entry) -> None:
    try:
        if entry.level == 1:
            _start_record(records, entry)
        elif 2 <= entry.level <= 49:
            _add_field(records, entry)
        elif entry.level != 88:
            raise LayoutError(f"level {entry.level:02d} is not supported")
    except LayoutError as exc:
        raise LayoutError(exc.reason, exc.field or entry.name, entry.line) from None


def _start_record(records: dict[str, list[Field]], entry: _Entry) -> None:
    if entry.name in records:
        raise LayoutError("the record is declared twice")
    clauses = [word.upper() for word in entry.clauses]
    if clauses and (clauses[0] != "REDEFINES" or len(clauses) != 2):
        raise LayoutError(f"01 level with {' '.join(entry.clauses)} is not supported")
    if clauses and entry.clauses[1] not in records:
        raise LayoutError(f"REDEFINES {entry.clauses[1]}, which is not an earlier record")
    records[entry.name] = []


def _add_field(records: dict[str, list[Field]], entry: _Entry) -> None:
    if not records:
        raise LayoutError("a field before any 01-level record")
    filler = entry.name.upper() == "FILLER"
    kind = _field_type(entry.clauses, filler=filler)
    records[next(reversed(records))].append(Field(entry.name, kind))


def _field_type(clauses: list[str], *, filler: bool) -> FieldType:
    picture, usage, sign = _read_clauses(deque(clauses))
    if picture is None:
        raise LayoutError("has no PIC clause (group items below 01 are not supported)")
    kind = _from_picture(picture, usage, sign)
    return Filler(kind.length) if filler else kind


def _read_clauses(words: deque[str]) -> tuple[str | None, Usage, Sign | None]:
    picture: str | None = None
    usage: Usage = "display"
    sign: Sign | None = None
    while words:
        word = words.popleft().upper()
        if word in ("PIC", "PICTURE"):
            picture = _value_after(word, words)
        elif word == "USAGE":
            usage = _usage(_value_after(word, words).upper())
        elif word == "SIGN":
            sign = _sign(_value_after(word, words).upper(), words)
        elif word in ("LEADING", "TRAILING"):
            sign = _sign(word, words)
        else:
            usage = _usage(word)
    return picture, usage, sign


def _value_after(keyword: str, words: deque[str]) -> str:
    if words and words[0].upper() == "IS":
        words.popleft()
    if not words:
        raise LayoutError(f"{keyword} needs a value")
    return words.popleft()


def _usage(word: str) -> Usage:
    if word == "DISPLAY":
        return "display"
    if word in _PACKED_USAGES:
        return "packed"
    if word.startswith("COMP") or word == "BINARY":
        raise LayoutError(f"usage {word} is not supported")
    raise LayoutError(f"clause {word} is not supported")


def _sign(position: str, words: deque[str]) -> Sign:
    if position not in ("LEADING", "TRAILING"):
        raise LayoutError(f"SIGN {position} is not supported")
    if not words or words.popleft().upper() != "SEPARATE":
        raise LayoutError(f"SIGN {position} without SEPARATE (overpunch) is not supported")
    if words and words[0].upper() == "CHARACTER":
        words.popleft()
    return "leading" if position == "LEADING" else "trailing"


def _from_picture(picture: str, usage: Usage, sign: Sign | None) -> FieldType:
    expanded = _expand(picture)
    if expanded and set(expanded) <= {"X", "A"}:
        if usage != "display" or sign is not None:
            raise LayoutError(f"PIC {picture} is text; it cannot be packed or signed")
        return Text(len(expanded))
    match = _NUMERIC.fullmatch(expanded)
    if match is None or not (match[2] or match[3]):
        raise LayoutError(f"PIC {picture} is not supported")
    signed, digits, decimals = bool(match[1]), len(match[2]), len(match[3] or "")
    return _number(picture, usage, sign, signed=signed, digits=digits, decimals=decimals)


def _number(
    picture: str, usage: Usage, sign: Sign | None, *, signed: bool, digits: int, decimals: int
) -> FieldType:
    if usage == "packed":
        if sign is not None:
            raise LayoutError(f"PIC {picture} COMP-3 cannot have a SIGN clause")
        return Packed(digits, decimals, signed=signed)
    if sign is not None:
        if not signed:
            raise LayoutError(f"PIC {picture} has a SIGN clause but no S")
        return SignedNumber(digits, decimals, sign=sign)
    if signed:
        raise LayoutError(f"PIC {picture} without SIGN SEPARATE (overpunch) is not supported")
    return Number(digits, decimals)


def _expand(picture: str) -> str:
    """'S9(11)V99' -> 'S99999999999V99'."""
    for match in _REPEAT.finditer(picture):
        if not 0 < int(match[2]) <= _MAX_REPEAT:
            raise LayoutError(f"PIC {picture} repeats {match[1]} {match[2]} times")
    return _REPEAT.sub(lambda match: match[1] * int(match[2]), picture.upper())


def _entries(text: str) -> Iterator[_Entry]:
    """Each entry (from its level number to its period) with the line it starts on."""
    words: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for word in _code_area(line, number).split():
            start = start if words else number
            words.append(word.removesuffix("."))
            if word.endswith("."):
                yield _entry(start, [w for w in words if w])
                words = []
    if words:
        name = words[1] if len(words) > 1 else None
        raise LayoutError("the last entry does not end with a period", name, start)


def _code_area(line: str, number: int) -> str:
    indicator, code = line[6:7], line[7:72]
    if indicator in ("*", "/") or line[6:].lstrip().startswith("*"):
        return ""
    if indicator not in ("", " "):
        raise LayoutError(f"column 7 indicator {indicator!r} is not supported", line=number)
    return code


def _entry(line: int, words: list[str]) -> _Entry:
    if not words:
        raise LayoutError("an empty entry (a lone period)", line=line)
    if not words[0].isdigit():
        raise LayoutError(f"an entry must start with a level number, not {words[0]!r}", line=line)
    has_name = len(words) > 1 and words[1].upper() not in _CLAUSE_WORDS
    name = words[1] if has_name else "FILLER"
    return _Entry(line, int(words[0]), name, words[2:] if has_name else words[1:])
