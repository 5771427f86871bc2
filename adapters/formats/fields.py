"""Field types of fixed-width records: how one field's bytes become a value and back again.

Text, display numbers (unsigned or with a separate sign), COMP-3 packed decimal, dates, FILLER.

Every type has a byte `length`, `parse` (character types take the decoded text of the field,
`binary` types its raw bytes) and `render(value, encoding) -> bytes` of exactly `length` bytes.
`parse` and `render` raise `ValueError` with the reason; the layout adds the record number and
field name. Numbers with decimals are `Decimal` (never float), without decimals `int`.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow
from functools import cache
from typing import ClassVar, Literal

from adapters.formats.errors import LayoutError

FieldValue = str | int | Decimal | date

# IBM Enterprise COBOL allows up to 31 digits with ARITH(EXTEND); 18 is the classic limit.
MAX_DIGITS = 31

# Scaling a value never rounds silently: an inexact result is an error, not a lost cent.
_EXACT = Context(prec=2 * MAX_DIGITS, traps=[Inexact, InvalidOperation, Overflow])


@dataclass(frozen=True, slots=True)
class Text:
    """PIC X(n): text in the layout's encoding; spaces trimmed on read, padded on write."""

    length: int
    binary: ClassVar[bool] = False

    def __post_init__(self) -> None:
        _check_length(self.length)

    def parse(self, text: str) -> str:
        return text.strip(" ")

    def render(self, value: object, encoding: str) -> bytes:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text")
        data = _encode_text(value, encoding)
        if len(data) > self.length:
            raise ValueError(f"{value!r} is too long: {len(data)} bytes, field holds {self.length}")
        return data + _space(encoding) * (self.length - len(data))


@dataclass(frozen=True, slots=True)
class Filler:
    """FILLER: bytes nobody reads; skipped when decoding, written as spaces."""

    length: int
    binary: ClassVar[bool] = False

    def __post_init__(self) -> None:
        _check_length(self.length)

    def parse(self, text: str) -> str:
        return text

    def render(self, value: object, encoding: str) -> bytes:
        return _space(encoding) * self.length


@dataclass(frozen=True, slots=True)
class Number:
    """PIC 9(digits)V9(decimals): unsigned display digits, the decimal point implied."""

    digits: int
    decimals: int = 0
    binary: ClassVar[bool] = False
    _exponent: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_digits(self.digits, self.decimals)
        object.__setattr__(self, "_exponent", _exponent(self.decimals))

    @property
    def length(self) -> int:
        return self.digits + self.decimals

    def parse(self, text: str) -> int | Decimal:
        if not (text.isdigit() and text.isascii()):
            raise ValueError(f"{text!r} is not a number")
        return Decimal(text + self._exponent) if self._exponent else int(text)

    def render(self, value: object, encoding: str) -> bytes:
        scaled = _scaled(value, self.decimals)
        if scaled < 0:
            raise ValueError(f"{value} is negative but {_pic(self)} is unsigned")
        return _encode_text(_zero_padded(scaled, self.length, value, self), encoding)


@dataclass(frozen=True, slots=True)
class SignedNumber:
    """PIC S9(digits)V9(decimals) SIGN LEADING|TRAILING SEPARATE: '+' or '-' and the digits."""

    digits: int
    decimals: int = 0
    sign: Literal["leading", "trailing"] = "leading"
    binary: ClassVar[bool] = False
    _exponent: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_digits(self.digits, self.decimals)
        if self.sign not in ("leading", "trailing"):
            raise LayoutError(f"sign must be 'leading' or 'trailing', not {self.sign!r}")
        object.__setattr__(self, "_exponent", _exponent(self.decimals))

    @property
    def length(self) -> int:
        return 1 + self.digits + self.decimals

    def parse(self, text: str) -> int | Decimal:
        mark, numeral = (text[0], text[1:]) if self.sign == "leading" else (text[-1], text[:-1])
        if not (numeral.isdigit() and numeral.isascii()) or (mark != "+" and mark != "-"):
            raise ValueError(f"{text!r} is not a number with a {self.sign} sign")
        # Decimal and int read the sign and the leading zeros themselves: '+0000000012550'.
        return Decimal(mark + numeral + self._exponent) if self._exponent else int(mark + numeral)

    def render(self, value: object, encoding: str) -> bytes:
        scaled = _scaled(value, self.decimals)
        numeral = _zero_padded(abs(scaled), self.length - 1, value, self)
        mark = "-" if scaled < 0 else "+"
        text = mark + numeral if self.sign == "leading" else numeral + mark
        return _encode_text(text, encoding)


@dataclass(frozen=True, slots=True)
class Packed:
    """PIC S9(digits)V9(decimals) COMP-3: two digits a byte, the last nibble the sign.

    Sign nibble C is plus, D minus, F unsigned (an unsigned field takes C or F); any other sign
    or a non-digit nibble is an error. An even digit count leaves a leading pad nibble: 0.
    """

    digits: int
    decimals: int = 0
    signed: bool = True
    binary: ClassVar[bool] = True
    _exponent: str = field(init=False, repr=False, compare=False)
    _signs: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_digits(self.digits, self.decimals)
        object.__setattr__(self, "_exponent", _exponent(self.decimals))
        signs = {"c": "+", "d": "-", "f": "+"} if self.signed else {"c": "+", "f": "+"}
        object.__setattr__(self, "_signs", signs)

    @property
    def length(self) -> int:
        return (self.digits + self.decimals) // 2 + 1

    def parse(self, raw: bytes) -> int | Decimal:
        nibbles = raw.hex()  # '0000000012550c': digits, then the sign nibble
        numeral, sign = nibbles[:-1], self._signs.get(nibbles[-1])
        if sign is None or not numeral.isdigit() or self._overflows(numeral):
            raise ValueError(self._why_unreadable(nibbles))
        return Decimal(sign + numeral + self._exponent) if self._exponent else int(sign + numeral)

    def render(self, value: object, encoding: str) -> bytes:
        scaled = _scaled(value, self.decimals)
        if scaled < 0 and not self.signed:
            raise ValueError(f"{value} is negative but {_pic(self)} is unsigned")
        numeral = _zero_padded(abs(scaled), self.digits + self.decimals, value, self)
        numeral = numeral.zfill(2 * self.length - 1)
        sign = "d" if scaled < 0 else "c" if self.signed else "f"
        return bytes.fromhex(numeral + sign)

    def _overflows(self, numeral: str) -> bool:
        return numeral[0] != "0" and len(numeral) > self.digits + self.decimals

    def _why_unreadable(self, nibbles: str) -> str:
        shown = f"packed bytes {nibbles.upper()}"
        if not nibbles[:-1].isdigit():
            return f"{shown} hold a non-digit nibble"
        if nibbles[-1] not in self._signs:
            if nibbles[-1] == "d":
                return f"{shown} end in minus sign D, but {_pic(self)} is unsigned"
            return f"{shown} end in sign nibble {nibbles[-1].upper()}, not C, D or F"
        return f"{shown} overflow {_pic(self)} (the pad nibble is not 0)"


@dataclass(frozen=True, slots=True)
class Date:
    """A calendar date in display digits laid out by `pattern`: 'YYYYMMDD', 'DD.MM.YYYY', ..."""

    pattern: str = "YYYYMMDD"
    binary: ClassVar[bool] = False
    _starts: tuple[int, int, int] = field(init=False, repr=False, compare=False)
    _literals: tuple[tuple[int, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rest = self.pattern.replace("YYYY", "\0" * 4).replace("MM", "\0\0").replace("DD", "\0\0")
        tokens = [self.pattern.count(token) for token in ("YYYY", "MM", "DD")]
        if tokens != [1, 1, 1] or any(char.isalnum() for char in rest):
            raise LayoutError(f"date pattern {self.pattern!r} needs YYYY, MM and DD once each")
        starts = tuple(self.pattern.index(token) for token in ("YYYY", "MM", "DD"))
        literals = tuple((i, c) for i, c in enumerate(self.pattern) if rest[i] != "\0")
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_literals", literals)

    @property
    def length(self) -> int:
        return len(self.pattern)

    def parse(self, text: str) -> date:
        if self.pattern == "YYYYMMDD":
            digits = text
        else:
            y, m, d = self._starts
            digits = text[y : y + 4] + text[m : m + 2] + text[d : d + 2]
        if not (digits.isdigit() and digits.isascii()) or self._literals_differ(text):
            raise ValueError(f"{text!r} is not a date in the form {self.pattern}")
        try:
            return date.fromisoformat(digits)  # 8 ASCII digits: ISO 8601 basic YYYYMMDD
        except ValueError:
            raise ValueError(f"{text!r} is not a valid date ({self.pattern})") from None

    def render(self, value: object, encoding: str) -> bytes:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValueError(f"{value!r} is not a date")
        text = self.pattern.replace("YYYY", f"{value.year:04d}")
        text = text.replace("MM", f"{value.month:02d}").replace("DD", f"{value.day:02d}")
        return _encode_text(text, encoding)

    def _literals_differ(self, text: str) -> bool:
        return any(text[i] != char for i, char in self._literals) if self._literals else False


FieldType = Text | Filler | Number | SignedNumber | Packed | Date


def _check_length(length: int) -> None:
    if length < 1:
        raise LayoutError(f"a field needs at least 1 byte, not {length}")


def _check_digits(digits: int, decimals: int) -> None:
    if digits < 0 or decimals < 0 or not 0 < digits + decimals <= MAX_DIGITS:
        raise LayoutError(f"a number needs 1 to {MAX_DIGITS} digits, not 9({digits})V9({decimals})")


def _pic(kind: Number | SignedNumber | Packed) -> str:
    decimals = f"V9({kind.decimals})" if kind.decimals else ""
    sign = "" if isinstance(kind, Number) or (isinstance(kind, Packed) and not kind.signed) else "S"
    return f"PIC {sign}9({kind.digits}){decimals}"


def _exponent(decimals: int) -> str:
    """The suffix that puts the implied decimal point in: 'E-2' for V99, so the scale is exact."""
    return f"E-{decimals}" if decimals else ""


def _scaled(value: object, decimals: int) -> int:
    """The value as a whole number of the field's smallest unit (cents for V99), exactly."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ValueError(f"{value!r} is not an int or Decimal")
    if isinstance(value, int):
        unit: int = 10**decimals
        return value * unit
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    try:
        scaled = value.scaleb(decimals, _EXACT)
    except ArithmeticError:
        raise ValueError(f"{value} is out of range") from None
    if scaled.adjusted() >= MAX_DIGITS:
        raise ValueError(f"{value} is too large for any field")
    whole = int(scaled)
    if whole != scaled:
        raise ValueError(f"{value} has more than {decimals} decimal places")
    return whole


def _zero_padded(
    magnitude: int, width: int, value: object, kind: Number | SignedNumber | Packed
) -> str:
    limit: int = 10**width
    if magnitude >= limit:
        raise ValueError(f"{value} is too large for {_pic(kind)}")
    return str(magnitude).zfill(width)


def _encode_text(value: str, encoding: str) -> bytes:
    try:
        return _encoder(encoding)(value)[0]
    except UnicodeEncodeError as exc:
        raise ValueError(f"{value!r} cannot be written in {encoding}: {exc.reason}") from None


@cache
def _encoder(encoding: str) -> codecs._Encoder:
    # Looked up once: str.encode(name) looks the codec up on every call, 3x the cost.
    return codecs.getencoder(encoding)


@cache
def _space(encoding: str) -> bytes:
    return " ".encode(encoding)
