"""A bank with the two CBS sources configured, on each backend, and its landing folders.

Files are dropped as CBS drops them (data file, then its `.DONE`) and imported for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.bootstrap import Gateway, build
from gateway.config import load_config
from gateway.imports.engine import ImportResult
from gateway.imports.landing import LandingFolder, import_landed
from gateway.store.port import StoredEvent
from tests.adapters.cbs.spec_files import AccountLine, accounts_file, accounts_name

ACCOUNT = "100200300400"
OTHER_ACCOUNT = "100200300401"


def cbs_sources(root: Path, **overrides: Any) -> dict[str, Any]:
    """The CBS sources as config.yaml declares them, with folders under `root`."""

    def batch(name: str, pattern: str, adapter: str, **settings: Any) -> dict[str, Any]:
        return {
            "kind": "batch", "adapter": f"adapters.cbs:{adapter}", "pattern": pattern,
            "landing": str(root / "landing" / name), "archive": str(root / "archive" / name),
            "error": str(root / "error" / name), "staging": str(root / "staging" / name),
            "completeness": "done_file",
            "reject_limit": "10", "lease_seconds": 30, **settings, **overrides.get(name, {}),
        }  # fmt: skip

    return {
        "cbs-postings": batch(
            "cbs-postings", "CBS_POSTINGS_*.DAT", "postings_adapter", encoding="cp037"
        ),
        "cbs-postings-text": batch(
            "cbs-postings-text",
            "CBS_POSTINGS_*.DAT",
            "postings_adapter",
            encoding="cp1252",
            options={"framing": "lines"},
        ),
        "cbs-accounts": batch(
            "cbs-accounts", "CBS_ACCOUNTS_*.csv", "accounts_adapter", encoding="cp1252"
        ),
    }


def write_config(root: Path, database_url: str, **overrides: Any) -> Path:
    config = {
        "database": {"url": database_url},
        "log": {"format": "json"},
        "sources": cbs_sources(root, **overrides),
    }
    root.mkdir(parents=True, exist_ok=True)
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@dataclass
class Bank:
    """The gateway as CBS's files reach it."""

    gateway: Gateway
    root: Path
    config_path: Path

    def landing(self, source: str) -> LandingFolder:
        return LandingFolder(self.gateway.batch_sources[source])

    def drop(self, source: str, name: str, data: bytes, *, done: bool = True) -> Path:
        """Write the data file, then its empty `.DONE`, as CBS does."""
        folder = self.gateway.batch_sources[source].config.landing
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(data)
        if done:
            (folder / f"{name}.DONE").touch()
        return path

    def import_landed(self, source: str) -> list[ImportResult]:
        return import_landed(self.gateway.imports, self.landing(source))

    def deliver(self, source: str, name: str, data: bytes) -> ImportResult:
        """Drop one file and import it; exactly one import is expected."""
        self.drop(source, name, data)
        results = self.import_landed(source)
        assert len(results) == 1, results
        return results[0]

    def open_accounts(self, *lines: AccountLine, business_date: str = "20240229") -> None:
        result = self.deliver("cbs-accounts", accounts_name(business_date), accounts_file(lines))
        assert result.record.status == "completed", result.record.reason

    def events(self) -> list[StoredEvent]:
        return self.gateway.store.read_all(after=0, limit=100_000)

    def postings(self) -> list[tuple[str, str, str]]:
        """Each money event as (account, type, posting_ref)."""
        return [
            (e.data["account_no"], e.type, e.data["posting_ref"])
            for e in self.events()
            if "posting_ref" in e.data
        ]

    def folder(self, kind: str, source: str) -> list[str]:
        """File names in the source's archive or error folder."""
        path = self.root / kind / source
        return sorted(p.name for p in path.iterdir()) if path.is_dir() else []


def make_bank(root: Path, database_url: str, **overrides: Any) -> Bank:
    config_path = write_config(root, database_url, **overrides)
    return Bank(build(load_config(config_path)), root, config_path)


@pytest.fixture
def bank(tmp_path: Path, database_url: str) -> Iterator[Bank]:
    opened = make_bank(tmp_path, database_url)
    yield opened
    opened.gateway.close()


@pytest.fixture
def bank_with_accounts(bank: Bank) -> Bank:
    """Two EUR accounts, opened by yesterday's accounts file."""
    bank.open_accounts(AccountLine(ACCOUNT), AccountLine(OTHER_ACCOUNT))
    return bank
