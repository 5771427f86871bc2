"""The simulated GL's own detectors: an overlap of one posting's sends is counted for the
whole request, including the time the answer is held."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.delivery.legacy_sim import TOKEN, LegacySim

POSTING = {"posting_ref": "P1", "gl_account": "2100-DEP", "side": "CR", "amount": "1.00",
           "currency": "EUR", "value_date": "2026-11-26", "customer_account": "000000000001",
           "narrative": "TEST"}  # fmt: skip


def post(sim: LegacySim, key: str) -> int:
    headers = {"Authorization": f"Bearer {TOKEN}", "X-Idempotency-Key": key}
    answer = httpx.post(f"{sim.base_url}/gl/v1/postings", json=POSTING, headers=headers)
    return answer.status_code


def test_three_sends_of_one_key_at_once_are_two_overlaps(sim: LegacySim) -> None:
    sim.chaos(delay=0.5)  # each answer held: the three are in flight together
    with ThreadPoolExecutor(3) as pool:
        statuses = list(pool.map(lambda _: post(sim, "same-key"), range(3)))
    assert sorted(statuses) == [200, 200, 201]
    assert sim.stats()["overlaps"] == 2


def test_sends_of_one_key_one_after_another_are_no_overlap(sim: LegacySim) -> None:
    sim.chaos(delay=0.1)
    assert [post(sim, "k") for _ in range(3)] == [201, 200, 200]
    assert sim.stats()["overlaps"] == 0
