"""The demo history `make run` loads: what the README promises about the demo shops' and
creators' scores, computed as the score job computes them (chalicelib.services.scoring.score:
shops over their window totals, creators over recency-weighted totals, both smoothed toward the
platform's totals)."""

from __future__ import annotations

import pytest

from chalicelib.domain.aggregation import PLATFORM, creator_key, shop_key
from chalicelib.domain.clock import now_ms
from chalicelib.domain.gates import REGULAR, campaign_eligibility
from chalicelib.domain.scores import (
    DEFAULT_SCORE_CONFIG,
    DailyCounters,
    creator_window_totals,
    day_of,
    score_creator,
    score_shop,
    window_totals,
)
from local.demo_data import SHOP_PLANS, build_demo_catalog
from local.demo_history import CREATOR_CATEGORIES, CREATORS, build_demo_history

TODAY = day_of(now_ms())
DAYS = [TODAY - 1, TODAY + 45, TODAY + 400]


@pytest.fixture(scope="module")
def catalog():
    return build_demo_catalog()


@pytest.fixture(scope="module")
def scores(catalog):
    return {day: _scores(catalog, day) for day in DAYS}


def _scores(catalog, as_of_day):
    history = build_demo_history(catalog, as_of_day)
    days: dict[str, list] = {}
    for (key, day), counters in history.counters.items():
        days.setdefault(key, []).append((day, DailyCounters.from_dict(dict(counters))))
    prior = window_totals(days[PLATFORM], as_of_day=as_of_day)
    shops = {plan.owner_id: score_shop(window_totals(days.get(shop_key(shop.shop_id), []),
                                                     as_of_day=as_of_day), prior).total
             for shop, plan in zip(catalog.shops, SHOP_PLANS, strict=True)}
    creators = {}
    for creator_id, _, _ in CREATORS:
        totals, sample = creator_window_totals(days.get(creator_key(creator_id), []),
                                               as_of_day=as_of_day)
        creators[creator_id] = score_creator(totals, prior, sample_orders=sample).total
    return shops, creators


@pytest.mark.parametrize("as_of_day", DAYS)
def test_most_shops_score_one_is_new_and_one_is_under_the_campaign_threshold(scores,
                                                                           as_of_day):
    shops, _ = scores[as_of_day]
    assert shops["m8"] is None  # the new shop: too few mature orders
    refused = [owner for owner, score in shops.items()
               if not campaign_eligibility(score, REGULAR).eligible]
    assert refused == ["m6"]  # the poor shop, and only it
    scored = [score for score in shops.values() if score is not None]
    assert len(scored) == len(shops) - 1
    assert all(score >= 4.05 for owner, score in shops.items() if score and owner != "m6")
    assert any(score >= 4.8 for score in scored)  # someone earns the rights


@pytest.mark.parametrize("as_of_day", DAYS)
def test_a_creator_clears_the_creator_campaign_threshold(scores, as_of_day):
    _, creators = scores[as_of_day]
    threshold = DEFAULT_SCORE_CONFIG.creator_campaign_min
    assert creators["c1"] >= threshold + 0.05  # 小鱼说海味 sells the best seafood shops' goods
    assert creators["c2"] < creators["c1"]  # 阿茶 also sells for the poor tea shop
    assert all(score is not None for score in creators.values())


def test_creators_promote_their_own_categories(catalog):
    import random

    from local.demo_history import _creator

    rng = random.Random(1)
    categories = {product.category for product in catalog.products}
    assert set(CREATOR_CATEGORIES) == {creator_id for creator_id, _, _ in CREATORS}
    for category in categories:
        picked = {_creator(category, rng) for _ in range(200)} - {None}
        assert picked == {c for c, promoted in CREATOR_CATEGORIES.items() if category in promoted}
    history = build_demo_history(catalog, TODAY - 1)
    kinds = {info.kind for info, _ in history.entities.values()}
    assert {creator_key(c) for c, _, _ in CREATORS} <= set(history.entities) and "creator" in kinds


def test_the_same_day_gives_the_same_history(catalog):
    first = build_demo_history(catalog, TODAY - 1)
    again = build_demo_history(catalog, TODAY - 1)
    assert first.counters == again.counters and first.entities == again.entities
    assert first.events > 5000
