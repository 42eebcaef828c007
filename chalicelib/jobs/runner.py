"""The one job runner: chunked, resumable jobs fanned out through the jobs SQS queue.

A job is a short tuple of phases run one after the other. A phase lists its shards; each shard is
read page by page, one SQS message (a chunk) per page of at most `chunk_size` items:

    start ──one message per shard of phase 0──▶ jobs queue ──▶ process_chunk
        a page of the shard's items, each handed to `handle`; then `after_chunk` with the results
        the rest of the shard goes on in a continuation message (`cursor`)
        the last page of a shard adds it to the phase's finished set on the run (job_runs);
        the shard that completes the set starts the next phase, or finishes the run

Every step is idempotent, so SQS's at-least-once delivery is harmless: a chunk is marked done
(processed_events, `chunk#<hash of the message>`) after its work and a redelivered one is skipped;
finished shards are a set per phase; a duplicate phase start sends messages identical to the
first, which their marks absorb. `handle` must be idempotent too: a crash before the mark means
the chunk runs again. A chunk watches the invocation's remaining time and hands the rest of its
page on before it runs out (`handed_on` keeps that message apart from its own). A forced rerun is a
new attempt: its messages differ from the first attempt's (so their marks do not skip them), and
a chunk of an older attempt can no longer move the run on (job_runs writes are conditional on
the attempt). A chunk that fails on its last receive (queues.MAX_RECEIVES, then the dead-letter
queue) marks the run failed with the error.

Jobs are registered by name in `_MODULES` and imported on first use (`get_job`), so a Lambda
that never runs a job never imports its code. Limits: at most job_runs.MAX_PHASES phases; a
message holds the run's params, so keep them small (a day, an id), and their names must not be
`job`, `run_id` or `started` (start's answer spreads them).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.clock import now_ms
from chalicelib.errors import NotFound
from chalicelib.observability import logger
from chalicelib.queues import JOBS_QUEUE, MAX_RECEIVES, send
from chalicelib.store import aggregates as aggregate_store  # the processed marks
from chalicelib.store import job_runs

TIME_RESERVE_MS = 8_000  # stop taking items with less left: the slowest one must still fit

Shard = str | int
Cursor = Any  # JSON: whatever a phase's page resumes from (None: the shard's start)


@dataclass(frozen=True)
class RunContext:
    """What a phase's functions know of the run they work for."""

    job: Job
    run_id: str
    attempt: int  # the start time of this attempt; a forced rerun is a new one
    params: dict
    phase: int  # index into job.phases


@dataclass(frozen=True)
class Phase:
    """One step of a job.

    shards(ctx): the phase's shards, listed once when the phase starts (distinct; [] skips it).
    page(ctx, shard, cursor, limit): at most `limit` items of the shard from `cursor`, each
        with the cursor that resumes right after it, and the cursor of the next page (None: the
        shard is done).
    handle(ctx, item): the work on one item; idempotent.
    after_chunk(ctx, results): optional, once per chunk with what `handle` returned, in order.
    """

    name: str
    shards: Callable[[RunContext], Sequence[Shard]]
    page: Callable[[RunContext, Shard, Cursor, int], tuple[list[tuple[Any, Cursor]], Cursor]]
    handle: Callable[[RunContext, Any], Any]
    after_chunk: Callable[[RunContext, list], None] | None = None


@dataclass(frozen=True)
class Job:
    """A named job. `run_key(params)` names a run (run_id `<name>-<run key>`): a second start
    with the same key is a no-op unless forced. `resolve(params)` fills defaults once, at the
    start, so every chunk sees the same params. `request_model()` returns the pydantic model of
    `POST /ops/jobs/<name>` bodies (None: no parameters), loaded only when a request comes."""

    name: str
    phases: tuple[Phase, ...]
    run_key: Callable[[dict], str]
    chunk_size: int = 100
    resolve: Callable[[dict], dict] = dict
    request_model: Callable[[], type] | None = None
    time_reserve_ms: int = TIME_RESERVE_MS

    def __post_init__(self):
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", self.name):
            raise ValueError(f"job name {self.name!r}: lower case letters, digits, _ and -")
        if not 1 <= len(self.phases) <= job_runs.MAX_PHASES:
            raise ValueError(f"job {self.name}: 1 to {job_runs.MAX_PHASES} phases")
        if self.chunk_size < 1:
            raise ValueError(f"job {self.name}: chunk_size must be positive")


class UnknownJob(NotFound):
    code = "job_not_found"


# --- the registry ----------------------------------------------------------------------------

# job name → the module whose JOB it is, imported on first use
_MODULES: dict[str, str] = {
    "scores": "chalicelib.jobs.scores",
    "search-index": "chalicelib.jobs.search_index",
    "feeds": "chalicelib.jobs.feeds",
    "post-stream": "chalicelib.jobs.post_stream",
    "settlement": "chalicelib.jobs.settlement",
}
JOBS: dict[str, Job] = {}


def get_job(name: str) -> Job:
    job = JOBS.get(name)
    if job is None and name in _MODULES:
        job = JOBS[name] = importlib.import_module(_MODULES[name]).JOB
    if job is None:
        raise UnknownJob(f"no job called {name!r}")
    return job


def job_names() -> list[str]:
    return sorted(set(_MODULES) | set(JOBS))


# --- runs ------------------------------------------------------------------------------------

def start(job_name: str, params: dict, force: bool = False) -> dict:
    """Start the run of `job_name` for `params`; a second start of the same run (the same
    run key) is a no-op unless forced. Answers the params with `job`, `run_id`, `started`."""
    job = get_job(job_name)
    params = job.resolve(dict(params))
    if {"job", "run_id", "started"} & set(params):
        raise ValueError("job params may not be called job, run_id or started")
    run_id, attempt = f"{job.name}-{job.run_key(params)}", now_ms()
    answer = {**params, "job": job.name, "run_id": run_id}
    if not job_runs.start(run_id, job.name, attempt, params, len(job.phases)):
        if not force:
            return {**answer, "started": False}  # this run exists
        job_runs.restart(run_id, job.name, attempt, params, len(job.phases))
    _start_phase(RunContext(job, run_id, attempt, params, 0))
    logger.info("job run started", extra={"run_id": run_id, "job": job.name})
    return {**answer, "started": True}


def status(job_name: str, run_id: str) -> dict | None:
    """The run's progress (job_runs.get), or None when there is no such run of that job."""
    run = job_runs.get(run_id)
    return run if run is not None and run["job"] == job_name else None


def _start_phase(ctx: RunContext) -> None:
    """One message per shard of the phase (an empty phase is skipped); past the last phase,
    the run is done. The messages are the same however often a phase starts."""
    job, phase = ctx.job, ctx.phase
    while phase < len(job.phases):
        shards = list(job.phases[phase].shards(ctx))
        if len(set(map(str, shards))) != len(shards):
            raise ValueError(f"job {job.name} phase {phase}: shards are not distinct")
        if shards:
            send(JOBS_QUEUE, [
                {"job": job.name, "run_id": ctx.run_id, "attempt": ctx.attempt,
                 "params": ctx.params, "phase": phase, "shard": shard, "shards": len(shards),
                 "cursor": None}
                for shard in shards])
            return
        phase += 1
    job_runs.finish(ctx.run_id, ctx.attempt, now_ms())
    logger.info("job run finished", extra={"run_id": ctx.run_id, "job": job.name})


# --- chunks ----------------------------------------------------------------------------------

def handle_queue_batch(raw_event: dict, lambda_context=None) -> dict:
    """Lambda entry for an SQS batch of chunks of any job; failed records are reported back
    alone (Powertools' partial batch response)."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    time_left = lambda_context.get_remaining_time_in_millis if lambda_context else None
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(
        event=raw_event, processor=processor, context=lambda_context,
        record_handler=lambda record: _handle_record(record, time_left))


def _handle_record(record, time_left: Callable[[], int] | None) -> int:
    message = json.loads(record.body)
    try:
        return process_chunk(message, time_left)
    except Exception as error:
        receives = int((record.raw_event.get("attributes") or {}).get(
            "ApproximateReceiveCount") or 1)
        if receives >= MAX_RECEIVES and isinstance(message, dict) and "run_id" in message:
            _mark_failed(message, error)
        raise


def _mark_failed(message: dict, error: Exception) -> None:
    """The chunk's last try failed (SQS moves it to the dead-letter queue next): say so on the
    run. A failure to say so must not hide the error itself."""
    reason = f"{type(error).__name__}: {error}"
    try:
        job_runs.fail(message["run_id"], message["attempt"], reason, now_ms())
    except Exception:
        logger.exception("could not mark the run failed", extra={"run_id": message["run_id"]})
    else:
        logger.error("job run failed", extra={"run_id": message["run_id"], "reason": reason})


def process_chunk(message: dict, time_left: Callable[[], int] | None = None) -> int:
    """Do one chunk; returns how many items it handled (0 when it had been done).

    With `time_left` (the invocation's remaining milliseconds), it stops before an item once
    less than the job's time_reserve_ms is left and hands the rest of its page on, so no chunk
    outlives its Lambda whatever an item costs."""
    chunk_key = "chunk#" + hashlib.sha256(
        json.dumps(message, sort_keys=True).encode()).hexdigest()[:32]
    if aggregate_store.was_processed(chunk_key):
        return 0
    job = get_job(message["job"])
    ctx = RunContext(job, message["run_id"], message["attempt"], message["params"],
                     message["phase"])
    phase = job.phases[ctx.phase]
    page, next_cursor = phase.page(ctx, message["shard"], message["cursor"], job.chunk_size)
    results = []
    for item, _ in page:
        if time_left is not None and time_left() < job.time_reserve_ms:
            break
        results.append(phase.handle(ctx, item))
    if phase.after_chunk is not None:
        phase.after_chunk(ctx, results)
    done = len(results)
    if done < len(page):  # out of time: the rest of the page, from after the last one done
        resume = page[done - 1][1] if done else message["cursor"]
        # `handed_on` keeps this message's chunk mark apart from ours even when nothing was done
        send(JOBS_QUEUE, [{**message, "cursor": resume, "handed_on": now_ms()}])
    elif next_cursor is not None:
        send(JOBS_QUEUE, [{**message, "cursor": next_cursor}])
    else:
        _shard_done(ctx, message)
    if aggregate_store.mark_processed(chunk_key, now_ms()):
        job_runs.chunk_done(ctx.run_id, ctx.attempt, done)
    return done


def _shard_done(ctx: RunContext, message: dict) -> None:
    finished = job_runs.shard_finished(ctx.run_id, ctx.attempt, ctx.phase, str(message["shard"]))
    if finished is None:
        logger.info("chunk of an older attempt", extra={"run_id": ctx.run_id})
        return
    if finished < message["shards"]:
        return
    # a duplicate start (a redelivered last chunk) is absorbed by the chunk marks
    _start_phase(RunContext(ctx.job, ctx.run_id, ctx.attempt, ctx.params, ctx.phase + 1))
