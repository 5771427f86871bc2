"""CRM's webhook (`POST /webhooks/crm`): customer registrations and address changes.

Form fields in windows-1252; replies are CRM's `RESP_CD` lines, which it reads instead of the
HTTP status: `00` taken, `10` rejected for good, anything else makes CRM re-send later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from gateway.config import WebhookSourceConfig
from gateway.domain.customers import ChangeCustomerAddress, RegisterCustomer
from gateway.domain.messages import Command
from gateway.errors import InboundRefused, InvalidPayload
from gateway.store.port import CommandRecord
from gateway.webhooks import InboundMessage, WebhookReply

CRM_TIME_ZONE = ZoneInfo("Europe/London")
REPLY_MEDIA_TYPE = "text/plain; charset=windows-1252"
# Refusals that a re-send cannot cure are final (`10`); others (auth, rate, in flight) make
# CRM re-send later, so they keep the gateway's problem document.
FINAL_REFUSALS = {400, 413, 415, 422}


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_stripped)]
Country = Annotated[
    str,
    BeforeValidator(lambda v: _stripped(v).upper() if isinstance(v, str) else v),
    Field(pattern=r"^[A-Z]{2}$"),
]


class CrmMessage(BaseModel):
    """The form CRM posts, in CRM's own field names."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    msg_id: Text = Field(alias="MSG_ID", min_length=1, max_length=100)
    event: Literal["CUST_NEW", "CUST_ADDR_CHG"] = Field(alias="EVENT")
    cust_no: Annotated[Text, Field(pattern=r"^\d{8}$")] = Field(alias="CUST_NO")
    name: Text | None = Field(default=None, alias="NAME", max_length=60)
    addr1: Text = Field(alias="ADDR1", min_length=1)
    addr2: Text = Field(default="", alias="ADDR2")
    city: Text = Field(alias="CITY", min_length=1)
    postcode: Text = Field(alias="POSTCODE", min_length=1)
    country: Country = Field(alias="COUNTRY")
    chg_ts: Annotated[Text, Field(pattern=r"^\d{14}$")] = Field(alias="CHG_TS")

    def changed_at(self) -> datetime:
        """`CHG_TS` is London wall-clock time; in the autumn's repeated hour, the first one."""
        try:
            local = datetime.strptime(self.chg_ts, "%Y%m%d%H%M%S")
        except ValueError:
            raise InvalidPayload(
                "CHG_TS is not a date and time",
                errors=[{"field": "CHG_TS", "reason": "not a valid YYYYMMDDHHMMSS time"}],
            ) from None
        return local.replace(tzinfo=CRM_TIME_ZONE)


class CrmWebhooks:
    """The CRM adapter the webhook engine loads by name (`adapters.crm.inbound:CrmWebhooks`)."""

    def __init__(self, name: str, config: WebhookSourceConfig) -> None:
        self.name = name

    def message_id(self, message: InboundMessage) -> str | None:
        value = message.fields.get("MSG_ID")
        return value.strip() or None if isinstance(value, str) else None

    def translate(self, message: InboundMessage, *, command_id: UUID) -> Command:
        crm = read_message(message.fields)
        address = {
            "line1": crm.addr1,
            "line2": crm.addr2,
            "city": crm.city,
            "postcode": crm.postcode,
            "country": crm.country,
        }
        common = {"command_id": command_id, "customer_no": crm.cust_no, **address}
        if crm.event == "CUST_NEW":
            if not crm.name:
                raise _missing("NAME", "required for CUST_NEW")
            return RegisterCustomer(**common, name=crm.name, changed_at=crm.changed_at())
        return ChangeCustomerAddress(**common, changed_at=crm.changed_at())

    def reply(self, record: CommandRecord) -> WebhookReply:
        if record.status == "accepted":
            return crm_reply(200, "00")
        return crm_reply(422, "10", record.reason or record.code or "rejected")

    def refusal(self, error: InboundRefused) -> WebhookReply | None:
        if error.status not in FINAL_REFUSALS:
            return None
        fields = ", ".join(f"{e['field']}: {e['reason']}" for e in error.errors)
        return crm_reply(
            error.status, "10", f"{error.detail} ({fields})" if fields else error.detail
        )


def read_message(fields: Any) -> CrmMessage:
    """CRM's fields validated; errors name CRM's own fields (`CUST_NO`, `CHG_TS`, ...)."""
    try:
        return CrmMessage.model_validate(dict(fields))
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]) or "(form)", "reason": e["msg"]}
            for e in exc.errors()
        ]
        raise InvalidPayload("the CRM message is not valid", errors=errors) from None


def _missing(field: str, reason: str) -> InvalidPayload:
    return InvalidPayload(f"{field} is {reason}", errors=[{"field": field, "reason": reason}])


def crm_reply(status: int, code: str, message: str | None = None) -> WebhookReply:
    """CRM reads the first line only; a rejection's reason goes on the second."""
    text = f"RESP_CD={code}\n"
    if message:
        text += f"RESP_MSG={' '.join(message.split())[:200]}\n"
    return WebhookReply(status, text.encode("windows-1252", "replace"), REPLY_MEDIA_TYPE)
