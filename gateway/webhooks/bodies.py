"""Webhook bodies to fields: JSON, form-encoded in the declared charset, and hardened XML.

XML goes through defusedxml with DTDs forbidden, so no entity is ever declared or expanded.
"""

from __future__ import annotations

import codecs
from typing import Any
from urllib.parse import parse_qsl
from xml.etree.ElementTree import Element, ParseError

import orjson
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from gateway.errors import InboundRefused, UnsupportedContent
from gateway.webhooks.port import BodyKind

MEDIA_KINDS: dict[str, BodyKind] = {
    "application/json": "json",
    "application/x-www-form-urlencoded": "form",
    "application/xml": "xml",
    "text/xml": "xml",
}
# As browsers do (WHATWG Encoding): legacy systems that say Latin-1 mean windows-1252.
CHARSET_ALIASES = {
    "iso-8859-1": "windows-1252",
    "latin-1": "windows-1252",
    "latin1": "windows-1252",
}
MAX_FORM_FIELDS = 200
MAX_XML_DEPTH = 32  # legacy messages nest a few levels; the fields are read recursively


def body_kind(content_type: str, accepted: list[BodyKind]) -> tuple[BodyKind, str | None]:
    """The body's kind and declared charset; `UnsupportedContent` (415) for anything else."""
    media, _, parameters = content_type.partition(";")
    media = media.strip().lower()
    kind = MEDIA_KINDS.get(media)
    if kind is None and media.endswith("+json"):
        kind = "json"
    if kind is None and media.endswith("+xml"):
        kind = "xml"
    if kind is None or kind not in accepted:
        raise UnsupportedContent(f"content type {media or '(none)'!r} is not accepted here")
    return kind, _charset(parameters)


def _charset(parameters: str) -> str | None:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower() or None
    return None


def parse_body(
    kind: BodyKind, body: bytes, *, charset: str | None, default_charset: str
) -> dict[str, Any]:
    if kind == "json":
        return _json(body, charset)
    if kind == "form":
        return _form(body, charset=charset, default_charset=default_charset)
    return _xml(body)


def _codec(charset: str) -> str:
    name = CHARSET_ALIASES.get(charset.lower(), charset)
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise UnsupportedContent(f"charset {charset!r} is not known") from None


def _json(body: bytes, charset: str | None) -> dict[str, Any]:
    try:
        text = body if charset in (None, "utf-8", "utf8") else body.decode(_codec(charset or ""))
        value = orjson.loads(text)
    except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InboundRefused(f"the body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InboundRefused("the JSON body must be an object")
    return value


def _form(body: bytes, *, charset: str | None, default_charset: str) -> dict[str, Any]:
    """Fields of a form body, percent-escapes and raw bytes read in one charset.

    The declared charset rules. Without one, the source's default applies, unless every field
    is valid UTF-8 and some are not ASCII: legacy 8-bit text is practically never that, so it is
    a sender that forgot to say UTF-8.
    """
    try:  # Latin-1 keeps each byte as one character: split first, decode afterwards
        pairs = parse_qsl(
            body.decode("latin-1"), keep_blank_values=True, encoding="latin-1",
            max_num_fields=MAX_FORM_FIELDS,
        )  # fmt: skip
    except ValueError as exc:
        raise InboundRefused(f"the form body cannot be read: {exc}") from None
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in pairs]
    codec = _codec(charset) if charset else _undeclared_codec(raw, _codec(default_charset))
    try:
        return {name.decode(codec): value.decode(codec) for name, value in raw}
    except UnicodeDecodeError as exc:
        raise InboundRefused(f"the form body cannot be read as {codec}: {exc}") from None


def _undeclared_codec(raw: list[tuple[bytes, bytes]], default: str) -> str:
    text = b"".join(name + value for name, value in raw)
    if text.isascii():
        return default
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return default
    return "utf-8"


def _xml(body: bytes) -> dict[str, Any]:
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InboundRefused(f"the XML is refused: {type(exc).__name__}") from None
    except ParseError as exc:
        raise InboundRefused(f"the body is not well-formed XML: {exc}") from None
    if _depth(root) > MAX_XML_DEPTH:
        raise InboundRefused(f"the XML nests deeper than {MAX_XML_DEPTH} elements")
    fields = _element_fields(root)
    return fields if isinstance(fields, dict) else {root.tag: fields}


def _depth(root: Element) -> int:
    """How deep the elements nest, counted without recursion (a hostile body nests 3,000 deep)."""
    deepest, level = 0, [(root, 1)]
    while level:
        element, depth = level.pop()
        deepest = max(deepest, depth)
        level.extend((child, depth + 1) for child in element)
    return deepest


def _element_fields(element: Element) -> dict[str, Any] | str:
    """A leaf is its text; a parent is a mapping of its children (repeated tags as lists)."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    fields: dict[str, Any] = {}
    for child in children:
        value = _element_fields(child)
        if child.tag not in fields:
            fields[child.tag] = value
        elif isinstance(fields[child.tag], list):
            fields[child.tag].append(value)
        else:
            fields[child.tag] = [fields[child.tag], value]
    return fields
