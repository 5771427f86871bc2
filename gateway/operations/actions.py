"""What an operator can do to the gateway, each as a named action with a target and an outcome.

The console runs these (after asking for confirmation) and records each in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from gateway.delivery import operations
from gateway.errors import GatewayError
from gateway.imports.replay import replay_rejects
from gateway.jobs import RunOutcome
from gateway.operations.audit import Done, Outcome

if TYPE_CHECKING:
    from gateway.bootstrap import Gateway

Clock = Callable[[], float]
JOB_OUTCOMES: dict[str, Outcome] = {"succeeded": "done", "skipped": "refused"}


@dataclass(frozen=True, slots=True)
class Action:
    """One thing an operator may do: what it is called, what the confirmation asks."""

    name: str
    question: str  # "Redrive dead letters {target}?"
    run: Callable[[Gateway, Sequence[str], float], Done]


def _ids(values: Sequence[str]) -> list[int]:
    try:
        return [int(v) for v in values]
    except ValueError:
        raise GatewayError(f"not ids: {', '.join(values)}") from None


def redrive(gateway: Gateway, values: Sequence[str], now: float) -> Done:
    count = operations.redrive(gateway.store, _ids(values), now=now)
    if not count:
        return Done("refused", "no such dead letter: already redriven, skipped or delivered")
    return Done("done", f"{count} dead letter{'s' * (count != 1)} redriven")


def skip(gateway: Gateway, values: Sequence[str], now: float) -> Done:
    count = operations.skip(gateway.store, _ids(values))
    if not count:
        return Done("refused", "no such dead letter: already redriven, skipped or delivered")
    return Done("done", f"{count} dead letter{'s' * (count != 1)} skipped")


def replay_records(gateway: Gateway, values: Sequence[str], now: float) -> Done:
    wanted = set(_ids(values))
    chosen = [r for r in gateway.imports.quarantine.list(status="quarantined") if r.id in wanted]
    if not chosen:
        return Done("refused", "no such quarantined record: already replayed?")
    outcomes = replay_rejects(gateway.bus, gateway.batch_sources, chosen)
    replayed = sum(o.replayed for o in outcomes)
    refusals = "; ".join(f"record {o.reject.record_number}: {o.reason}"
                         for o in outcomes if not o.replayed)  # fmt: skip
    detail = f"{replayed} of {len(outcomes)} replayed" + (f"; still refused: {refusals}"
                                                          if refusals else "")  # fmt: skip
    return Done("done" if replayed == len(outcomes) else "refused", detail)


def run_job(gateway: Gateway, values: Sequence[str], now: float) -> Done:
    assert gateway.jobs is not None
    [name] = values
    return _job_done(gateway.jobs.run_now(gateway.scheduled_jobs(), name, now=now))


def rerun_export(gateway: Gateway, values: Sequence[str], now: float) -> Done:
    name, day_text = values
    export = gateway.exports.get(name)
    if export is None:
        return Done("refused", f"no export {name!r}")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return Done("refused", f"{day_text!r} is not a day (YYYY-MM-DD)")
    if day > export.days.last_closed(datetime.fromtimestamp(now, UTC)):
        return Done("refused", f"business day {day} has not ended yet")
    assert gateway.jobs is not None

    def write() -> str:
        manifest = export.rerun(day)
        return f"{manifest.file_name}: {manifest.record_count} records, sha256 {manifest.sha256}"

    return _job_done(gateway.jobs.run(f"export:{name}", write, due_at=now, trigger="manual"))


def _job_done(outcome: RunOutcome) -> Done:
    detail = f"{outcome.job}: {outcome.outcome}" + (f": {outcome.detail}" if outcome.detail
                                                     else "")  # fmt: skip
    return Done(JOB_OUTCOMES.get(outcome.outcome, "failed"), detail)


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action("redrive", "Send dead letter {target} again, with the same idempotency key?",
               redrive),
        Action("skip", "Give dead letter {target} up for good, so its stream flows again?", skip),
        Action("replay", "Run quarantined record {target} again?", replay_records),
        Action("run-job", "Run job {target} now, under its lease?", run_job),
        Action("rerun-export", "Write export {target} again, replacing the day's file?",
               rerun_export),
    )
}  # fmt: skip
