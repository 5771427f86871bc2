"""Times and durations as people read them: `7 h 19 min`, `2026-12-02 07:24:28 +01:00`."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTE, HOUR, DAY = 60, 3600, 86_400


def duration(seconds: float | None) -> str:
    """`850 ms`, `4.2 s`, `42 s`, `3 min 5 s`, `7 h 19 min`, `2 d 4 h`: two units at most."""
    if seconds is None:
        return "-"
    sign, value = ("-" if seconds < 0 else ""), abs(seconds)
    if value < 1:
        return f"{sign}{value * 1000:.0f} ms"
    if value < 10:
        return f"{sign}{value:.1f} s"
    whole = round(value)
    for big, big_name, small, small_name in (
        (DAY, "d", HOUR, "h"),
        (HOUR, "h", MINUTE, "min"),
        (MINUTE, "min", 1, "s"),
    ):
        if whole >= big:
            high, rest = divmod(whole, big)
            low = rest // small
            return f"{sign}{high} {big_name}" + (f" {low} {small_name}" if low else "")
    return f"{sign}{whole} s"


def zone_named(name: str | None) -> tzinfo:
    """The IANA zone `name` (a browser's `Europe/London`); UTC when unknown or not given."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def moment(value: str | float | datetime | None, zone: tzinfo | None = None) -> str:
    """An instant in `zone` (the machine's own when None) with its offset, to the second."""
    if value is None or value == "":
        return "-"
    if isinstance(value, int | float):
        when = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone(zone) if zone is not None else when.astimezone()
    stamp = local.isoformat(sep=" ", timespec="seconds")
    return f"{stamp[:19]} {stamp[19:]}"


def elapsed(started: str | None, finished: str | None) -> str:
    """How long from `started` to `finished` (ISO times), or `unfinished`."""
    if not started or not finished:
        return "unfinished"
    gap = datetime.fromisoformat(finished) - datetime.fromisoformat(started)
    return duration(gap.total_seconds())
