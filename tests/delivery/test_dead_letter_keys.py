"""A dead letter is found by the posting it is: its TXN-REF and the file record it came from."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from gateway.cli import app
from gateway.commands import CommandBus, Envelope
from gateway.domain.money import Money
from gateway.domain.postings import DepositFunds
from gateway.operations.dead_letters import dead_letters
from gateway.store.sql import SqlEventStore
from tests.delivery.ledger import count_open, gl_config, gl_engine, open_account
from tests.delivery.legacy_sim import LegacySim

REFUSED = "TXN0000000000077"
FILE = "CBS_POSTINGS_20261126_001.DAT"


def post(bus: CommandBus, ref: str, record: int) -> None:
    command = DepositFunds(
        command_id=uuid.uuid5(uuid.NAMESPACE_URL, ref), account_no="000000000042",
        posting_ref=ref, amount=Money.of("10.00", "EUR"), value_date=date(2026, 11, 26),
        narrative="SALARY",
    )  # fmt: skip
    bus.handle(Envelope(command, source="cbs-postings", source_ref=f"{FILE} record {record}"))


def test_dlq_list_shows_each_dead_letters_txn_ref_and_source_record(
    store: SqlEventStore, database_url: str, sim: LegacySim, tmp_path: Path
) -> None:
    bus = CommandBus(store)
    open_account(bus, "000000000042")
    post(bus, "TXN0000000000076", 2)
    post(bus, REFUSED, 3)
    sim.chaos(reject_refs=[REFUSED])
    engine = gl_engine(store, gl_config(database_url), sim.base_url)
    assert engine.run_until(lambda: count_open(store) == 1, timeout=30)
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {database_url}\n")

    listed = CliRunner().invoke(app, ["dlq", "list", "--config", str(config)])
    found = CliRunner().invoke(app, ["dlq", "list", "--search", "txn0000000000077",
                                     "--config", str(config)])  # fmt: skip

    assert listed.exit_code == 0, listed.output
    [line] = [line for line in listed.stdout.splitlines() if REFUSED in line]  # grep finds it
    letter = json.loads(line)
    assert (letter["business_key"], letter["source_record"]) == (REFUSED, f"{FILE} record 3")
    assert letter["source"] == "cbs-postings" and letter["destination"] == "gl"
    assert [json.loads(row)["id"] for row in found.stdout.splitlines()] == [letter["id"]]
    assert dead_letters(store, search="TXN0000000000076") == []
    redriven = CliRunner().invoke(app, ["dlq", "redrive", str(letter["id"]), "--config",
                                        str(config)])  # fmt: skip
    again = CliRunner().invoke(app, ["dlq", "redrive", str(letter["id"]), "--config",
                                     str(config)])  # fmt: skip
    audited = CliRunner().invoke(app, ["audit", "list", "--config", str(config)])

    assert redriven.stdout == "1 dead letters redriven\n" and again.exit_code == 0
    entries = [json.loads(line) for line in audited.stdout.splitlines()]
    assert [(e["action"], e["channel"], e["target"], e["outcome"]) for e in entries] == [
        ("redrive", "cli", str(letter["id"]), "refused"),  # newest first: nothing left to redrive
        ("redrive", "cli", str(letter["id"]), "done"),
    ]


def test_a_deliverys_key_is_the_uuid5_of_its_destination_and_event() -> None:
    from gateway.delivery.dispatch import KEY_NAMESPACE, idempotency_key

    for n in range(2000):
        event_id = str(uuid.UUID(int=n * 0x9E3779B97F4A7C15_F39CC0605CEDC834 % 2**128))
        for destination in ("gl", "crm", "gl-2"):
            expected = uuid.uuid5(KEY_NAMESPACE, f"{destination}/{event_id}")
            assert idempotency_key(destination, event_id) == str(expected)
