"""Progress of scheduled job runs, so a run is resumable and a rerun is recognised."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.store.base import table_meta


class JobRunModel(Model):
    Meta = table_meta("job_runs")

    run_id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()  # running | done
    started_at = NumberAttribute()
    finished_at = NumberAttribute(null=True)
    chunks_done = NumberAttribute(default=0)
    entities_done = NumberAttribute(default=0)
    # shards finished per phase, as sets: recording a shard twice (a redelivered message) is
    # harmless, and the set's size says when the phase is complete
    finished_0 = UnicodeSetAttribute(null=True)
    finished_1 = UnicodeSetAttribute(null=True)
    finished_2 = UnicodeSetAttribute(null=True)


def start(run_id: str, now: int) -> bool:
    """Record a new run; False when it exists already (a rerun of the same day)."""
    try:
        JobRunModel(run_id, status="running", started_at=now).save(
            condition=JobRunModel.run_id.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def restart(run_id: str, now: int) -> None:
    """Reset a run's progress for a forced rerun (ops on demand)."""
    JobRunModel(run_id, status="running", started_at=now).save()


def chunk_done(run_id: str, entities: int) -> None:
    JobRunModel(run_id).update(actions=[JobRunModel.chunks_done.add(1),
                                        JobRunModel.entities_done.add(entities)])


def shard_finished(run_id: str, phase: int, shard: str) -> int:
    """Record one finished shard of a phase (idempotent); returns how many are finished."""
    attribute = getattr(JobRunModel, f"finished_{phase}")
    model = JobRunModel(run_id)
    model.update(actions=[attribute.add({shard})])
    return len(getattr(model, f"finished_{phase}") or ())


def finish(run_id: str, now: int) -> None:
    JobRunModel(run_id).update(actions=[JobRunModel.status.set("done"),
                                        JobRunModel.finished_at.set(now)])


def get(run_id: str) -> dict | None:
    try:
        model = JobRunModel.get(run_id, consistent_read=True)
    except JobRunModel.DoesNotExist:
        return None
    return {"run_id": model.run_id, "status": model.status, "started_at": int(model.started_at),
            "finished_at": None if model.finished_at is None else int(model.finished_at),
            "chunks_done": int(model.chunks_done), "entities_done": int(model.entities_done),
            "shards_finished": [len(getattr(model, f"finished_{n}") or ()) for n in range(3)]}
