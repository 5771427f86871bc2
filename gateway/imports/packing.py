"""Validated models as plain tuples and back, for a spool that one process writes and reads.

A tuple of str, int, bytes and None is what `marshal` writes at C speed; a model comes back
as the instance it was, without a second validation, since it was valid when packed.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from uuid import UUID, SafeUUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    FutureDate,
    FutureDatetime,
    NaiveDatetime,
    PastDate,
    PastDatetime,
)

Packed = tuple[Any, ...]
Convert = Callable[[Any], Any]
PLAIN: frozenset[type] = frozenset({str, int, bool, float, bytes})

_NEW_UUID = UUID.__new__
_SET_INT = UUID.__dict__["int"].__set__
_SET_SAFE = UUID.__dict__["is_safe"].__set__
_FROM_BYTES = int.from_bytes
_UNKNOWN = SafeUUID.unknown


def uuid_of(data: bytes) -> UUID:
    """`UUID(bytes=data)` without its argument checks: the bytes came from a UUID."""
    value = _NEW_UUID(UUID)
    _SET_INT(value, _FROM_BYTES(data))
    _SET_SAFE(value, _UNKNOWN)
    return value


class ModelPacker:
    """Packs models of the classes it meets; their numbers and plans stay here.

    A field is packed by its declared type: a UUID as its 16 bytes, a date as its ordinal, a
    Decimal as its text, a nested model as its own packed tuple, an enum as its value; any
    other type must be plain (str, int, bool, float, bytes, a Literal) or None. Each class
    gets a packing and an unpacking function of its own, generated once (as dataclasses
    generate `__init__`): a loop over the fields costs more than the rest of the work.
    """

    def __init__(self) -> None:
        self._packers: dict[type[BaseModel], Callable[[BaseModel], Packed]] = {}
        self._unpackers: list[Callable[[Packed], Any]] = []

    def pack(self, model: BaseModel) -> Packed:
        packer = self._packers.get(type(model)) or self._plan(type(model))
        return packer(model)

    def unpack(self, packed: Packed) -> Any:
        return self._unpackers[packed[0]](packed[1])

    def _plan(self, cls: type[BaseModel]) -> Callable[[BaseModel], Packed]:
        number = len(self._unpackers)
        namespace: dict[str, Any] = {
            "cls": cls, "new": cls.__new__, "fields_set": frozenset(cls.model_fields),
            **_MODEL_SLOTS,
        }  # fmt: skip
        packs, unpacks = [], []
        for index, (name, field) in enumerate(cls.model_fields.items()):
            converters, optional = self._converters(field.annotation)
            key, item = repr(name), f"values[{index}]"
            if converters is None:
                packs.append(f"d[{key}]")
                unpacks.append(f"{key}: {item}")
                continue
            namespace[f"p{index}"], namespace[f"u{index}"] = converters
            if optional:
                packs.append(f"None if (v{index} := d[{key}]) is None else p{index}(v{index})")
                unpacks.append(f"{key}: None if (v := {item}) is None else u{index}(v)")
            else:
                packs.append(f"p{index}(d[{key}])")
                unpacks.append(f"{key}: u{index}({item})")
        source = (
            "def pack(model):\n    d = model.__dict__\n"
            f"    return ({number}, ({', '.join(packs)},))\n"
            "def unpack(values):\n    model = new(cls)\n"
            f"    set_dict(model, '__dict__', {{{', '.join(unpacks)}}})\n"
            "    set_fields(model, set(fields_set))\n"
            "    set_extra(model, None)\n    set_private(model, None)\n    return model\n"
        )
        exec(compile(source, f"<packing of {cls.__qualname__}>", "exec"), namespace)
        self._packers[cls] = namespace["pack"]
        self._unpackers.append(namespace["unpack"])
        return self._packers[cls]

    def _converters(self, annotation: Any) -> tuple[tuple[Convert, Convert] | None, bool]:
        """(pack, unpack) of a field's declared type (None if plain), and whether it is optional."""
        kind, optional = _without_none(annotation)
        if get_origin(kind) is Literal or kind in PLAIN:
            return None, optional
        if isinstance(kind, type):
            if issubclass(kind, BaseModel):
                return (self.pack, self.unpack), optional
            if issubclass(kind, Enum):
                return (operator.attrgetter("value"), kind), optional
            for base, converters in _CONVERTERS:
                if issubclass(kind, base):
                    return converters, optional
        raise TypeError(f"cannot spool a field of type {annotation!r}")


_MODEL_SLOTS = {
    "set_dict": object.__setattr__,
    "set_fields": BaseModel.__dict__["__pydantic_fields_set__"].__set__,
    "set_extra": BaseModel.__dict__["__pydantic_extra__"].__set__,
    "set_private": BaseModel.__dict__["__pydantic_private__"].__set__,
}
_DATETIME: tuple[Convert, Convert] = (datetime.isoformat, datetime.fromisoformat)
_DATE: tuple[Convert, Convert] = (date.toordinal, date.fromordinal)
# pydantic's constrained dates are classes of their own at run time, not datetime's.
_CONVERTERS: tuple[tuple[type, tuple[Convert, Convert]], ...] = (
    (UUID, (operator.attrgetter("bytes"), uuid_of)),
    (datetime, _DATETIME),
    (date, _DATE),
    (Decimal, (str, Decimal)),
    *((kind, _DATETIME) for kind in (AwareDatetime, NaiveDatetime, PastDatetime, FutureDatetime)),
    *((kind, _DATE) for kind in (PastDate, FutureDate)),
)


def _without_none(annotation: Any) -> tuple[Any, bool]:
    """`X` of `X | None` or `Annotated[X, ...]`, and whether None was allowed."""
    if get_origin(annotation) is Annotated:
        return _without_none(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        others = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(others) == 1:
            return _without_none(others[0])[0], True
    return annotation, False
