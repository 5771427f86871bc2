"""Shared layouts for the format codec tests: the CBS postings copybook as the spec publishes it.

The copybook is the one the CBS adapter ships, copied verbatim from legacy-specs/cbs-files.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.formats import MultiRecordLayout, parse_copybook, text_mode_variant

ROOT = Path(__file__).resolve().parents[2]
CBS_COPYBOOK = (ROOT / "adapters" / "cbs" / "postings.cpy").read_text(encoding="ascii")
CBS_RECORD_TYPES = {"H": "CBS-HEADER", "D": "CBS-DETAIL", "T": "CBS-TRAILER"}


@pytest.fixture
def binary_postings() -> MultiRecordLayout:
    """The postings file as CBS sends it: EBCDIC cp037, amounts packed."""
    copybook = parse_copybook(CBS_COPYBOOK, encoding="cp037")
    return copybook.dispatch(on="REC-TYPE", record_types=CBS_RECORD_TYPES)


@pytest.fixture
def text_postings(binary_postings: MultiRecordLayout) -> MultiRecordLayout:
    """The same file as a text-mode test drop: cp1252, amounts in display."""
    return text_mode_variant(binary_postings, encoding="cp1252")
