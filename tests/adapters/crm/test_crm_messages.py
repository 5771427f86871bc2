"""CRM's message fields turned into customer commands, without HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from adapters.crm.inbound import CrmWebhooks, crm_reply, read_message
from gateway.config import WebhookSourceConfig
from gateway.domain.customers import ChangeCustomerAddress, RegisterCustomer
from gateway.errors import InvalidPayload
from gateway.webhooks import InboundMessage

FIELDS = {
    "MSG_ID": "M1",
    "EVENT": "CUST_NEW",
    "CUST_NO": "00012345",
    "NAME": " Ada Lovelace ",
    "ADDR1": "1 High Street",
    "CITY": "London",
    "POSTCODE": "N1 9GU",
    "COUNTRY": "gb",
    "CHG_TS": "20260715120000",
}
CONFIG = WebhookSourceConfig.model_validate(
    {"kind": "webhook", "adapter": "x:y", "auth": {"scheme": "api_key", "key_env": "K"}}
)


def translate(**fields: str) -> object:
    message = InboundMessage("crm", {**FIELDS, **fields}, {}, b"", "form")
    return CrmWebhooks("crm", CONFIG).translate(message, command_id=uuid.uuid4())


def test_chg_ts_is_london_time_in_summer_and_in_winter() -> None:
    summer = translate()
    winter = translate(CHG_TS="20261126091403")

    assert isinstance(summer, RegisterCustomer)
    assert summer.changed_at.astimezone(UTC) == datetime(2026, 7, 15, 11, 0, tzinfo=UTC)
    assert isinstance(winter, RegisterCustomer)
    assert winter.changed_at.astimezone(UTC) == datetime(2026, 11, 26, 9, 14, 3, tzinfo=UTC)


def test_fields_are_trimmed_the_country_upper_cased_and_addr2_may_be_absent() -> None:
    command = translate()

    assert isinstance(command, RegisterCustomer)
    assert (command.name, command.country, command.line2) == ("Ada Lovelace", "GB", "")


def test_an_address_change_needs_no_name() -> None:
    assert isinstance(translate(EVENT="CUST_ADDR_CHG", NAME=""), ChangeCustomerAddress)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("CUST_NO", "1234567"),
        ("CUST_NO", "1234567a"),
        ("EVENT", "CUST_DEL"),
        ("NAME", "x" * 61),
        ("COUNTRY", "GBR"),
        ("CHG_TS", "20261301000000"),
        ("ADDR1", ""),
        ("POSTCODE", " "),
    ],
)
def test_a_field_outside_the_spec_is_invalid_and_named(field: str, value: str) -> None:
    with pytest.raises(InvalidPayload) as refused:
        translate(**{field: value})

    assert field in {e["field"] for e in refused.value.errors}


def test_a_new_customer_without_a_name_is_invalid() -> None:
    with pytest.raises(InvalidPayload, match="NAME"):
        translate(NAME="")


def test_the_message_id_is_msg_id() -> None:
    message = InboundMessage("crm", FIELDS, {}, b"", "form")
    assert CrmWebhooks("crm", CONFIG).message_id(message) == "M1"
    assert read_message(FIELDS).msg_id == "M1"


def test_a_rejection_reply_puts_the_reason_on_the_second_line() -> None:
    reply = crm_reply(422, "10", "customer 99999999 is not registered")

    assert reply.body.decode("windows-1252").splitlines() == [
        "RESP_CD=10",
        "RESP_MSG=customer 99999999 is not registered",
    ]
