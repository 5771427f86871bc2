"""The identities pass 1 spools come back in key order, whatever runs they spilled into."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gateway.imports import claims
from gateway.imports.claims import KeySpool, RecordSet, slot


def test_spooled_keys_come_back_sorted_across_spilled_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(claims, "RUN", 1000)
    chance = random.Random(10)
    keys = [(f"{chance.random():.12f}", n, 0, "account-1", "DepositFunds") for n in range(12_345)]
    spool = KeySpool(tmp_path)
    for key in keys:
        spool.add(key)

    assert list(spool.sorted()) == sorted(keys)
    spool.close()


def test_a_record_set_holds_a_million_slots_in_a_small_bitmap() -> None:
    applied = RecordSet()
    for number in range(1, 1_000_001, 3):
        applied.add(slot(number, 1))

    assert slot(4, 1) in applied and slot(4, 0) not in applied and slot(5, 1) not in applied
    assert applied.count == 333_334
    with pytest.raises(ValueError, match="more than 4 commands"):
        slot(7, 4)
