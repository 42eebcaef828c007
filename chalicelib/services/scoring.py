"""Recalculating one entity's score from its daily counters, and copying it where it is read.

Reads only aggregates (never raw orders): one Query for the entity's window, and what all
entities share (category and platform priors, shop scores for products) once per process and
run; then two PutItems (the day's snapshot, the current score) and one UpdateItem of the shop,
product or creator item that pages read.
"""

from __future__ import annotations

from chalicelib.domain import scores as formulas
from chalicelib.domain.aggregation import PLATFORM, EntityInfo, category_key, shop_key
from chalicelib.domain.clock import now_ms
from chalicelib.store import aggregates as aggregate_store
from chalicelib.store import creators as creator_store
from chalicelib.store import products as product_store
from chalicelib.store import scores as score_store
from chalicelib.store import shops as shop_store

CONFIG = formulas.DEFAULT_SCORE_CONFIG


class PriorCache:
    """What every entity of a run reads alike, read once per process and run: category and
    platform totals, and shop scores for their products; and the shops whose shelves this
    process has marked stale already."""

    def __init__(self, day: int):
        self.day = day
        self._totals: dict[str, formulas.DailyCounters] = {}
        self._shop_totals: dict[str, float | None] = {}
        self.stale_shelves_marked: set[str] = set()  # shops this process marked in this run

    def totals(self, entity: str) -> formulas.DailyCounters:
        if entity not in self._totals:
            self._totals[entity] = window(entity, self.day)
        return self._totals[entity]

    def shop_total(self, shop_id: str) -> float | None:
        """The shop's score of the same day, which products lean on: phase 0 wrote it before
        any product is scored, so it is read once (also right when backfilling an old day)."""
        if shop_id not in self._shop_totals:
            snapshot = score_store.snapshot(shop_key(shop_id), self.day)
            self._shop_totals[shop_id] = snapshot["total"] if snapshot else None
        return self._shop_totals[shop_id]


_run_priors: dict[tuple, PriorCache] = {}


def priors_for(run_id: str, attempt: int, day: int) -> PriorCache:
    """The priors of one run attempt, shared by every chunk a warm Lambda handles for it (one
    Query per category per process instead of one per chunk). Only the newest run is kept."""
    key = (run_id, attempt, day)
    if key not in _run_priors:
        _run_priors.clear()
        _run_priors[key] = PriorCache(day)
    return _run_priors[key]


def _days(entity: str, day: int) -> list:
    first = day - CONFIG.window_days
    return [(number, formulas.DailyCounters.from_dict(counters))
            for number, counters in aggregate_store.days_of(entity, first, day)]


def window(entity: str, day: int) -> formulas.DailyCounters:
    return formulas.window_totals(_days(entity, day), as_of_day=day, config=CONFIG)


def recalculate(entity: EntityInfo, day: int, priors: PriorCache) -> bool:
    """Score one entity as of `day`, store it, and copy the total onto the item pages read
    (only when it is the entity's newest score: a backfilled old day changes history alone).
    True when the copy changed the item."""
    result = score(entity, day, priors)
    if score_store.save(entity.key, day, result.total, result.to_dict()):
        return _copy_to_item(entity, result.total)
    return False


def score(entity: EntityInfo, day: int, priors: PriorCache) -> formulas.ScoreResult:
    if entity.kind == "shop":
        return formulas.score_shop(window(entity.key, day), priors.totals(PLATFORM), CONFIG)
    if entity.kind == "creator":
        totals, sample = formulas.creator_window_totals(_days(entity.key, day), as_of_day=day,
                                                        config=CONFIG)
        return formulas.score_creator(totals, priors.totals(PLATFORM), CONFIG,
                                      sample_orders=sample)
    if entity.kind == "product":
        prior = priors.totals(category_key(entity.category) if entity.category else PLATFORM)
        shop_score = priors.shop_total(entity.shop_id) if entity.shop_id else None
        return formulas.score_product(window(entity.key, day), prior, shop_score, CONFIG)
    raise ValueError(f"no score for {entity.kind} entities")


def _copy_to_item(entity: EntityInfo, total: float | None) -> bool:
    """Copy the total where pages read it; True when it changed (nothing is written when not).
    A changed shop score marks the shop's shelf stale itself; the job marks the shops of
    changed products, once each per chunk."""
    entity_id = entity.key.split("#", 1)[1]
    if entity.kind == "shop":
        return shop_store.set_score(entity_id, total)
    if entity.kind == "creator":
        creator_store.set_score(entity_id, total)
        return False  # no shelf shows creators
    return product_store.set_score(entity_id, total, now_ms())
