"""The `jobs` section of `config.yaml`: how long a process may hold a scheduled job's lease.

A holder renews its lease while the job runs; one that dies loses it when the lease expires.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class JobsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lease_seconds: float = Field(default=120.0, gt=0, description="a dead holder's grace")
    heartbeat_seconds: float | None = Field(
        default=None, gt=0, description="renewal interval; default a third of lease_seconds"
    )

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> JobsConfig:
        if self.heartbeat_seconds is not None and self.heartbeat_seconds >= self.lease_seconds:
            raise ValueError("heartbeat_seconds must be shorter than lease_seconds")
        return self

    @property
    def renew_every(self) -> float:
        return self.heartbeat_seconds or self.lease_seconds / 3
