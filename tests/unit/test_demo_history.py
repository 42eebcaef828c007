"""The demo history `make run` loads: what the README promises about the demo shops' scores."""

from __future__ import annotations

import pytest

from chalicelib.domain.aggregation import PLATFORM, shop_key
from chalicelib.domain.clock import now_ms
from chalicelib.domain.gates import REGULAR, campaign_eligibility
from chalicelib.domain.scores import DailyCounters, day_of, score_shop, window_totals
from local.demo_data import SHOP_PLANS, build_demo_catalog
from local.demo_history import build_demo_history

TODAY = day_of(now_ms())


@pytest.fixture(scope="module")
def catalog():
    return build_demo_catalog()


def shop_scores(catalog, as_of_day):
    history = build_demo_history(catalog, as_of_day)

    def totals(entity):
        days = [(day, DailyCounters.from_dict(dict(counters)))
                for (key, day), counters in history.counters.items() if key == entity]
        return window_totals(days, as_of_day=as_of_day)

    prior = totals(PLATFORM)
    return {plan.owner_id: score_shop(totals(shop_key(shop.shop_id)), prior).total
            for shop, plan in zip(catalog.shops, SHOP_PLANS, strict=True)}


@pytest.mark.parametrize("as_of_day", [TODAY - 1, TODAY + 45, TODAY + 400])
def test_most_shops_score_one_is_new_and_one_is_under_the_campaign_threshold(catalog,
                                                                           as_of_day):
    scores = shop_scores(catalog, as_of_day)
    assert scores["m8"] is None  # the new shop: too few mature orders
    refused = [owner for owner, score in scores.items()
               if not campaign_eligibility(score, REGULAR).eligible]
    assert refused == ["m6"]  # the poor shop, and only it
    scored = [score for score in scores.values() if score is not None]
    assert len(scored) == len(scores) - 1
    assert any(score >= 4.8 for score in scored)  # someone earns the rights


def test_the_same_day_gives_the_same_history(catalog):
    first = build_demo_history(catalog, TODAY - 1)
    again = build_demo_history(catalog, TODAY - 1)
    assert first.counters == again.counters and first.entities == again.entities
    assert first.events > 5000
