"""Exported files against a hostile folder: a planted link is never written through.

The temporaries' names are predictable (`.<name>.<pid>.tmp`), so a link planted under one
must be replaced, not followed; the files and marker are not world-readable.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.exports.bank import Bank

DAY = "20260304"


def plant_links(folder: Path, target: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in (f"STMT_{DAY}.TXT", f"STMT_{DAY}.OK"):
        (folder / f".{name}.{os.getpid()}.tmp").symlink_to(target)


def test_a_link_planted_as_the_markers_temporary_does_not_truncate_its_target(
    bank: Bank, tmp_path: Path
) -> None:
    target = tmp_path / "precious.txt"
    target.write_bytes(b"the operator's notes")
    plant_links(bank.folder, target)
    bank.clock.set("2026-03-04T22:05:00Z")

    bank.stmt().run()

    assert target.read_bytes() == b"the operator's notes"
    assert (bank.folder / f"STMT_{DAY}.OK").read_bytes() == b""
    assert not (bank.folder / f"STMT_{DAY}.OK").is_symlink()
    assert (bank.folder / f"STMT_{DAY}.TXT").read_bytes().startswith(b"H2026030420260304")
    assert sorted(p.name for p in bank.folder.iterdir()) == [f"STMT_{DAY}.OK", f"STMT_{DAY}.TXT"]


def test_exported_files_are_not_world_readable(bank: Bank) -> None:
    bank.clock.set("2026-03-04T22:05:00Z")
    previous = os.umask(0o022)  # the usual umask: files would be world-readable by default
    try:
        bank.stmt().run()
    finally:
        os.umask(previous)

    for name in (f"STMT_{DAY}.TXT", f"STMT_{DAY}.OK"):
        assert stat.S_IMODE((bank.folder / name).stat().st_mode) & 0o007 == 0, name
