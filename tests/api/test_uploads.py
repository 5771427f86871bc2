"""`POST /imports/{source}?name=`: a landed file is never replaced, and the size is capped.

Over real HTTP, on each backend: the file of that name keeps its bytes (409), a body past
`http.max_upload_bytes` is refused (413) whether it declares its length or not, and nothing
half-written is left in the landing folder.
"""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gateway.bootstrap import build
from gateway.config import parse_config
from tests.adapters.cbs.spec_files import AccountLine, accounts_file
from tests.http_server import app_client
from tests.imports.conftest import cbs_sources

NAME = "CBS_ACCOUNTS_20260105.csv"
OCTETS = {"Content-Type": "application/octet-stream"}
LIMIT = 4096


@dataclass
class Landing:
    client: httpx.Client
    folder: Path

    def upload(self, body: bytes | Iterator[bytes], name: str = NAME) -> httpx.Response:
        return self.client.post("/imports/cbs-accounts", params={"name": name}, content=body,
                                headers=OCTETS)  # fmt: skip

    def files(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir()) if self.folder.exists() else []


@pytest.fixture
def landing(database_url: str, tmp_path: Path) -> Iterator[Landing]:
    sources = cbs_sources(tmp_path)
    config = {"database": {"url": database_url}, "sources": sources,
              "http": {"max_upload_bytes": LIMIT}}  # fmt: skip
    gateway = build(parse_config(config))
    with app_client(gateway) as c:
        yield Landing(c, Path(sources["cbs-accounts"]["landing"]))
    gateway.close()


def an_accounts_file() -> bytes:
    return accounts_file([AccountLine("100200300400", "Ada Lovelace")])


def test_an_upload_under_the_name_of_a_landed_file_is_refused_and_the_file_kept(
    landing: Landing,
) -> None:
    landing.folder.mkdir(parents=True)
    (landing.folder / NAME).write_bytes(b"the real file from CBS")

    answer = landing.upload(an_accounts_file())

    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert (landing.folder / NAME).read_bytes() == b"the real file from CBS"
    assert landing.files() == [NAME]


def test_a_link_planted_under_the_name_is_refused_and_its_target_untouched(
    landing: Landing, tmp_path: Path
) -> None:
    target = tmp_path / "secret.txt"
    target.write_bytes(b"do not touch")
    landing.folder.mkdir(parents=True)
    (landing.folder / NAME).symlink_to(target)

    assert landing.upload(an_accounts_file()).status_code == 409
    assert target.read_bytes() == b"do not touch"


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_past_the_cap_is_refused_and_leaves_nothing_behind(
    landing: Landing, declared: bool
) -> None:
    body = b"x" * (LIMIT + 1)
    answer = landing.upload(body if declared else iter([body[:LIMIT], body[LIMIT:]]))

    assert answer.status_code == 413
    assert "max_upload_bytes" in answer.json()["detail"]
    assert landing.files() == []


def test_a_landed_upload_is_readable_by_the_gateway_only(landing: Landing) -> None:
    answer = landing.upload(an_accounts_file())

    assert answer.status_code == 202, answer.text
    deadline = time.monotonic() + 20
    while landing.client.get(answer.headers["Location"]).json()["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    settled = list(landing.folder.parent.parent.rglob(f"*{NAME}"))
    assert settled  # archived or refused, under the import's number
    for path in settled:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
