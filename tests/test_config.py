"""`config.yaml` is validated once, at start, and every mistake names its key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.config import load_config, parse_config, secret_from_env
from gateway.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_the_shipped_config_is_valid() -> None:
    config = load_config(ROOT / "config.yaml")

    assert config.database.url == "sqlite:///var/gateway.db"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"http": {"port": 0}}, "http.port: Input should be greater than or equal to 1"),
        ({"http": {"prot": 80}}, "http.prot: unknown key"),
        ({"database": {"url": "mysql://x"}}, "database.url: must start with"),
        (
            {"sources": {"cbs": {"kind": "batch", "adapter": "a:b", "encoding": "cp999"}}},
            "sources.cbs.encoding: unknown codec 'cp999'",
        ),
        ({"sources": {"cbs": {"kind": "carrier-pigeon", "adapter": "a:b"}}}, "sources.cbs"),
    ],
)
def test_a_wrong_key_or_value_fails_with_its_path(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(raw)


def test_the_database_url_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql+psycopg://gw@db:5432/gw")

    assert parse_config({}).database.url == "postgresql+psycopg://gw@db:5432/gw"


def test_a_missing_or_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("http: [unclosed")

    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(tmp_path / "bad.yaml")


def test_a_secret_comes_from_the_variable_the_config_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRM_WEBHOOK_PASSWORD", "s3cret")
    monkeypatch.delenv("GL_TOKEN", raising=False)

    assert secret_from_env("CRM_WEBHOOK_PASSWORD", key="sources.crm.auth") == "s3cret"
    with pytest.raises(
        ConfigError, match=r"destinations\.gl\.token_env: environment variable GL_TOKEN"
    ):
        secret_from_env("GL_TOKEN", key="destinations.gl.token_env")
