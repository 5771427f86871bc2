"""The gateway's scheduled jobs on APScheduler 3: thin, idempotent calls into core services.

Every job runs with `max_instances=1` and `coalesce=True`: a late or overlapping run is folded.
"""

from schedules.scheduler import JobSpec, build_scheduler, trigger_for

__all__ = ["JobSpec", "build_scheduler", "trigger_for"]
