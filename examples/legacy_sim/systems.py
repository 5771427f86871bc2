"""GL and CRM as the specs describe them, plus a chaos switchboard driven over HTTP.

`POST /_sim/chaos` sets failure rates, `POST /_sim/outage` takes the systems down for a while,
`GET /_sim/postings` and `GET /_sim/accounts` list what arrived, in arrival order.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from examples.legacy_sim.http import Answer, Request

CHAOS_DEFAULTS: dict[str, Any] = {
    "unavailable": 0.0,  # share answered 503
    "timeout": 0.0,  # share answered only after `hang_seconds` (the posting is taken)
    "drop": 0.0,  # share whose connection is closed without an answer
    "throttle": 0.0,  # share answered 429 with Retry-After
    "retry_after": 1,
    "hang_seconds": 2.0,
    "delay": 0.0,  # every answer held this long
    "reject_refs": [],  # posting_refs / ACCT_NOs answered 400
}


@dataclass
class Arrival:
    ref: str
    key: str
    account: str
    duplicate: bool
    at: float
    side: str = ""  # GL postings: as received, for a balances file built from this log
    amount: str = ""
    currency: str = ""


@dataclass
class LegacySystems:
    token: str = "sim-token"
    user: str = "sim"
    password: str = "sim"
    seed: int = 7
    chaos: dict[str, Any] = field(default_factory=lambda: dict(CHAOS_DEFAULTS))
    down_until: float = 0.0
    postings: list[Arrival] = field(default_factory=list)
    accounts: list[Arrival] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)
    in_flight: Counter[str] = field(default_factory=Counter)
    overlaps: int = 0
    answers: Counter[int] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    async def handle(self, request: Request) -> Answer:
        if request.path.startswith("/_sim/"):
            return self.control(request)
        key = request.headers.get("x-idempotency-key", "")
        self.in_flight[key] += 1
        if self.in_flight[key] > 1 and key:
            self.overlaps += 1
        try:  # in flight until the answer is due: the hold is part of the request
            answer = self.route(request)
            if answer.delay:
                await asyncio.sleep(answer.delay)
                answer.delay = 0.0
        finally:
            self.in_flight[key] -= 1
        self.answers[answer.status if not answer.drop else 0] += 1
        return answer

    def route(self, request: Request) -> Answer:
        if request.method == "POST" and request.path == "/gl/v1/postings":
            return self.gl_posting(request)
        if request.method == "POST" and request.path == "/crm/api/v1/accounts":
            return self.crm_account(request)
        return Answer(404, b'{"error": "no such resource"}')

    def misbehaviour(self) -> Answer | None:
        """Outage, 503, 429 or a dropped connection before anything is recorded."""
        if time.monotonic() < self.down_until:
            return Answer(503, b'{"error": "down for maintenance"}')
        roll, c = self.random.random(), self.chaos
        if roll < c["unavailable"]:
            return Answer(503, b'{"error": "unavailable"}')
        roll -= c["unavailable"]
        if roll < c["throttle"]:
            return Answer(429, b"{}", {"Retry-After": str(c["retry_after"])})
        roll -= c["throttle"]
        if roll < c["drop"] / 2:
            return Answer(0, drop=True)
        return None

    def after_recording(self, answer: Answer) -> Answer:
        """Timeouts and the other half of the drops happen after the legacy system took it."""
        roll, c = self.random.random(), self.chaos
        if roll < c["timeout"]:
            answer.delay = c["hang_seconds"]
        elif roll < c["timeout"] + c["drop"] / 2:
            answer.drop = True
        answer.delay = max(answer.delay, c["delay"])
        return answer

    def gl_posting(self, request: Request) -> Answer:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Answer(401, b'{"error": "bad token"}')
        failure = self.misbehaviour()
        if failure is not None:
            return failure
        key = request.headers.get("x-idempotency-key", "")
        posting = json.loads(request.body)
        if not key or len(key) > 64 or posting.get("posting_ref") in self.chaos["reject_refs"]:
            return Answer(400, b'{"error": "invalid posting"}')
        duplicate = key in self.seen
        self.seen.setdefault(key, posting["posting_ref"])
        self.postings.append(
            Arrival(
                posting["posting_ref"],
                key,
                posting["customer_account"],
                duplicate,
                time.time(),
                posting["side"],
                posting["amount"],
                posting["currency"],
            )
        )
        answer = Answer(200, b'{"duplicate": true}') if duplicate else Answer(201, b"{}")
        return self.after_recording(answer)

    def crm_account(self, request: Request) -> Answer:
        expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return Answer(401, b'{"error": "bad credentials"}')
        failure = self.misbehaviour()
        if failure is not None:
            return failure
        account = json.loads(request.body)
        acct_no = account.get("ACCT_NO", "")
        if acct_no in self.chaos["reject_refs"]:
            return Answer(400, b'{"error": "invalid account"}')
        duplicate = f"crm/{acct_no}" in self.seen
        self.seen.setdefault(f"crm/{acct_no}", acct_no)
        self.accounts.append(Arrival(acct_no, "", acct_no, duplicate, time.time()))
        return self.after_recording(Answer(200 if duplicate else 201, b"{}"))

    def control(self, request: Request) -> Answer:
        body = json.loads(request.body or b"{}")
        if request.path == "/_sim/chaos":
            self.chaos = {**CHAOS_DEFAULTS, **body}
        elif request.path == "/_sim/outage":
            self.down_until = time.monotonic() + float(body.get("seconds", 60))
        elif request.path == "/_sim/reset":
            self.postings.clear()
            self.accounts.clear()
            self.seen.clear()
            self.overlaps = 0
            self.answers.clear()
        elif request.path == "/_sim/postings":
            return _json([asdict(a) for a in self.postings])
        elif request.path == "/_sim/accounts":
            return _json([asdict(a) for a in self.accounts])
        return _json({"chaos": self.chaos, "postings": len(self.postings),
                      "accounts": len(self.accounts), "overlaps": self.overlaps,
                      "answers": {str(k): v for k, v in self.answers.items()}})  # fmt: skip


def _json(value: Any) -> Answer:
    return Answer(200, json.dumps(value).encode())
