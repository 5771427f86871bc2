"""Commands and events: frozen pydantic models with a registered type name and schema version.

The registry maps a type name to its current model and to the upcasters of older versions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

JsonDict = dict[str, Any]
Upcaster = Callable[[JsonDict], JsonDict]


class UnknownMessageType(LookupError):
    """A stored or received message names a type this gateway does not know."""


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type_name: ClassVar[str]
    schema_version: ClassVar[int] = 1


class Command(Message):
    """An imperative request; `command_id` makes a repeated command harmless."""

    command_id: UUID

    def stream_id(self) -> str:
        raise NotImplementedError


class Event(Message):
    """A past-tense fact recorded on one stream."""


_EVENTS: dict[str, type[Event]] = {}
_COMMANDS: dict[str, type[Command]] = {}
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}

E = TypeVar("E", bound=type[Event])
C = TypeVar("C", bound=type[Command])


def event_type(name: str, *, version: int = 1) -> Callable[[E], E]:
    """Register an event model as the current version of `name`."""

    def register(cls: E) -> E:
        cls.type_name = name
        cls.schema_version = version
        _EVENTS[name] = cls
        return cls

    return register


def command_type(name: str) -> Callable[[C], C]:
    def register(cls: C) -> C:
        cls.type_name = name
        _COMMANDS[name] = cls
        return cls

    return register


def upcaster(name: str, *, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register the function that turns version `from_version` of `name` into the next one."""

    def register(fn: Upcaster) -> Upcaster:
        _UPCASTERS[(name, from_version)] = fn
        return fn

    return register


def event_class(name: str) -> type[Event]:
    try:
        return _EVENTS[name]
    except KeyError:
        raise UnknownMessageType(f"unknown event type {name!r}") from None


def command_class(name: str) -> type[Command]:
    try:
        return _COMMANDS[name]
    except KeyError:
        raise UnknownMessageType(f"unknown command type {name!r}") from None


def event_types() -> dict[str, type[Event]]:
    return dict(_EVENTS)


def schema_versions(name: str) -> list[int]:
    """Every version of `name` this gateway reads: those with an upcaster, and the current one."""
    current = event_class(name).schema_version
    return sorted({version for (known, version) in _UPCASTERS if known == name} | {current})


def upcast(name: str, version: int, data: JsonDict) -> JsonDict:
    """Bring stored `data` of `name` at `version` up to the current version, step by step."""
    current = event_class(name).schema_version
    while version < current:
        step = _UPCASTERS.get((name, version))
        if step is None:
            raise UnknownMessageType(f"no upcaster for {name!r} v{version}")
        data = step(data)
        version += 1
    if version > current:
        raise UnknownMessageType(f"{name!r} v{version} is newer than this gateway (v{current})")
    return data


M = TypeVar("M", bound=BaseModel)
_TEMPLATES: dict[type[BaseModel], dict[str, Any]] = {}
# The slots every pydantic model has, set straight through their descriptors: a file import
# builds millions of models, and `object.__setattr__` by name costs twice as much.
_SET_DICT = object.__setattr__
_SET_FIELDS = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_SET_EXTRA = BaseModel.__dict__["__pydantic_extra__"].__set__
_SET_PRIVATE = BaseModel.__dict__["__pydantic_private__"].__set__


def proven(cls: type[M], /, **values: Any) -> M:
    """`cls(**values)` for values a validated model already proved, without validating again.

    The same instance `model_construct` builds (its `__dict__` in field order, which is the
    order it serialises in; the fields set; no extra, no private), without its Python loop over
    every field and alias, which costs more than the validation it skips. Fields left out take
    their defaults; nothing is checked, so callers pass every required field, and only values
    another model of the same types has validated.
    """
    template = _TEMPLATES.get(cls)
    if template is None:
        template = _TEMPLATES[cls] = {
            name: None if field.is_required() else field.get_default(call_default_factory=True)
            for name, field in cls.model_fields.items()
        }
    return rebuilt(cls, {**template, **values}, set(values))


def rebuilt(cls: type[M], fields: dict[str, Any], fields_set: set[str], /) -> M:
    """The model of `fields` (every field, in field order) as a validated one held them.

    For values that come from a validated instance of the same class (see `proven`, and the
    import's spool of pass-1 commands): nothing is checked.
    """
    model = cls.__new__(cls)
    _SET_DICT(model, "__dict__", fields)
    _SET_FIELDS(model, fields_set)
    _SET_EXTRA(model, None)
    _SET_PRIVATE(model, None)
    return model
