"""What every account command and event shares: the account number and the stream it names.

One stream per account, `account-{account_no}`, holds its postings, holds, status and cards.
"""

from __future__ import annotations

from gateway.domain.identifiers import AccountNo
from gateway.domain.messages import Command, Event

STREAM_PREFIX = "account-"


def account_stream_id(account_no: str) -> str:
    return f"{STREAM_PREFIX}{account_no}"


class AccountCommand(Command):
    account_no: AccountNo

    def stream_id(self) -> str:
        return account_stream_id(self.account_no)


class AccountEvent(Event):
    account_no: AccountNo
