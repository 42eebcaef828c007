"""The post-stream job: per business day, each ended session's night row of tail GMV and each
shop's day row, on the shared job runner (docs/post-stream.md). Hourly in AWS (and the local
stack); `POST /ops/jobs/post-stream` with an optional `{"day": "YYYY-MM-DD"}`.

    days       one chunk per business day → services.post_stream.sum_day (reads that day's
               tail index, the videos it names and the sessions they were cut from; overwrites
               the day's night and shop rows)
    watermark  one chunk: the last complete day is now processed (scheduled-style runs only)

Which days: `day` alone, when given. Otherwise from the day after the watermark (the last day
a run processed after it was complete) to today, at most CATCH_UP_DAYS; the first run ever
covers the last MAX_NIGHT + 1 days. So the first run of a new day gives yesterday its final
pass, today is reported as far as it has gone (each hourly run recomputes it), and after the
test clock skips a week one run covers the whole week.

Idempotent: a day's rows are recomputed from the index and overwritten, so a chunk run twice
writes the same; the watermark only moves forward. A run is named by its days and the hour it
started in, so the scheduler starts one run per hour (ops runs are forced reruns).
"""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.domain.clock import business_day, now_ms
from chalicelib.domain.live import MAX_NIGHT, day_range
from chalicelib.errors import Unprocessable
from chalicelib.jobs import runner
from chalicelib.jobs.runner import Job, Phase, RunContext

JOB_NAME = "post-stream"
CATCH_UP_DAYS = 92  # a run never covers more (the index keeps 120 days)
HOUR_MS = 60 * 60 * 1000


def start_scheduled() -> dict:
    """Scheduled: the run from the watermark to today; a second start in the same hour is a
    no-op."""
    return runner.start(JOB_NAME, {})


def _shifted(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def _resolve(params: dict) -> dict:
    """The days fixed once at the start, so every chunk of the run sees the same."""
    from chalicelib.store import tail as tail_store

    now = now_ms()
    today = business_day(now)
    slot = now // HOUR_MS
    day = params.get("day")
    if day is not None:
        _check_day(day, today)
        return {"day": day, "from": day, "to": day, "watermark": None, "slot": slot}
    mark = tail_store.watermark()
    first = _shifted(mark, 1) if mark else _shifted(today, -MAX_NIGHT)
    first = min(max(first, _shifted(today, 1 - CATCH_UP_DAYS)), today)
    return {"day": None, "from": first, "to": today, "watermark": _shifted(today, -1),
            "slot": slot}


def _check_day(day: str, today: str) -> None:
    try:
        valid = date.fromisoformat(day).isoformat() == day
    except ValueError:
        valid = False
    if not valid or day > today:
        message = "day must be a business day YYYY-MM-DD, not after today"
        raise Unprocessable(message, details=[{"field": "day", "message": message}])


def _days(ctx: RunContext) -> list[str]:
    return day_range(ctx.params["from"], ctx.params["to"])


def _one(ctx: RunContext, shard, cursor, limit: int):
    """A shard is one item: the day itself (or the watermark step)."""
    return [(shard, None)], None


def _sum_day(ctx: RunContext, day: str) -> dict:
    from chalicelib.services import post_stream

    return post_stream.sum_day(day)


def _watermark_shards(ctx: RunContext) -> list[str]:
    return [ctx.params["watermark"]] if ctx.params["watermark"] else []


def _advance(ctx: RunContext, day: str) -> bool:
    from chalicelib.store import tail as tail_store

    return tail_store.advance_watermark(day)


def _request_model():
    from chalicelib.schemas.live import PostStreamJobRequest

    return PostStreamJobRequest


JOB = Job(
    name=JOB_NAME,
    phases=(
        Phase("days", _days, _one, _sum_day),
        Phase("watermark", _watermark_shards, _one, _advance),
    ),
    run_key=lambda params: f"{params['from']}_{params['to']}_{params['slot']}",
    chunk_size=1,
    resolve=_resolve,
    request_model=_request_model,
)
