"""Webhook bodies read as the sender meant them: charsets, form escapes, XML shapes."""

from __future__ import annotations

import pytest

from gateway.errors import InboundRefused, UnsupportedContent
from gateway.webhooks.bodies import body_kind, parse_body
from gateway.webhooks.port import BodyKind


def form(body: bytes, charset: str | None = None) -> dict[str, object]:
    return parse_body("form", body, charset=charset, default_charset="windows-1252")


def test_a_form_is_read_in_its_declared_charset() -> None:
    assert form(b"NAME=Jos%E9+M%FCller&ADDR2=", "windows-1252") == {
        "NAME": "José Müller",
        "ADDR2": "",
    }
    assert form(b"NAME=Zo%C3%AB", "utf-8") == {"NAME": "Zoë"}


def test_a_latin_1_label_is_read_as_windows_1252() -> None:
    assert form(b"PRICE=%8020&Q=%93hi%94", "ISO-8859-1") == {"PRICE": "€20", "Q": "“hi”"}


def test_without_a_charset_the_sources_default_applies() -> None:
    assert form(b"NAME=Ren%E9+Dupr%E9") == {"NAME": "René Dupré"}
    assert form("NAME=René".encode("windows-1252")) == {"NAME": "René"}


def test_without_a_charset_a_body_that_can_only_be_utf_8_is_read_as_utf_8() -> None:
    assert form(b"NAME=Ren%C3%A9+Dupr%C3%A9") == {"NAME": "René Dupré"}


def test_an_unknown_charset_is_415_and_bytes_the_charset_lacks_are_400() -> None:
    with pytest.raises(UnsupportedContent):
        form(b"A=1", "x-no-such-charset")
    with pytest.raises(InboundRefused):
        form(b"A=%81", "windows-1252")


def test_content_types_map_to_kinds_and_others_are_415() -> None:
    accepted: list[BodyKind] = ["json", "form", "xml"]
    form_type = 'Application/X-WWW-Form-Urlencoded; Charset="ISO-8859-1"'

    assert body_kind("application/json; charset=utf-8", accepted) == ("json", "utf-8")
    assert body_kind("application/vnd.bank+json", accepted) == ("json", None)
    assert body_kind(form_type, accepted) == ("form", "iso-8859-1")
    with pytest.raises(UnsupportedContent):
        body_kind("text/plain", accepted)
    with pytest.raises(UnsupportedContent):
        body_kind("application/xml", ["json"])


def test_json_must_be_an_object() -> None:
    with pytest.raises(InboundRefused, match="object"):
        parse_body("json", b"[1, 2]", charset=None, default_charset="utf-8")
    with pytest.raises(InboundRefused, match="not valid JSON"):
        parse_body("json", b"{oops", charset=None, default_charset="utf-8")


def test_xml_children_become_fields_nested_and_repeated() -> None:
    body = b"<m><id>7</id><addr><line>1</line><line>2</line></addr><empty/></m>"

    fields = parse_body("xml", body, charset=None, default_charset="utf-8")

    assert fields == {"id": "7", "addr": {"line": ["1", "2"]}, "empty": ""}


def test_xml_with_any_dtd_is_refused() -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY e "x">]><m><a>&e;</a></m>'

    with pytest.raises(InboundRefused, match="DTDForbidden"):
        parse_body("xml", body, charset=None, default_charset="utf-8")
