"""CBS, the core banking mainframe: its nightly postings and accounts files, as batch sources.

`config.yaml` names the factories: `adapters.cbs:postings_adapter`, `adapters.cbs:accounts_adapter`.
"""

from __future__ import annotations

from adapters.cbs.accounts import AccountsAdapter, accounts_adapter, translate_account_row
from adapters.cbs.postings import PostingsAdapter, postings_adapter, translate_posting
from adapters.cbs.records import AccountRow, PostingRecord, PostingsHeader, PostingsTrailer

__all__ = [
    "AccountRow",
    "AccountsAdapter",
    "PostingRecord",
    "PostingsAdapter",
    "PostingsHeader",
    "PostingsTrailer",
    "accounts_adapter",
    "postings_adapter",
    "translate_account_row",
    "translate_posting",
]
