"""The daily score recalculation: a job of the job runner (chalicelib.jobs.runner), which
chunks it, resumes it and fans it out through the jobs queue.

A run for day D lists the entities active in the 90-day window from the sharded activity index
(never all entities, never raw orders) and scores them in phases, each phase one message per
shard, each message one page of at most 100 entities, handing the rest of its shard on in a
continuation message:

  0. shops and creators   1. products (pulled toward their shop's new score)   2. shelf rebuilds

Every step is idempotent: scores are recomputed from the same counters and overwritten, and the
runner marks a chunk done after its work (a redelivered chunk is skipped), records finished
shards as a set, and starts a phase when the one before is complete. A crash anywhere means SQS
delivers the message again, and a rerun of the day gives exactly the same scores.
"""

from __future__ import annotations

from chalicelib.domain.aggregation import EntityInfo
from chalicelib.domain.clock import day_to_iso, iso_to_day, now_ms
from chalicelib.domain.scores import day_of
from chalicelib.jobs import runner
from chalicelib.jobs.runner import Job, Phase, RunContext
from chalicelib.services import scoring
from chalicelib.services.shelves import rebuild_shop_shelf
from chalicelib.store import aggregates as aggregate_store
from chalicelib.store import shops as shop_store
from chalicelib.store.aggregates import ACTIVITY_SHARDS


def start_run(day: int | None = None, force: bool = False) -> dict:
    """Start the run that scores as of `day`: by default the last complete UTC day, so every
    counter it reads is final and a rerun reads the same ones. A second start of a day is a
    no-op unless forced (ops rerunning on demand)."""
    return runner.start(JOB.name, {"day": None if day is None else day_to_iso(day)}, force)


def last_complete_day() -> int:
    return day_of(now_ms()) - 1


def _resolve(params: dict) -> dict:
    """{"day": "YYYY-MM-DD" or None}: the day filled in once, when the run starts."""
    day = params.get("day")
    return {"day": day_to_iso(last_complete_day()) if day is None else day}


def _day(ctx: RunContext) -> int:
    return iso_to_day(ctx.params["day"])


def _shards(*kinds: str):
    """`<kind>#<n>`: the activity index's shards of each kind."""
    shards = [f"{kind}#{shard}" for kind in kinds for shard in range(ACTIVITY_SHARDS)]
    return lambda ctx: shards


def _active(ctx: RunContext, shard: str, cursor: dict | None, limit: int):
    """One page of the entities of `<kind>#<n>` active in the window."""
    kind, _, number = shard.partition("#")
    since = _day(ctx) - scoring.CONFIG.window_days
    page, next_key = aggregate_store.active_entities(kind, int(number), since, limit, cursor)
    return page, next_key or None


def _priors(ctx: RunContext) -> scoring.PriorCache:
    return scoring.priors_for(ctx.run_id, ctx.attempt, _day(ctx))


def _score(ctx: RunContext, entity: EntityInfo) -> str | None:
    """Score the entity; the shop whose shelf moved with it (a product's), else None."""
    moved = scoring.recalculate(entity, _day(ctx), _priors(ctx))
    return entity.shop_id if moved and entity.kind == "product" else None


def _mark_moved_shelves(ctx: RunContext, moved_shops: list[str | None]) -> None:
    """Once per shop and process, however many of its products moved."""
    priors = _priors(ctx)
    for shop_id in sorted(set(moved_shops) - {None} - priors.stale_shelves_marked):
        shop_store.mark_shelf_stale(shop_id)
        priors.stale_shelves_marked.add(shop_id)


def _rebuild_shelf(ctx: RunContext, entity: EntityInfo) -> None:
    rebuild_shop_shelf(entity.key.removeprefix("shop#"), only_if_stale=True)


def _request_model():
    from chalicelib.schemas.scores import ScoreRunRequest

    return ScoreRunRequest


JOB = Job(
    name="scores",
    phases=(
        Phase("scores", _shards("shop", "creator"), _active, _score, _mark_moved_shelves),
        Phase("product_scores", _shards("product"), _active, _score, _mark_moved_shelves),
        Phase("shelves", _shards("shop"), _active, _rebuild_shelf),
    ),
    run_key=lambda params: str(iso_to_day(params["day"])),
    chunk_size=100,
    resolve=_resolve,
    request_model=_request_model,
)
