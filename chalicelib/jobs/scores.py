"""The daily score recalculation: chunked, resumable, fanned out through SQS.

A run for day D lists the entities active in the 90-day window from the sharded activity index
(never all entities, never raw orders) and scores them in phases, each phase one message per
shard, each message one page of at most CHUNK entities, handing the rest of its shard on in a
continuation message:

  0. shops and creators   1. products (pulled toward their shop's new score)   2. shelf rebuilds

Every step is idempotent: scores are recomputed from the same counters and overwritten, a chunk
is marked done after its work (a redelivered chunk is skipped), finished shards are recorded as a
set, and a phase starts the next when its set is complete. A crash anywhere means SQS delivers
the message again, and a rerun of the day gives exactly the same scores.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from chalicelib.domain.clock import now_ms
from chalicelib.domain.scores import day_of
from chalicelib.observability import logger
from chalicelib.queues import SCORES_QUEUE, send
from chalicelib.services import scoring
from chalicelib.services.shelves import rebuild_shop_shelf
from chalicelib.store import aggregates as aggregate_store
from chalicelib.store import job_runs
from chalicelib.store import shops as shop_store
from chalicelib.store.aggregates import ACTIVITY_SHARDS

CHUNK = 100
TIME_RESERVE_MS = 8_000  # stop taking entities with less left: the slowest one must still fit
PHASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("scores", ("shop", "creator")),
    ("product_scores", ("product",)),
    ("shelves", ("shop",)),
)


def start_run(day: int | None = None, force: bool = False) -> dict:
    """Start the run that scores as of `day`: by default the last complete UTC day, so every
    counter it reads is final and a rerun reads the same ones. A second start of a day is a
    no-op unless forced (ops rerunning on demand)."""
    day = last_complete_day() if day is None else day
    run_id, attempt = f"scores-{day}", now_ms()
    if not job_runs.start(run_id, attempt):
        if not force:
            return {"run_id": run_id, "day": day, "started": False}  # today's run exists
        job_runs.restart(run_id, attempt)
    _start_phase(run_id, day, 0, attempt)
    logger.info("score run started", extra={"run_id": run_id})
    return {"run_id": run_id, "day": day, "started": True}


def last_complete_day() -> int:
    return day_of(now_ms()) - 1


def _start_phase(run_id: str, day: int, phase: int, attempt: int) -> None:
    """One message per shard. `attempt` (the run's start time) keeps a forced rerun's chunks
    apart from the first run's, which are already marked done."""
    _, kinds = PHASES[phase]
    send(SCORES_QUEUE, [
        {"run_id": run_id, "attempt": attempt, "day": day, "phase": phase, "kind": kind,
         "shard": shard, "cursor": None}
        for kind in kinds for shard in range(ACTIVITY_SHARDS)])


def handle_queue_batch(raw_event: dict, lambda_context=None) -> dict:
    """Lambda entry for an SQS batch of chunks; failed records are reported back alone."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    time_left = lambda_context.get_remaining_time_in_millis if lambda_context else None
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(
        event=raw_event, processor=processor, context=lambda_context,
        record_handler=lambda record: process_chunk(json.loads(record.body), time_left))


def process_chunk(message: dict, time_left: Callable[[], int] | None = None) -> int:
    """Do one chunk; returns how many entities it handled (0 when it had been done).

    With `time_left` (the invocation's remaining milliseconds), it stops before an entity once
    less than TIME_RESERVE_MS is left and hands the rest of its page on, so no chunk outlives
    its Lambda whatever an entity costs (a shop shelf of thousands of products)."""
    chunk_key = "chunk#" + hashlib.sha256(
        json.dumps(message, sort_keys=True).encode()).hexdigest()[:32]
    if aggregate_store.was_processed(chunk_key):
        return 0
    run_id, day, phase = message["run_id"], message["day"], message["phase"]
    since = day - scoring.CONFIG.window_days
    page, next_key = aggregate_store.active_entities(
        message["kind"], message["shard"], since, CHUNK, message["cursor"])
    priors = scoring.priors_for(run_id, message["attempt"], day)
    done, moved_shelves = 0, set()
    for entity, _ in page:
        if time_left is not None and time_left() < TIME_RESERVE_MS:
            break
        if PHASES[phase][0] == "shelves":
            rebuild_shop_shelf(entity.key.removeprefix("shop#"), only_if_stale=True)
        elif scoring.recalculate(entity, day, priors) and entity.kind == "product":
            moved_shelves.add(entity.shop_id)
        done += 1
    # once per shop and process, however many of its products moved
    for shop_id in sorted(moved_shelves - {None} - priors.stale_shelves_marked):
        shop_store.mark_shelf_stale(shop_id)
        priors.stale_shelves_marked.add(shop_id)
    if done < len(page):  # out of time: the rest of the page, from after the last one done
        resume = page[done - 1][1] if done else message["cursor"]
        # `handed_on` keeps this message's chunk mark apart from ours even when nothing was done
        send(SCORES_QUEUE, [{**message, "cursor": resume, "handed_on": now_ms()}])
    elif next_key:
        send(SCORES_QUEUE, [{**message, "cursor": next_key}])
    else:
        _shard_done(message, f"{message['kind']}#{message['shard']}")
    if aggregate_store.mark_processed(chunk_key, now_ms()):
        job_runs.chunk_done(run_id, done)
    return done


def _shard_done(message: dict, shard: str) -> None:
    run_id, phase = message["run_id"], message["phase"]
    finished = job_runs.shard_finished(run_id, phase, shard)
    if finished < len(PHASES[phase][1]) * ACTIVITY_SHARDS:
        return
    if phase + 1 < len(PHASES):
        # a duplicate start (a redelivered last chunk) is absorbed by the chunk marks
        _start_phase(run_id, message["day"], phase + 1, message["attempt"])
    else:
        job_runs.finish(run_id, now_ms())
        logger.info("score run finished", extra={"run_id": run_id})
