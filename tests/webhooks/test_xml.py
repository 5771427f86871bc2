"""XML webhooks: plain documents are read; hostile ones are refused before anything expands."""

from __future__ import annotations

import time

import httpx

from gateway.bootstrap import Gateway
from tests.webhooks.conftest import signed_headers, stored_counts

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<customer><name>&lol9;</name></customer>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE customer [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<customer><customer_no>00012345</customer_no><name>&secret;</name>
<line1>1 High Street</line1><city>London</city><country>GB</country></customer>"""

PLAIN = b"""<?xml version="1.0" encoding="UTF-8"?>
<customer><customer_no>00012345</customer_no><name>Zo\xc3\xab Brook</name>
<line1>1 High Street</line1><city>London</city><postcode>N1 9GU</postcode>
<country>GB</country></customer>"""


def post_xml(client: httpx.Client, body: bytes, msg_id: str) -> httpx.Response:
    headers = {**signed_headers(body, msg_id=msg_id), "content-type": "application/xml"}
    return client.post("/webhooks/signed", content=body, headers=headers)


def test_a_plain_xml_message_is_read_field_by_field(gateway: Gateway, client: httpx.Client) -> None:
    answer = post_xml(client, PLAIN, "x1")

    assert answer.status_code == 202
    event = client.get(answer.headers["location"]).json()["events"][0]
    assert event["data"]["name"] == "Zoë Brook"


def test_entity_expansion_is_refused_without_expanding_anything(
    gateway: Gateway, client: httpx.Client
) -> None:
    started = time.monotonic()
    answer = post_xml(client, BILLION_LAUGHS, "x1")

    assert answer.status_code == 400
    assert "DTDForbidden" in answer.json()["detail"]
    assert time.monotonic() - started < 2
    assert stored_counts(gateway) == (0, 0)


def test_an_external_entity_is_refused_and_no_file_is_read(
    gateway: Gateway, client: httpx.Client
) -> None:
    answer = post_xml(client, EXTERNAL_ENTITY, "x1")

    assert answer.status_code == 400
    assert "root:" not in answer.text
    assert stored_counts(gateway) == (0, 0)
