"""Two real gateway processes on one PostgreSQL, as a bank runs them behind a load balancer.

Webhooks through either are applied once; deliveries are shared, none sent twice at once; each
scheduled job runs once per due time; one process killed (SIGKILL), the other finishes it all.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest

from gateway.store import NewEvent, StreamAppend
from gateway.store.sql import SqlEventStore, open_store
from tests.conftest import require_postgres, reset_postgres_schema
from tests.scaleout.cluster import API_KEY, GatewayProcess, start, wait_until_up, write_config
from tests.scaleout.sink import Sink, serve_sink
from tests.waiting import wait_for
from tests.webhooks.conftest import customer

pytestmark = pytest.mark.postgres
CUSTOMERS, DEPOSITS, AFTER_KILL = 40, 300, 5


@dataclass
class Story:
    """What happened, read once the surviving process has finished everything."""

    answers: list[int]
    events: dict[str, int]
    sink: Sink
    senders_before_kill: set[str]
    killed: GatewayProcess
    survivor: GatewayProcess
    killed_at: float
    deliveries: dict[str, int]
    runs: list[tuple[float, str, str, float]]


def register(gateway: GatewayProcess, n: int) -> int:
    """One customer's registration, re-sent by the caller with the same key; 409 while in flight."""
    headers = {"content-type": "application/json", "x-api-key": API_KEY,
               "idempotency-key": f"registration-{n}"}  # fmt: skip
    body = orjson.dumps(customer(f"{n:08d}"))
    for _ in range(50):
        answer = httpx.post(f"{gateway.url}/webhooks/keyed", content=body, headers=headers)
        if answer.status_code != 409:
            return answer.status_code
        time.sleep(0.05)
    return 409


def deposits(store: SqlEventStore) -> None:
    appends = [
        StreamAppend(f"account-{n:012d}", 0, [NewEvent("FundsDeposited", {
            "account_no": f"{n:012d}", "posting_ref": f"T{n}", "value_date": "2026-11-26",
            "amount": {"amount": "10.00", "currency": "EUR"}}, 2)])
        for n in range(DEPOSITS)
    ]  # fmt: skip
    with store.transaction() as tx:
        tx.append(appends)


def counts(store: SqlEventStore, sql: str) -> dict[str, int]:
    return {str(row[0]): int(row[1]) for row in store.fetch(sql)}


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    require_postgres()
    url, folder = reset_postgres_schema(), tmp_path_factory.mktemp("scaleout")
    config, sink = write_config(folder), Sink(delay=0.1)
    with serve_sink(sink) as sink_url:
        a, b = (start(config, url, sink_url, folder / f"{n}.log") for n in "ab")
        try:
            yield run_story(a, b, url, sink, folder)
        finally:
            a.stop()
            b.stop()


def run_story(a: GatewayProcess, b: GatewayProcess, url: str, sink: Sink, folder: Path) -> Story:
    wait_until_up(a, folder / "a.log")
    wait_until_up(b, folder / "b.log")
    store = open_store(url, migrate=False)
    with ThreadPoolExecutor(8) as pool:  # every registration reaches both processes at once
        answers = list(pool.map(lambda job: register(*job),
                                [(g, n) for n in range(CUSTOMERS) for g in (a, b)]))  # fmt: skip
    deposits(store)
    wait_for(lambda: len(sink.senders) == 2 and sum(sink.received.values()) > 40, 30,
             "both processes delivering")  # fmt: skip
    senders, killed_at = set(sink.senders), time.time()
    a.kill()
    answers += [register(b, CUSTOMERS + n) for n in range(AFTER_KILL)]
    total = CUSTOMERS + DEPOSITS + AFTER_KILL
    delivered = "SELECT status, COUNT(*) FROM deliveries GROUP BY status"
    wait_for(lambda: counts(store, delivered).get("delivered") == total, 45, "all delivered")
    runs_after = "SELECT COUNT(*) FROM job_runs WHERE started_at > ?"
    wait_for(lambda: store.fetch(runs_after, (killed_at + 3,))[0][0] >= 3, 20, "later runs")
    runs = store.fetch("SELECT due_at, holder, outcome, started_at FROM job_runs "
                       "WHERE job = 'import:drop' ORDER BY due_at")  # fmt: skip
    story = Story(
        answers, counts(store, "SELECT type, COUNT(*) FROM events GROUP BY type"), sink, senders,
        a, b, killed_at, counts(store, delivered), [tuple(r) for r in runs],
    )  # fmt: skip
    store.engine.dispose()
    return story


def test_webhooks_through_either_process_are_applied_once(story: Story) -> None:
    assert set(story.answers) == {202}
    assert story.events["CustomerRegistered"] == CUSTOMERS + AFTER_KILL


def test_deliveries_are_shared_and_none_is_sent_twice_at_once(story: Story) -> None:
    assert story.senders_before_kill == {str(story.killed.pid), str(story.survivor.pid)}
    assert story.sink.twice_at_once == []
    assert len(story.sink.received) == CUSTOMERS + DEPOSITS + AFTER_KILL


def test_each_scheduled_job_runs_once_per_due_time(story: Story) -> None:
    due_times = [run[0] for run in story.runs]  # both processes fire every second
    assert len(due_times) == len(set(due_times)) >= 5
    holders = {run[1].split(":")[-1] for run in story.runs if run[3] < story.killed_at}
    assert holders <= {str(story.killed.pid), str(story.survivor.pid)}


def test_a_killed_process_leaves_the_other_finishing_all_work(story: Story) -> None:
    assert story.deliveries == {"delivered": CUSTOMERS + DEPOSITS + AFTER_KILL}
    after = [run for run in story.runs if run[3] > story.killed_at + 2]
    assert after and {run[1].split(":")[-1] for run in after} == {str(story.survivor.pid)}
    assert {run[2] for run in after} == {"succeeded"}
