"""Recalculating one entity's score from its daily counters, and copying it where it is read.

Reads only aggregates (never raw orders): one Query for the entity's window, one for its prior
(category or platform, cached per run), then one write of the current score and the day's
snapshot, and one update of the shop, product or creator item that pages read.
"""

from __future__ import annotations

from chalicelib.domain import scores as formulas
from chalicelib.domain.aggregation import PLATFORM, EntityInfo, category_key, shop_key
from chalicelib.store import aggregates as aggregate_store
from chalicelib.store import creators as creator_store
from chalicelib.store import products as product_store
from chalicelib.store import scores as score_store
from chalicelib.store import shops as shop_store

CONFIG = formulas.DEFAULT_SCORE_CONFIG


class PriorCache:
    """Category and platform totals for one as-of day, read once per process and run."""

    def __init__(self, day: int):
        self.day = day
        self._totals: dict[str, formulas.DailyCounters] = {}

    def totals(self, entity: str) -> formulas.DailyCounters:
        if entity not in self._totals:
            self._totals[entity] = window(entity, self.day)
        return self._totals[entity]


def _days(entity: str, day: int) -> list:
    first = day - CONFIG.window_days
    return [(number, formulas.DailyCounters.from_dict(counters))
            for number, counters in aggregate_store.days_of(entity, first, day)]


def window(entity: str, day: int) -> formulas.DailyCounters:
    return formulas.window_totals(_days(entity, day), as_of_day=day, config=CONFIG)


def recalculate(entity: EntityInfo, day: int, priors: PriorCache) -> formulas.ScoreResult:
    """Score one entity as of `day`, store it, and copy the total onto the item pages read."""
    if entity.kind == "shop":
        result = formulas.score_shop(window(entity.key, day), priors.totals(PLATFORM), CONFIG)
        shop_store.set_score(entity.key.removeprefix("shop#"), result.total)
    elif entity.kind == "creator":
        totals, sample = formulas.creator_window_totals(_days(entity.key, day), as_of_day=day,
                                                        config=CONFIG)
        result = formulas.score_creator(totals, priors.totals(PLATFORM), CONFIG,
                                        sample_orders=sample)
        creator_store.set_score(entity.key.removeprefix("creator#"), result.total)
    elif entity.kind == "product":
        prior = priors.totals(category_key(entity.category) if entity.category else PLATFORM)
        shop_score = (score_store.current(shop_key(entity.shop_id)) or {}).get("total") if (
            entity.shop_id) else None
        result = formulas.score_product(window(entity.key, day), prior, shop_score, CONFIG)
        product_store.set_score(entity.key.removeprefix("product#"), result.total)
    else:
        raise ValueError(f"no score for {entity.kind} entities")
    score_store.save(entity.key, day, result.total, result.to_dict())
    return result
