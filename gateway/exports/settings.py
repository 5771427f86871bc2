"""The `exports` section of `config.yaml`: one block per file a legacy system takes from us.

It names the events, the business day, the folder, the file format, marker, schedule and SLA.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SAMPLE_DAY = date(2001, 2, 3)


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None
    return name


class BusinessDayConfig(Part):
    """A business day ends at `ends_at` local time; 22:00 means 22:30 belongs to the next day."""

    ends_at: time = time(22, 0)
    timezone: str = "Europe/London"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        return known_zone(name)


class ExportScheduleConfig(Part):
    """When the export runs: a five-field cron line in the business day's time zone."""

    cron: str = Field(description="e.g. '5 22 * * *' for 22:05 every day")


class ExportSlaConfig(Part):
    """The file is due by `due_by` local time, the first such moment after its day ends."""

    due_by: time


class ExportConfig(Part):
    """A scheduled file export: which events, which day, where, in what format, by when."""

    adapter: str = Field(description="module:attribute of the file format's factory")
    enabled: bool = True
    events: list[str] = Field(min_length=1, description="event types exported")
    business_day: BusinessDayConfig = BusinessDayConfig()
    folder: Path | None = Field(default=None, description="default: var/export/<job>")
    file_name: str = Field(default="{job}_{day:%Y%m%d}.TXT", description="per business day")
    marker_name: str = Field(default="{job}_{day:%Y%m%d}.OK", description="written after it")
    schedule: ExportScheduleConfig | None = None
    sla: ExportSlaConfig | None = None
    catch_up_days: int = Field(default=7, ge=1, description="closed days a late run still does")
    page_size: int = Field(default=5000, ge=1, description="events read from the feed at once")
    options: dict[str, str] = Field(default_factory=dict, description="the format's own")

    @field_validator("file_name", "marker_name")
    @classmethod
    def _names_each_day(cls, pattern: str) -> str:
        try:
            name = pattern.format(job="job", day=SAMPLE_DAY)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"{pattern!r} is not a name pattern: {exc}") from None
        if name == pattern.format(job="job", day=date(2002, 3, 4)):
            raise ValueError(f"{pattern!r} must name each day's file apart, e.g. {{day:%Y%m%d}}")
        if "/" in name or name.startswith("."):
            raise ValueError(f"{pattern!r} must name a plain file in the folder")
        return pattern

    @model_validator(mode="after")
    def _marker_apart(self) -> ExportConfig:
        if self.file_name == self.marker_name:
            raise ValueError("marker_name must differ from file_name")
        return self

    def folder_for(self, job: str) -> Path:
        return self.folder or Path("var/export") / job
