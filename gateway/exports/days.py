"""Business days: a day ends at a local time (STMT: 22:00 Europe/London), daylight saving included.

The business day of 4 March runs from 22:00 on 3 March to 22:00 on 4 March, local time: 24
hours most days, 23 or 25 on the days the clocks change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ONE_DAY = timedelta(days=1)


class BusinessDays:
    """The business-day calendar of one export: where each moment and movement belongs."""

    def __init__(self, *, ends_at: time, timezone: str) -> None:
        self.ends_at = ends_at
        self.zone = ZoneInfo(timezone)

    def business_day_of(self, moment: datetime) -> date:
        """The business day `moment` (timezone-aware) falls in; the end instant starts the next."""
        local = moment.astimezone(self.zone)
        return local.date() + ONE_DAY if local.time() >= self.ends_at else local.date()

    def of_movement(self, value_date: date | None, happened_at: str) -> date:
        """A movement's day: its value date when it has one, else the day it happened in."""
        if value_date is not None:
            return value_date
        return self.business_day_of(datetime.fromisoformat(happened_at))

    def end_of(self, day: date) -> datetime:
        """The instant `day` ends, in UTC."""
        return self.local(day, self.ends_at)

    def start_of(self, day: date) -> datetime:
        return self.end_of(day - ONE_DAY)

    def last_closed(self, now: datetime) -> date:
        """The latest business day that has ended by `now`."""
        return self.business_day_of(now) - ONE_DAY

    def first_after_end(self, day: date, at: time) -> datetime:
        """The first `at` local time at or after `day` ends (a due time such as 22:30), UTC."""
        due = self.local(day, at)
        return due if due >= self.end_of(day) else self.local(day + ONE_DAY, at)

    def local(self, day: date, at: time) -> datetime:
        """`day` at local time `at`, in UTC; a time the clocks skip is read as before the change."""
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)

    def now_local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)
