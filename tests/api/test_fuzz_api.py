"""schemathesis over the whole OpenAPI schema, with tokens and without: no answer is a 5xx.

Every operation the schema lists is fuzzed (a test fails if one is left out), as an operator
(a platform token for `POST /events`) and as a caller with no token. Long polls are asked not
to wait; event streams end after half a second of quiet (`tests.api.hostile`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.openapi import from_dict

from tests.api.hostile import OPERATOR, PLATFORM, Served, serve_hostile
from tests.webhooks.conftest import API_KEY

pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.slow,
    # The gateway's own threads (an uploaded file's import) use `random` while cases are drawn
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]
EXAMPLES = 25
KNOWN = [
    {"source": "keyed", "job": "export:stmt", "day": "2026-01-05"},
    {"source": "keyed-xml", "job": "stmt"},
    {"source": "cbs-accounts", "job": "import:cbs-accounts"},
    {"source": "crm", "job": "stmt", "day": "1999-12-31"},
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root: Path = tmp_path_factory.mktemp("fuzz-api")
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from serve_hostile(f"sqlite:///{root / 'gateway.db'}", root, monkeypatch)


def credentials(label: str, *, authenticated: bool) -> dict[str, str]:
    if not authenticated:
        return {}
    if label == "POST /webhooks/{source}":
        return {"X-API-Key": API_KEY}  # the keyed sources' credential
    return PLATFORM if label == "POST /events" else OPERATOR


def aim_at_known_names(case: Case, known: dict[str, str] | None) -> None:
    """Most cases name a configured source, job or export, so they reach the code behind."""
    if known is None or not case.path_parameters:
        return
    for name, value in known.items():
        if name in case.path_parameters:
            case.path_parameters[name] = value
    if isinstance(case.body, dict) and "destination" in case.body:
        case.body["destination"] = "gl"


@pytest.mark.parametrize("authenticated", [True, False], ids=["with-tokens", "no-token"])
def test_no_request_makes_the_api_answer_5xx(served: Served, authenticated: bool) -> None:
    operations = [result.ok() for result in from_dict(served.openapi).get_all_operations()]
    assert len(operations) >= 25  # the whole API
    failures: list[str] = []
    for operation in operations:
        headers = credentials(operation.label, authenticated=authenticated)
        fuzz(operation, served.base_url, headers, failures)
    assert failures == [], "\n".join(failures[:20])


def fuzz(operation: Any, base_url: str, headers: dict[str, str], failures: list[str]) -> None:
    names = itertools.cycle([None, *KNOWN])

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def no_server_error(case: Case) -> None:
        if case.query and "wait" in case.query:
            case.query["wait"] = 0  # a long poll would only wait
        aim_at_known_names(case, next(names))
        response = case.call(base_url=base_url, headers=headers, timeout=15)
        if response.status_code >= 500 and not _disabled_source(case, response):
            failures.append(f"{case.method} {case.formatted_path} {case.query} "
                            f"-> {response.status_code}: {response.text[:300]}")  # fmt: skip

    no_server_error()


def _disabled_source(case: Case, response: Any) -> bool:
    """`dormant` has no secret configured: its 503 is the documented answer."""
    return (
        bool(case.path_parameters)
        and case.path_parameters.get("source") == "dormant"
        and (response.status_code == 503)
    )
