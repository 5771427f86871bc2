"""CRM calls the gateway (crm.md), end to end over real HTTP: forms in, `RESP_CD` lines out."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import httpx

from gateway.bootstrap import Gateway
from tests.webhooks.conftest import CRM_PASSWORD, CRM_USER, stored_counts

AUTH = (CRM_USER, CRM_PASSWORD)
FORM_1252 = "application/x-www-form-urlencoded; charset=windows-1252"


def crm_form(msg_id: str, event: str = "CUST_NEW", **fields: str) -> dict[str, str]:
    form = {
        "MSG_ID": msg_id,
        "EVENT": event,
        "CUST_NO": "00012345",
        "NAME": "José Müller" if event == "CUST_NEW" else "",
        "ADDR1": "1 High Street",
        "ADDR2": "",
        "CITY": "London",
        "POSTCODE": "N1 9GU",
        "COUNTRY": "GB",
        "CHG_TS": "20261126091403",
        **fields,
    }
    return {k: v for k, v in form.items() if v or k == "ADDR2"}


def post(
    client: httpx.Client,
    form: dict[str, str],
    *,
    charset: str = "windows-1252",
    content_type: str | None = None,
    auth: tuple[str, str] = AUTH,
) -> httpx.Response:
    body = urlencode(form, encoding=charset).encode("ascii")
    return client.post(
        "/webhooks/crm",
        content=body,
        auth=auth,
        headers={
            "content-type": content_type or f"application/x-www-form-urlencoded; charset={charset}"
        },
    )


def first_line(answer: httpx.Response) -> str:
    return answer.text.splitlines()[0]


def events(client: httpx.Client, customer_no: str = "00012345") -> list[dict[str, object]]:
    stream = client.get(f"/streams/customer-{customer_no}")
    return stream.json()["events"] if stream.status_code == 200 else []


def test_a_new_customer_then_an_address_change_give_the_right_events(client: httpx.Client) -> None:
    registered = post(client, crm_form("M1"))
    moved = post(
        client,
        crm_form("M2", "CUST_ADDR_CHG", ADDR1="12 Rue de la Paix", ADDR2="Apt 4", CITY="Paris",
                 POSTCODE="75002", COUNTRY="FR", CHG_TS="20261127101500"),
    )  # fmt: skip

    assert first_line(registered) == "RESP_CD=00"
    assert first_line(moved) == "RESP_CD=00"
    registered_event, moved_event = events(client)
    assert registered_event["type"] == "bank.CustomerRegistered.v1"
    assert registered_event["data"]["name"] == "José Müller"  # type: ignore[index]
    assert registered_event["data"]["changed_at"] == "2026-11-26T09:14:03Z"  # type: ignore[index]
    assert registered_event["sourceref"] == "M1"
    assert moved_event["type"] == "bank.CustomerAddressChanged.v1"
    assert moved_event["data"]["city"] == "Paris"  # type: ignore[index]


def test_the_same_msg_id_sent_five_times_at_once_is_one_command_and_one_event(
    gateway: Gateway, client: httpx.Client
) -> None:
    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda _: post(client, crm_form("M1")), range(5)))

    assert [first_line(a) for a in answers] == ["RESP_CD=00"] * 5
    assert stored_counts(gateway) == (1, 1)


def test_a_wrong_password_is_401_and_nothing_is_stored(
    gateway: Gateway, client: httpx.Client
) -> None:
    answer = post(client, crm_form("M1"), auth=(CRM_USER, "guess"))

    assert answer.status_code == 401
    assert not answer.text.startswith("RESP_CD=")  # CRM re-sends once the password is fixed
    assert stored_counts(gateway) == (0, 0)


def test_a_body_over_the_limit_is_413(gateway: Gateway, client: httpx.Client) -> None:
    answer = post(client, crm_form("M1", ADDR2="x" * 5000))

    assert answer.status_code == 413
    assert first_line(answer) == "RESP_CD=10"
    assert stored_counts(gateway) == (0, 0)


def test_latin_1_labels_and_a_missing_charset_are_read_as_windows_1252(
    client: httpx.Client,
) -> None:
    post(client, crm_form("M1", NAME="Zoë Ångström"), charset="iso-8859-1")
    post(client, crm_form("M2", CUST_NO="00000002", NAME="René “Bob” Dupré"),
         content_type="application/x-www-form-urlencoded")  # fmt: skip

    assert events(client)[0]["data"]["name"] == "Zoë Ångström"  # type: ignore[index]
    assert events(client, "00000002")[0]["data"]["name"] == "René “Bob” Dupré"  # type: ignore[index]


def test_an_older_address_change_is_taken_but_recorded_as_stale(client: httpx.Client) -> None:
    post(client, crm_form("M1"))
    post(client, crm_form("M2", "CUST_ADDR_CHG", CITY="Paris", CHG_TS="20261128080000"))

    late = post(client, crm_form("M3", "CUST_ADDR_CHG", CITY="Leeds", CHG_TS="20261127080000"))

    assert first_line(late) == "RESP_CD=00"
    assert [e["type"] for e in events(client)][-1] == "bank.StaleAddressChangeRecorded.v1"
    changes = [e for e in events(client) if e["type"] == "bank.CustomerAddressChanged.v1"]
    assert [c["data"]["city"] for c in changes] == ["Paris"]  # type: ignore[index]


def test_an_address_change_for_an_unknown_customer_is_rejected_for_good(
    client: httpx.Client,
) -> None:
    answer = post(client, crm_form("M1", "CUST_ADDR_CHG", CUST_NO="99999999"))

    assert answer.text.splitlines()[:1] == ["RESP_CD=10"]
    assert answer.text.splitlines()[1].startswith("RESP_MSG=")
    assert "99999999" in answer.text
    assert events(client, "99999999") == []


def test_a_re_sent_registration_is_taken_again_and_a_different_one_rejected(
    gateway: Gateway, client: httpx.Client
) -> None:
    post(client, crm_form("M1"))

    same = post(client, crm_form("M2", CHG_TS="20261127000000"))
    different = post(client, crm_form("M3", NAME="Somebody Else"))

    assert first_line(same) == "RESP_CD=00"
    assert first_line(different) == "RESP_CD=10"
    assert len(events(client)) == 1


def test_a_malformed_message_is_rejected_for_good_naming_the_field(
    gateway: Gateway, client: httpx.Client
) -> None:
    answer = post(client, crm_form("M1", CUST_NO="123", CHG_TS="2026-11-26"))

    lines = answer.text.splitlines()
    assert lines[0] == "RESP_CD=10"
    assert "CUST_NO" in lines[1] and "CHG_TS" in lines[1]
    assert stored_counts(gateway) == (0, 0)


def test_a_resent_rejected_message_gets_the_same_rejection(client: httpx.Client) -> None:
    form = crm_form("M1", "CUST_ADDR_CHG", CUST_NO="99999999")

    first, again = post(client, form), post(client, form)

    assert first.text == again.text
    assert first_line(again) == "RESP_CD=10"


def test_a_sender_that_forgets_to_declare_utf_8_is_still_read_right(
    client: httpx.Client,
) -> None:
    answer = client.post("/webhooks/crm", data=crm_form("M1", NAME="Zoë Ångström"), auth=AUTH)

    assert first_line(answer) == "RESP_CD=00"
    assert events(client)[0]["data"]["name"] == "Zoë Ångström"  # type: ignore[index]
