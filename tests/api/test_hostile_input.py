"""Hostile input: odd headers, bodies, numbers and file names are each a 4xx problem.

Never a 5xx and never a traceback in the log. Over real HTTP on each backend, with the
platform and operator tokens set (`tests.api.hostile`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import orjson
import pytest

from gateway.delivery import replay
from gateway.delivery.replay import MAX_REPLAY
from gateway.store import NewEvent
from tests.api.hostile import OPERATOR, PLATFORM, Served, serve_hostile
from tests.conftest import require_postgres, reset_postgres_schema
from tests.webhooks.conftest import API_KEY, as_json, customer, signed_headers
from tests.webhooks.conftest import sources as webhook_sources

SIGNED_SECRET_ENV = webhook_sources()["signed"]["auth"]["secret_envs"][0]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One gateway per backend for the module: no case here changes what another reads."""
    root = tmp_path_factory.mktemp("hostile")
    if request.param == "sqlite":
        url = f"sqlite:///{root / 'gateway.db'}"
    else:
        require_postgres()
        url = reset_postgres_schema()
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from serve_hostile(url, root, monkeypatch)


@pytest.fixture
def client(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.base_url, timeout=10) as c:
        yield c


@pytest.fixture(autouse=True)
def no_traceback_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.INFO)
    yield
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert failures == [], [r.getMessage() for r in failures]


def assert_problem(answer: httpx.Response, status: int) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def signed_with(stamp: str) -> dict[str, str]:
    headers = signed_headers(b"{}", msg_id="m-odd", secret=_secret())
    return {**headers, "webhook-timestamp": stamp}


def _secret() -> str:
    import os

    return os.environ[SIGNED_SECRET_ENV]


@pytest.mark.parametrize(
    "stamp",
    ["\uff11\uff17" + "\uff10" * 8, "17000000\u00e90", "9" * 5000, "-1", "1e9", "1 7", "0x10"],
    ids=["full-width", "latin-1", "5000-digits", "negative", "float", "space", "hex"],
)
def test_an_odd_webhook_timestamp_is_a_401_problem(client: httpx.Client, stamp: str) -> None:
    headers = signed_with(stamp)
    raw = [(k.encode(), v.encode("utf-8")) for k, v in headers.items()]

    answer = client.post("/webhooks/signed", content=b"{}", headers=raw)

    assert_problem(answer, 401)


def test_a_non_ascii_bearer_token_is_a_401_problem(client: httpx.Client) -> None:
    for token in ("t\u00e9st".encode(), "токен".encode(), b"\xff\xfe"):
        headers = [(b"authorization", b"Bearer " + token),
                   (b"content-type", b"application/cloudevents+json")]  # fmt: skip
        assert_problem(client.post("/events", content=b"{}", headers=headers), 401)
        assert_problem(client.get("/events", headers=[(b"authorization", b"Bearer " + token)]), 401)


def test_a_3000_deep_xml_body_is_a_400_problem(client: httpx.Client) -> None:
    body = b"<a>" * 3000 + b"x" + b"</a>" * 3000
    headers = {"content-type": "application/xml", "x-api-key": API_KEY, "idempotency-key": "d"}

    answer = client.post("/webhooks/keyed-xml", content=body, headers=headers)

    assert_problem(answer, 400)
    assert "deeper" in answer.json()["detail"]


@pytest.mark.parametrize(
    "path",
    ["/imports/99999999999999999999", "/deliveries/99999999999999999999", "/imports/0",
     "/exports/stmt/0001-01-01", "/exports/stmt/9999-12-31", "/streams/" + "x" * 300],
)  # fmt: skip
def test_a_number_or_day_out_of_range_is_a_422_problem(client: httpx.Client, path: str) -> None:
    assert_problem(client.get(path, headers=OPERATOR), 422)


def test_an_export_rerun_for_day_one_is_a_422_problem(client: httpx.Client) -> None:
    answer = client.post("/exports/stmt/0001-01-01/rerun", headers=OPERATOR)

    assert_problem(answer, 422)
    assert answer.json()["errors"][0]["field"] == "path.day"


@pytest.mark.parametrize(
    "body",
    [{"ids": [2**64]}, {"ids": [-1]}, {"ids": "all"}, {"destination": 7}, [1, 2], "x"],
)
def test_an_odd_dead_letter_selection_is_a_422_problem(client: httpx.Client, body: object) -> None:
    assert_problem(client.post("/dlq/redrive", json=body, headers=OPERATOR), 422)


@pytest.mark.parametrize(
    "body",
    [{"destination": "gl", "from_position": 2**63},
     {"destination": "gl", "since": "0001-01-01T00:00:00+05:00"},
     {"destination": "gl", "since": "9999-12-31T23:59:59-05:00"},
     {"destination": "gl", "from_position": 1, "to_position": MAX_REPLAY + 1}],
)  # fmt: skip
def test_an_odd_replay_range_is_a_422_problem(client: httpx.Client, body: object) -> None:
    assert_problem(client.post("/deliveries/replay", json=body, headers=OPERATOR), 422)


def test_a_replay_without_to_position_is_bounded(client: httpx.Client) -> None:
    body = {"destination": "gl", "from_position": 1, "dry_run": True}

    answer = client.post("/deliveries/replay", json=body, headers=OPERATOR)

    assert answer.status_code == 200, answer.text
    assert (answer.json()["from_position"], answer.json()["to_position"]) == (1, MAX_REPLAY)


def test_a_time_window_holding_more_than_a_call_may_replay_is_refused_whole(
    served: Served, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replay, "MAX_REPLAY", 5)
    deposits = [NewEvent("FundsDeposited", {"n": n}, 2) for n in range(6)]
    served.gateway.store.append("account-7", 0, deposits)
    body = {"destination": "gl", "since": "2000-01-01T00:00:00Z"}

    answer = client.post("/deliveries/replay", json=body, headers=OPERATOR)

    assert_problem(answer, 422)
    assert "more than 5 events" in answer.json()["detail"]
    with served.gateway.store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM deliveries").scalar_one() == 0


def test_a_long_stream_is_served_a_page_at_a_time(served: Served, client: httpx.Client) -> None:
    served.gateway.store.append("account-9", 0, [NewEvent("AccountFrozen", {"n": n})
                                                  for n in range(1_200)])  # fmt: skip

    first = client.get("/streams/account-9", headers=PLATFORM)
    link = first.headers["link"]
    rest = client.get(link[1 : link.index(">")], headers=PLATFORM)

    assert (first.json()["version"], len(first.json()["events"])) == (1_000, 1_000)
    assert link == '</streams/account-9?after_version=1000&limit=1000>; rel="next"'
    assert (rest.json()["version"], len(rest.json()["events"])) == (1_200, 200)
    assert "link" not in rest.headers


@pytest.mark.parametrize(
    "value", ["9" * 5000, "١٢٣", "-5", "x" * 10_000], ids=["5000-digits", "arabic", "neg", "long"]
)
def test_an_odd_last_event_id_starts_the_stream_from_the_query(
    client: httpx.Client, value: str
) -> None:
    headers = [(b"last-event-id", value.encode()), *[(k.encode(), v.encode())
                                                     for k, v in PLATFORM.items()]]  # fmt: skip
    with client.stream("GET", "/events/stream", headers=headers) as stream:
        assert stream.status_code == 200
        assert next(iter(stream.iter_lines())) == "retry: 2000"


@pytest.mark.parametrize(
    "name",
    ["../CBS_ACCOUNTS_1.csv", "a/b.csv", ".hidden", "x" * 300, "CBS_\u00c9.csv", "", "a b",
     "CBS_ACCOUNTS_1.csv\x00.txt"],
)  # fmt: skip
def test_an_odd_upload_name_is_a_422_problem_and_lands_nothing(
    client: httpx.Client, served: Served, name: str
) -> None:
    headers = {**OPERATOR, "Content-Type": "application/octet-stream"}
    answer = client.post("/imports/cbs-accounts", params={"name": name}, content=b"data",
                         headers=headers)  # fmt: skip

    assert_problem(answer, 422)
    landing = served.root / "landing"
    assert not landing.exists() or not any(landing.rglob("*"))


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [(b"\xff\xfe{", "application/json", 400), (b"[" * 5000, "application/json", 400),
     (orjson.dumps({"a": "b" * 10}), "text/csv", 415)],
)  # fmt: skip
def test_an_odd_body_on_the_keyed_source_is_a_4xx_problem(
    client: httpx.Client, content: bytes, content_type: str, status: int
) -> None:
    headers = {"content-type": content_type, "x-api-key": API_KEY, "idempotency-key": "odd"}

    answer = client.post("/webhooks/keyed", content=content, headers=headers)

    assert_problem(answer, status)


def test_a_body_at_the_door_past_its_limit_is_a_413_problem(client: httpx.Client) -> None:
    body = as_json(customer(name="A" * 5000))
    headers = {**signed_headers(body, msg_id="m-big", secret=_secret())}

    assert_problem(client.post("/webhooks/signed", content=body, headers=headers), 413)
