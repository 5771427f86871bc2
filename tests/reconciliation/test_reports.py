"""What an operator sees: `gateway reconcile gl`, `gateway reconciliations`, the HTTP API and
the metric, over a day where GL lost one posting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import yaml
from prometheus_client import REGISTRY
from typer.testing import CliRunner

from gateway.bootstrap import build
from gateway.cli import app
from tests.http_server import app_client
from tests.reconciliation.bank import DAY, A, Ledger, a_day_of_postings, reconciliation_settings
from tests.reconciliation.gl_file import write_balances_file

runner = CliRunner()


@pytest.fixture
def config_file(ledger: Ledger, tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    settings = reconciliation_settings(ledger.config.database.url, ledger.landing)
    path.write_text(yaml.safe_dump(settings))
    return path


def gl_lost_a_withdrawal(ledger: Ledger) -> None:
    a_day_of_postings(ledger)
    ledger.deliver()
    ledger.balances_file([p for p in ledger.gl_log() if p.ref != "A-002"])


def differences_metric(kind: str) -> float | None:
    return REGISTRY.get_sample_value(
        "gateway_reconciliation_differences", {"system": "gl", "class": kind}
    )


def test_reconcile_prints_a_summary_and_a_line_per_difference(
    ledger: Ledger, config_file: Path
) -> None:
    gl_lost_a_withdrawal(ledger)

    result = runner.invoke(app, ["reconcile", "gl", "--config", str(config_file)])

    assert result.exit_code == 1, result.output
    summary, line = result.output.splitlines()
    assert summary.startswith("gl 2026-11-26 (GL_BALANCES_20261126.csv") and "4 accounts" in summary
    assert "differs: 1 account(s), 1 difference(s)" in summary
    assert line.split()[:3] == [A, "sent_not_counted", "A-002"]
    assert differences_metric("sent_not_counted") == 1
    assert differences_metric("unexplained") == 0


def test_reconcile_exits_0_when_gl_agrees_and_2_when_the_file_is_refused(
    ledger: Ledger, config_file: Path
) -> None:
    a_day_of_postings(ledger)
    ledger.deliver()
    agreeing = ledger.balances_file()
    result = runner.invoke(app, ["reconcile", "gl", str(agreeing), "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("agrees")
    assert differences_metric("sent_not_counted") == 0

    refused = write_balances_file(ledger.landing, DAY, ["x"], tail="TOTAL,1,0.00")
    result = runner.invoke(app, ["reconcile", "gl", str(refused), "--config", str(config_file)])
    assert result.exit_code == 2, result.output
    assert "refused, nothing stored: line 2:" in result.output


def test_reconciliations_list_and_show_a_day(ledger: Ledger, config_file: Path) -> None:
    gl_lost_a_withdrawal(ledger)
    assert runner.invoke(app, ["reconcile", "gl", "--config", str(config_file)]).exit_code == 1

    listed = runner.invoke(app, ["reconciliations", "list", "--json", "-c", str(config_file)])
    shown = runner.invoke(app, ["reconciliations", "show", "20261126", "-c", str(config_file)])

    (run,) = [orjson.loads(line) for line in listed.output.splitlines()]
    assert run["day"] == "2026-11-26" and run["outcome"] == "differs"
    assert shown.exit_code == 0, shown.output
    assert f"{A}  sent_not_counted  A-002" in shown.output
    missing = runner.invoke(app, ["reconciliations", "show", "2026-11-27", "-c", str(config_file)])
    assert missing.exit_code == 1


@pytest.fixture
def api(ledger: Ledger) -> Iterator[httpx.Client]:
    gateway = build(ledger.config)
    with app_client(gateway) as c:
        yield c
    gateway.close()


def test_the_api_lists_days_and_shows_each_difference_with_its_deliveries(
    ledger: Ledger, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    gl_lost_a_withdrawal(ledger)
    ledger.reconcile()

    listed = api.get("/reconciliations").json()
    day = api.get("/reconciliations/2026-11-26").json()

    assert [r["day"] for r in listed] == ["2026-11-26"]
    assert day["outcome"] == "differs" and day["classes"] == {"sent_not_counted": 1}
    (difference,) = day["differences"]
    assert difference["account"] == A and difference["class"] == "sent_not_counted"
    (posting,) = difference["postings"]
    assert posting["posting_ref"] == "A-002" and posting["amount"] == -30000
    delivery = api.get(f"/deliveries/{posting['delivery_id']}").json()
    assert delivery["status"] == "delivered"
    assert api.get("/reconciliations/2026-11-27").status_code == 404
    assert "gateway_reconciliation_differences" in api.get("/metrics").text

    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", "s3cret")
    assert api.get("/reconciliations").status_code == 401
    assert api.get("/reconciliations/2026-11-26").status_code == 401
    authorised = api.get("/reconciliations", headers={"Authorization": "Bearer s3cret"})
    assert authorised.status_code == 200
