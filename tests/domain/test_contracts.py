"""The golden samples in tests/contracts: every stored version of every event still loads.

And the check itself reports a broken, missing, misnamed or unknown sample.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gateway.domain.contracts import ContractResult, check_samples

SAMPLES = Path(__file__).parent.parent / "contracts"


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    copy = tmp_path / "contracts"
    shutil.copytree(SAMPLES, copy)
    return copy


def problems(root: Path) -> list[ContractResult]:
    return [result for result in check_samples(root) if not result.ok]


def test_every_golden_sample_loads_as_the_current_model() -> None:
    assert problems(SAMPLES) == []


def test_every_sample_is_checked() -> None:
    checked = {(r.event_type, r.version) for r in check_samples(SAMPLES)}
    assert ("FundsDeposited", 1) in checked
    assert ("FundsDeposited", 2) in checked
    assert len(checked) == len(list(SAMPLES.glob("*/v*.json")))


def test_a_sample_that_no_longer_loads_is_reported(samples: Path) -> None:
    sample = samples / "FundsWithdrawn" / "v1.json"
    sample.write_text(sample.read_text().replace('"posting_ref"', '"txn_ref"'))
    [problem] = problems(samples)
    assert (problem.event_type, problem.version, problem.sample) == ("FundsWithdrawn", 1, sample)
    assert problem.problem is not None and "posting_ref" in problem.problem


def test_a_current_sample_the_model_would_write_differently_is_reported(samples: Path) -> None:
    sample = samples / "FundsWithdrawn" / "v1.json"
    data = json.loads(sample.read_text())
    del data["overdrawn"]  # loads (the field has a default), but is not what v1 writes
    sample.write_text(json.dumps(data))
    [problem] = problems(samples)
    assert problem.problem is not None and "['overdrawn']" in problem.problem


def test_an_event_type_without_a_sample_for_its_current_version_is_reported(
    samples: Path,
) -> None:
    (samples / "FundsDeposited" / "v2.json").unlink()
    [problem] = problems(samples)
    assert (problem.event_type, problem.version, problem.sample) == ("FundsDeposited", 2, None)


def test_a_missing_sample_of_an_older_version_is_reported(samples: Path) -> None:
    (samples / "FundsDeposited" / "v1.json").unlink()
    [problem] = problems(samples)
    assert (problem.event_type, problem.version) == ("FundsDeposited", 1)


def test_a_sample_for_an_unknown_event_type_is_reported(samples: Path) -> None:
    (samples / "MoneyTeleported").mkdir()
    (samples / "MoneyTeleported" / "v1.json").write_text("{}")
    [problem] = problems(samples)
    assert problem.event_type == "MoneyTeleported"
    assert problem.problem is not None and "unknown event type" in problem.problem


def test_a_sample_that_is_not_json_is_reported(samples: Path) -> None:
    (samples / "HoldPlaced" / "v1.json").write_text("{not json")
    [problem] = problems(samples)
    assert problem.problem is not None and "not valid JSON" in problem.problem


def test_a_misnamed_sample_is_reported(samples: Path) -> None:
    (samples / "HoldPlaced" / "version1.json").write_text("{}")
    [problem] = problems(samples)
    assert problem.problem == "a sample must be named v<N>.json"


def test_a_sample_newer_than_the_gateway_is_reported(samples: Path) -> None:
    shutil.copy(samples / "HoldPlaced" / "v1.json", samples / "HoldPlaced" / "v2.json")
    [problem] = problems(samples)
    assert problem.problem is not None and "newer than this gateway" in problem.problem
