"""A fake CARDS status-change API (cards.md), served by respx or by a real local server.

Changes are committed with a time; `since` is the last change_id seen and `lookback` rewinds it
to every change committed in that many seconds. Failures are scripted, one per request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "cards-t0ken"
PATH = "/cards/v2/status-changes"
ACCOUNT = "000012345678"


class ProcessDied(Exception):
    """Stands for the gateway process dying in the middle of a poll cycle."""


@dataclass
class Failure:
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0  # seconds before answering normally: a timeout for a short-tempered client


@dataclass
class FakeCards:
    now: float = 1_000_000.0
    changes: list[dict[str, Any]] = field(default_factory=list)
    committed_at: dict[int, float] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    reindexing: bool = False  # each page's last change shows up again on the next page
    crash_at_request: int | None = None  # the gateway "dies" while sending this request

    def commit(self, change_id: int, account_no: str = ACCOUNT, **fields: Any) -> dict[str, Any]:
        change = {
            "change_id": change_id,
            "card_id": fields.pop("card_id", f"C{change_id:09d}"),
            "account_no": account_no,
            "status": fields.pop("status", "BLOCKED"),
            "reason": fields.pop("reason", "LOST"),
            "changed_at": fields.pop("changed_at", f"2026-11-26T09:{change_id % 60:02d}:03.120Z"),
            **fields,
        }
        self.changes.append(change)
        self.committed_at[change_id] = self.now
        return change

    def answer(self, params: dict[str, str], authorization: str) -> tuple[int, dict[str, str], Any]:
        """(status, headers, JSON body) for one request; a scripted failure goes first."""
        self.requests.append(params)
        if authorization != f"Bearer {TOKEN}":
            return 401, {}, {"error": "unauthorized"}
        if self.failures and self.failures[0].delay == 0:
            failure = self.failures.pop(0)
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return failure.status, headers, {"error": "try later"}
        return 200, {}, self._page(params)

    def _page(self, params: dict[str, str]) -> dict[str, Any]:
        since = int(params.get("since") or 0)
        limit = min(int(params["limit"]), 500)
        lookback = int(params.get("lookback") or 0)
        due = [
            c for c in self.changes
            if c["change_id"] > since
            or (lookback and self.committed_at[c["change_id"]] >= self.now - lookback)
        ]  # fmt: skip
        due.sort(key=lambda c: c["change_id"])
        page, rest = due[:limit], due[limit:]
        ids = [c["change_id"] for c in page]
        next_since = max([since, *ids])
        if self.reindexing and rest and len(ids) > 1:
            next_since = sorted(ids)[-2]
        return {"changes": page, "next_since": str(next_since), "has_more": bool(rest)}

    # --- respx -----------------------------------------------------------------------------

    def respond(self, request: httpx.Request) -> httpx.Response:
        if self.crash_at_request == len(self.requests) + 1:
            self.crash_at_request = None
            raise ProcessDied("the gateway died between two pages")
        if self.failures and self.failures[0].delay:
            self.failures.pop(0)
            raise httpx.ReadTimeout("CARDS is slow", request=request)
        params = dict(request.url.params)
        status, headers, body = self.answer(params, request.headers.get("authorization", ""))
        return httpx.Response(status, headers=headers, json=body)

    # --- a real server ---------------------------------------------------------------------

    def app(self) -> Starlette:
        async def status_changes(request: Request) -> Response:
            if self.failures and self.failures[0].delay:
                await asyncio.sleep(self.failures.pop(0).delay)
            params = dict(request.query_params)
            status, headers, body = self.answer(params, request.headers.get("authorization", ""))
            return JSONResponse(body, status_code=status, headers=headers)

        return Starlette(routes=[Route(PATH, status_changes)])
