"""The immutable map behind the postings index: old versions never change, lookups stay right.

Replay builds thousands of versions of it, one per posting.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.persistent_map import PersistentMap


def test_setting_a_key_leaves_the_old_map_as_it_was() -> None:
    old = PersistentMap({"a": 1})
    new = old.set("b", 2).set("a", 3)
    assert dict(old) == {"a": 1}
    assert dict(new) == {"a": 3, "b": 2}
    assert len(new) == 2


@given(st.lists(st.tuples(st.integers(0, 300), st.integers())), st.integers(0, 50))
def test_every_version_reads_like_a_dict_built_the_same_way(
    updates: list[tuple[int, int]], seed_size: int
) -> None:
    expected = {key: -key for key in range(seed_size)}
    current = PersistentMap(expected)
    versions = [(current, dict(expected))]
    for key, value in updates:
        current = current.set(key, value)
        expected[key] = value
        versions.append((current, dict(expected)))
    for version, as_dict in versions:
        assert version == as_dict
        assert len(version) == len(as_dict)
        assert sorted(version) == sorted(as_dict)
        assert all(key in version for key in as_dict)
        assert -1 not in version


def test_a_long_history_stays_cheap_to_extend() -> None:
    history = PersistentMap[int, int]()
    for key in range(20_000):
        history = history.set(key, key)
    assert len(history) == 20_000 and history[19_999] == 19_999 and history[0] == 0
