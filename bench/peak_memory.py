"""A benchmark child's own peak RSS, for the memory targets."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_kb() -> int:
    """This process's high-water mark (VmHWM). Not `ru_maxrss`: Linux keeps that across execve,
    so a child started by a parent that grew large would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
