"""Deliveries under faults, each against real SQLite and PostgreSQL and a real local GL:
what GL's answers mean, our own faults (credentials, certificates, URLs), and start: latest."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from gateway.delivery import sending
from gateway.delivery import worker as delivery_worker
from gateway.delivery.report import delivery_sla_source
from gateway.errors import ConfigError
from gateway.sla import report
from gateway.store.sql import SqlEventStore
from tests.delivery.gl_stub import GlStub, Reply, serve_gl
from tests.delivery.ledger import all_delivered, append_deposits, gl_config, gl_engine


def statuses(store: SqlEventStore) -> dict[str, int]:
    rows = store.fetch("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
    return {str(r[0]): int(r[1]) for r in rows}


def circuit(store: SqlEventStore) -> tuple[str, str] | None:
    rows = store.fetch("SELECT state, reason FROM delivery_circuits WHERE destination = 'gl'")
    return (str(rows[0][0]), str(rows[0][1])) if rows else None


def settled_after_pause(store: SqlEventStore, gl: GlStub) -> bool:
    """Never true while paused: fails the test if anything is sent a second time."""
    return len(gl.seen) > len({s.account for s in gl.seen})


@pytest.fixture
def gl() -> Iterator[GlStub]:
    with serve_gl(GlStub()) as stub:
        yield stub


@pytest.mark.parametrize(
    ("url", "why"),
    [("ftp://gl.bank.example", "not an http"), ("http://", "no host"), ("gl.bank.example", "not"),
     ("http://gl:99999", "bad port")],
)  # fmt: skip
def test_a_base_url_that_cannot_work_fails_the_start_naming_the_key(
    store: SqlEventStore, database_url: str, url: str, why: str
) -> None:
    with pytest.raises(
        ConfigError, match=rf"destinations\.gl\.base_url_env \(GL_BASE_URL\).*{why}"
    ):
        gl_engine(store, gl_config(database_url), url)


def test_a_200_that_is_not_gls_duplicate_answer_is_not_delivered(
    store: SqlEventStore, database_url: str, gl: GlStub
) -> None:
    gl.answer = lambda posting, key: Reply(200, b"<html>Scheduled maintenance</html>")
    append_deposits(store, accounts=2, per_account=2)
    engine = gl_engine(store, gl_config(database_url), gl.url)

    engine.run_until(lambda: len(gl.seen) >= 6, timeout=20)

    assert statuses(store) == {"pending": 4}
    gl.answer = lambda posting, key: Reply(200, b'{"duplicate": true}')
    assert engine.run_until(lambda: all_delivered(store, 4), timeout=20)


def test_an_answer_over_one_mebibyte_is_stored_cut_and_marked(
    store: SqlEventStore, database_url: str, gl: GlStub
) -> None:
    huge = b"<html>" + b"x" * (2 << 20) + b"</html>"  # a proxy's error page, 2 MiB
    gl.answer = lambda posting, key: Reply(502 if len(gl.seen) <= 1 else 201, huge)
    append_deposits(store, accounts=1, per_account=1)
    engine = gl_engine(store, gl_config(database_url), gl.url)

    assert engine.run_until(lambda: all_delivered(store, 1), timeout=20)

    rows = store.fetch("SELECT status_code, answer FROM delivery_attempts ORDER BY attempt")
    first_status, first_answer = rows[0]
    assert first_status == 502
    assert first_answer.startswith("<html>xxx")
    assert first_answer.endswith(" [answer cut at 1 MiB]")
    assert len(first_answer) < 1000  # the attempt keeps a snippet, never the 2 MiB


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_pause_gl_and_dead_letter_nothing(
    store: SqlEventStore, database_url: str, gl: GlStub, status: int
) -> None:
    gl.answer = lambda posting, key: Reply(status, b'{"error": "bad token"}')
    append_deposits(store, accounts=20, per_account=2)
    # A generous timeout: on a loaded machine a slow answer must not count as a transient failure.
    engine = gl_engine(
        store, gl_config(database_url, timeout_seconds=5.0, lease_seconds=11), gl.url
    )

    assert not engine.run_until(lambda: settled_after_pause(store, gl), timeout=3)

    assert statuses(store) == {"pending": 40}
    heads = {s.account for s in gl.seen}
    assert len(gl.seen) == len(heads) <= 20  # only the heads in flight when it paused
    assert store.fetch("SELECT MAX(counted_attempts) FROM deliveries")[0][0] == 0
    (line,) = report(store, [delivery_sla_source(engine.destinations)], now=engine.clock())
    assert line.state.startswith("paused: answered " + str(status))


@pytest.fixture(scope="module")
def bank_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    ca = trustme.CA(organization_name="Bank test CA")
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return ca, path


def https_server(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


def test_a_certificate_that_fails_verification_pauses_gl_with_the_reason_in_sla(
    store: SqlEventStore, database_url: str, bank_ca: tuple[trustme.CA, Path]
) -> None:
    append_deposits(store, accounts=3, per_account=2)
    with serve_gl(GlStub(), tls=https_server(bank_ca[0])) as gl:
        engine = gl_engine(store, gl_config(database_url, max_in_flight=1), gl.url)
        engine.run_until(lambda: False, timeout=2.0)  # no ca_file: the system store
        assert gl.seen == []
        assert statuses(store) == {"pending": 6}
        state, reason = circuit(store)  # type: ignore[misc]
        assert state == "paused" and "failed verification" in reason
        (line,) = report(store, [delivery_sla_source(engine.destinations)], now=engine.clock())
        assert line.state.startswith("paused: the certificate of 127.0.0.1 failed verification")
        attempts = store.fetch("SELECT COUNT(*) FROM delivery_attempts")[0][0]
        assert attempts == 1  # not retried as if GL were down

        trusted = gl_config(database_url, tls={"ca_file": str(bank_ca[1])})
        assert gl_engine(store, trusted, gl.url).run_until(
            lambda: all_delivered(store, 6), timeout=20
        )


def test_gl_behind_mutual_tls_gets_every_posting_only_with_our_client_certificate(
    store: SqlEventStore, database_url: str, bank_ca: tuple[trustme.CA, Path], tmp_path: Path
) -> None:
    ca, ca_file = bank_ca
    server = https_server(ca)
    server.verify_mode = ssl.CERT_REQUIRED  # GL asks every caller for a certificate of its CA
    ca.configure_trust(server)
    ours = ca.issue_cert("gateway.bank.example")
    cert_file, key_file = tmp_path / "gateway.pem", tmp_path / "gateway.key"
    cert_file.write_bytes(b"".join(blob.bytes() for blob in ours.cert_chain_pems))
    ours.private_key_pem.write_to_path(str(key_file))
    append_deposits(store, accounts=2, per_account=2)
    with serve_gl(GlStub(), tls=server) as gl:
        anonymous = gl_config(database_url, tls={"ca_file": str(ca_file)})
        gl_engine(store, anonymous, gl.url).run_until(lambda: False, timeout=1.5)
        assert gl.seen == [] and statuses(store) == {"pending": 4}

        tls = {"ca_file": str(ca_file), "client_cert_file": str(cert_file),
               "client_key_file": str(key_file)}  # fmt: skip
        engine = gl_engine(store, gl_config(database_url, tls=tls), gl.url)
        assert engine.run_until(lambda: all_delivered(store, 4), timeout=20)

    assert sorted(gl.refs(status=201)) == sorted(
        f"TX{a:05d}-{n:05d}" for a in range(2) for n in range(2)
    )


def test_verify_false_is_announced_loudly_at_start(
    store: SqlEventStore, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gateway.delivery.destination"):
        gl_engine(store, gl_config(database_url, tls={"verify": False}), "https://127.0.0.1:9")
        gl_engine(store, gl_config(database_url), "https://127.0.0.1:9")

    (warning,) = [r for r in caplog.records if "TLS VERIFICATION IS OFF" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    assert "destinations.gl.tls.verify: false" in warning.getMessage()


def test_a_probe_that_raises_leaves_the_circuit_free_to_probe_again(
    store: SqlEventStore, database_url: str, gl: GlStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GL is down until the circuit opens; the first probe after it fails inside the worker
    (not an answer: an exception). The next probe goes out, and everything arrives."""
    gl.answer = lambda p, k: Reply(503 if len(gl.seen) <= 3 else 201)
    breaker = {"window": 3, "min_calls": 3, "failure_ratio": 1.0, "open_seconds": 0.5}
    retry = {"delays_seconds": [0.05], "stop_after_attempts": 50}
    engine = gl_engine(store, gl_config(database_url, breaker=breaker, retry=retry), gl.url)
    real = sending.attempt
    raised: list[bool] = []

    async def probe_raises_once(*args: Any) -> Any:
        if len(gl.seen) >= 3 and not raised:
            raised.append(True)
            raise RuntimeError("the adapter failed while probing")
        return await real(*args)

    monkeypatch.setattr(delivery_worker, "attempt", probe_raises_once)
    append_deposits(store, accounts=1, per_account=3)

    assert engine.run_until(lambda: all_delivered(store, 3), timeout=20)
    assert raised == [True]
    state = circuit(store)
    assert state is not None and state[0] == "closed"


def test_start_latest_records_its_position_and_delivers_what_comes_after(
    store: SqlEventStore, database_url: str, gl: GlStub
) -> None:
    append_deposits(store, accounts=2, per_account=1)
    engine = gl_engine(store, gl_config(database_url, start="latest"), gl.url)
    assert engine.dispatch_once() == 0  # nothing before the start is sent

    append_more(store)
    assert engine.run_until(lambda: all_delivered(store, 1), timeout=20)
    assert gl.refs() == ["LATER-1"]


def append_more(store: SqlEventStore, **extra: Any) -> None:
    from gateway.store import NewEvent, StreamAppend

    data = {"account_no": "000000000000", "posting_ref": "LATER-1", "value_date": "2026-11-26",
            "amount": {"amount": "5.00", "currency": "EUR"}, "narrative": "LATER",
            **extra}  # fmt: skip
    with store.transaction() as tx:
        tx.append([StreamAppend("account-000000000000", 1, [NewEvent("FundsDeposited", data, 2)])])
