"""Progress of job runs (chalicelib.jobs.runner), so a run is resumable and a rerun recognised.

One item per run: `run_id` is `<job>-<run key>` (the score job's: `scores-<day>`). A forced rerun
overwrites the item with a new `attempt`; every later write is conditional on that attempt, so a
chunk still in flight from the attempt before cannot move the new one on.
"""

from __future__ import annotations

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.models import Model

from chalicelib.store.base import table_meta

# DynamoDB's ADD works on top-level attributes only, so each phase has its own set: a job has at
# most this many phases (chalicelib.jobs.runner checks it).
MAX_PHASES = 8
FAILED_REASON_MAX = 1000  # characters of the error kept on a failed run


class JobRunModel(Model):
    Meta = table_meta("job_runs")

    run_id = UnicodeAttribute(hash_key=True)
    job = UnicodeAttribute(null=True)  # null on runs written before the runner: score runs
    status = UnicodeAttribute()  # running | done | failed
    attempt = NumberAttribute(null=True)  # the start time of the current attempt
    params = MapAttribute(null=True)
    phases = NumberAttribute(null=True)
    started_at = NumberAttribute()
    finished_at = NumberAttribute(null=True)
    failed_at = NumberAttribute(null=True)
    failed_reason = UnicodeAttribute(null=True)
    chunks_done = NumberAttribute(default=0)
    items_done = NumberAttribute(default=0)
    # shards finished per phase, as sets: recording a shard twice (a redelivered message) is
    # harmless, and the set's size says when the phase is complete
    finished_0 = UnicodeSetAttribute(null=True)
    finished_1 = UnicodeSetAttribute(null=True)
    finished_2 = UnicodeSetAttribute(null=True)
    finished_3 = UnicodeSetAttribute(null=True)
    finished_4 = UnicodeSetAttribute(null=True)
    finished_5 = UnicodeSetAttribute(null=True)
    finished_6 = UnicodeSetAttribute(null=True)
    finished_7 = UnicodeSetAttribute(null=True)


def _new(run_id: str, job: str, attempt: int, params: dict, phases: int) -> JobRunModel:
    if not 1 <= phases <= MAX_PHASES:
        raise ValueError(f"a job has 1 to {MAX_PHASES} phases, not {phases}")
    return JobRunModel(run_id, job=job, status="running", attempt=attempt, params=params,
                       phases=phases, started_at=attempt)


def start(run_id: str, job: str, attempt: int, params: dict, phases: int) -> bool:
    """Record a new run; False when it exists already (a second start of the same run)."""
    try:
        _new(run_id, job, attempt, params, phases).save(
            condition=JobRunModel.run_id.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def restart(run_id: str, job: str, attempt: int, params: dict, phases: int) -> None:
    """Reset a run's progress for a forced rerun (ops on demand): a new attempt."""
    _new(run_id, job, attempt, params, phases).save()


def _update(run_id: str, attempt: int, actions: list, condition=None) -> JobRunModel | None:
    """Apply `actions` when `attempt` is still the run's (and `condition` holds); None when it
    is not (a forced rerun began since)."""
    model = JobRunModel(run_id)
    current = JobRunModel.attempt == attempt
    try:
        model.update(actions=actions,
                     condition=current if condition is None else current & condition)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return model


def chunk_done(run_id: str, attempt: int, items: int) -> None:
    _update(run_id, attempt, [JobRunModel.chunks_done.add(1), JobRunModel.items_done.add(items)])


def shard_finished(run_id: str, attempt: int, phase: int, shard: str) -> int | None:
    """Record one finished shard of a phase (idempotent); returns how many are finished, or None
    when `attempt` is no longer the run's."""
    attribute = getattr(JobRunModel, f"finished_{phase}")
    model = _update(run_id, attempt, [attribute.add({shard})])
    return None if model is None else len(getattr(model, f"finished_{phase}") or ())


def finish(run_id: str, attempt: int, now: int) -> None:
    _update(run_id, attempt, [JobRunModel.status.set("done"), JobRunModel.finished_at.set(now)])


def fail(run_id: str, attempt: int, reason: str, now: int) -> bool:
    """Mark the run failed (a chunk gave up: its message goes to the dead-letter queue); False
    when `attempt` is no longer the run's or the run is done already. A chunk redriven from the
    dead-letter queue that finishes the run still sets it done; the reason stays for a look."""
    actions = [JobRunModel.status.set("failed"), JobRunModel.failed_at.set(now),
               JobRunModel.failed_reason.set(reason[:FAILED_REASON_MAX] or "failed")]
    return _update(run_id, attempt, actions, JobRunModel.status != "done") is not None


def get(run_id: str) -> dict | None:
    try:
        model = JobRunModel.get(run_id, consistent_read=True)
    except JobRunModel.DoesNotExist:
        return None
    phases = 3 if model.phases is None else int(model.phases)  # the score job's, before

    def when(value):
        return None if value is None else int(value)

    return {"run_id": model.run_id, "job": model.job or "scores", "status": model.status,
            "params": model.params.as_dict() if model.params is not None else {},
            "attempt": when(model.attempt), "started_at": int(model.started_at),
            "finished_at": when(model.finished_at), "failed_at": when(model.failed_at),
            "failed_reason": model.failed_reason,
            "chunks_done": int(model.chunks_done), "items_done": int(model.items_done),
            "shards_finished": [len(getattr(model, f"finished_{n}") or ())
                                for n in range(phases)]}
