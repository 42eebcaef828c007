"""What the scores gate: traffic, campaigns, subsidy, rights, and the next threshold to aim at."""

import json
from dataclasses import replace

import pytest

from chalicelib.domain.gates import (
    campaign_eligibility,
    creator_eligibility,
    creator_paid_traffic,
    next_threshold,
    rights,
    shop_eligibility,
    shop_subsidy_eligibility,
    subsidy_eligibility,
    traffic_multiplier,
)
from chalicelib.domain.scores import DEFAULT_SCORE_CONFIG

CFG = DEFAULT_SCORE_CONFIG


@pytest.mark.parametrize(("score", "q"), [
    (None, 0.9),  # null is neutral
    (5.0, 1.0),  # 0.6 + 0.4·(2/2)
    (4.5, 0.9),  # 0.6 + 0.4·(1.5/2)
    (4.0, 0.8),
    (2.0, 0.4),  # 0.6 + 0.4·(−1/2)
    (0.0, 0.2),  # 0.6 + 0.4·(−3/2) = 0 → clamped to the floor 0.2
])
def test_traffic_multiplier(score, q):
    assert traffic_multiplier(score) == pytest.approx(q)


@pytest.mark.parametrize(("score", "campaign", "eligible"), [
    (4.0, "regular", True), (3.999, "regular", False),
    (4.5, "major", True), (4.499, "major", False), (4.0, "major", False),
    (None, "regular", True), (None, "major", False),
])
def test_shop_campaigns(score, campaign, eligible):
    answer = campaign_eligibility(score, campaign, CFG)
    assert answer.eligible is eligible
    assert answer.reason and answer.reason_zh


def test_campaign_reason_names_score_and_threshold():
    answer = campaign_eligibility(3.8, "regular", CFG)
    assert answer.reason == (
        "store experience score 3.8 is below 4.0 required for regular campaigns")
    assert answer.reason_zh == "店铺体验分 3.8 低于常规活动门槛 4.0"
    assert answer.threshold == 4.0
    # the reason shows the floored score: 3.999 shows 3.9, never a misleading 4.0
    assert "3.9 is below 4.0" in campaign_eligibility(3.999, "regular", CFG).reason
    ok = campaign_eligibility(4.5, "major", CFG)
    assert ok.reason == "store experience score 4.5 meets 4.5 required for major promotions"
    assert "暂无分" in campaign_eligibility(None, "major", CFG).reason


@pytest.mark.parametrize(("score", "campaign", "eligible"), [
    (4.5, "regular", True), (4.5, "major", True),
    (4.499, "regular", False), (4.499, "major", False),  # creators need 4.5 for both
    (None, "regular", True), (None, "major", False),
])
def test_creator_campaigns(score, campaign, eligible):
    answer = campaign_eligibility(score, campaign, CFG, subject="creator")
    assert answer.eligible is eligible
    if score is not None:
        assert answer.reason.startswith("selling reputation score")


def test_campaign_rejects_unknown_campaign_or_subject():
    with pytest.raises(ValueError):
        campaign_eligibility(4.0, "flash", CFG)
    with pytest.raises(ValueError):
        campaign_eligibility(4.0, "regular", CFG, subject="product")


def test_null_shop_regular_campaign_support_is_configurable():
    config = replace(CFG, null_regular_campaign_eligible=False)
    assert campaign_eligibility(None, "regular", config).eligible is False


def test_thresholds_come_from_the_config():
    config = replace(CFG, regular_campaign_min=3.5)
    assert campaign_eligibility(3.5, "regular", config).eligible
    assert not campaign_eligibility(3.5, "regular", CFG).eligible


@pytest.mark.parametrize(("product", "shop", "eligible", "blamed"), [
    (4.6, 4.5, True, "product score"),  # both exactly on their thresholds
    (4.599, 4.5, False, "product score 4.5 is below 4.6"),
    (4.6, 4.499, False, "store experience score 4.4 is below 4.5"),
    (None, 4.8, False, "no product score yet"),
    (4.9, None, False, "no store experience score yet"),
])
def test_subsidy(product, shop, eligible, blamed):
    answer = subsidy_eligibility(product, shop, CFG)
    assert answer.eligible is eligible
    assert blamed in answer.reason


def test_shop_side_of_subsidy():
    assert shop_subsidy_eligibility(4.5, CFG).eligible
    assert not shop_subsidy_eligibility(4.499, CFG).eligible
    assert not shop_subsidy_eligibility(None, CFG).eligible


@pytest.mark.parametrize(("score", "eligible"), [(4.8, True), (5.0, True), (4.799, False),
                                                 (None, False)])
def test_shop_rights(score, eligible):
    answer = rights(score, CFG)
    assert set(answer) == {"badge", "faster_settlement", "instant_refunds"}
    assert all(right.eligible is eligible for right in answer.values())


@pytest.mark.parametrize(("score", "paid"), [(4.2, True), (4.199, False), (None, True)])
def test_creator_paid_traffic(score, paid):
    assert creator_paid_traffic(score, CFG).eligible is paid
    assert rights(score, CFG, subject="creator")["paid_traffic"].eligible is paid


def test_creator_rights_at_4_8():
    top = rights(4.8, CFG, subject="creator")
    assert set(top) == {"badge", "faster_settlement", "paid_traffic"}
    assert all(r.eligible for r in top.values())
    mid = rights(4.5, CFG, subject="creator")
    assert not mid["badge"].eligible and mid["paid_traffic"].eligible


@pytest.mark.parametrize(("score", "subject", "value", "unlocks"), [
    (3.5, "shop", 4.0, ("regular_campaign",)),
    (4.0, "shop", 4.5, ("major_campaign", "subsidy")),  # strictly above: 4.0 is already met
    (4.6, "shop", 4.8, ("rights",)),
    (4.0, "creator", 4.2, ("paid_traffic",)),
    (4.2, "creator", 4.5, ("campaigns",)),
    (4.5, "product", 4.6, ("subsidy",)),
])
def test_next_threshold(score, subject, value, unlocks):
    nxt = next_threshold(score, CFG, subject=subject)
    assert nxt.value == value
    assert nxt.unlocks == unlocks
    assert nxt.name == unlocks[0]


def test_no_next_threshold_above_all_or_when_null():
    assert next_threshold(4.8, CFG) is None
    assert next_threshold(4.6, CFG, subject="product") is None
    assert next_threshold(None, CFG) is None


def test_shop_eligibility_summary():
    summary = shop_eligibility(4.5, CFG)
    assert json.loads(json.dumps(summary)) == summary  # JSON-ready
    assert summary["display"] == "4.5"
    assert summary["traffic_multiplier"] == pytest.approx(0.9)
    assert summary["campaigns"]["regular"]["eligible"] is True
    assert summary["campaigns"]["major"]["eligible"] is True
    assert summary["subsidy"]["eligible"] is True
    assert summary["rights"]["badge"]["eligible"] is False
    assert summary["next_threshold"] == {"value": 4.8, "name": "rights", "unlocks": ["rights"]}


def test_shop_eligibility_of_a_new_shop():
    summary = shop_eligibility(None, CFG)
    assert summary["display"] == "暂无分"
    assert summary["traffic_multiplier"] == pytest.approx(0.9)
    assert summary["campaigns"]["regular"]["eligible"] is True
    assert summary["campaigns"]["major"]["eligible"] is False
    assert summary["subsidy"]["eligible"] is False
    assert not any(r["eligible"] for r in summary["rights"].values())
    assert summary["next_threshold"] is None


def test_creator_eligibility_summary():
    summary = creator_eligibility(4.1, CFG)
    assert json.loads(json.dumps(summary)) == summary
    assert summary["rights"]["paid_traffic"]["eligible"] is False
    assert summary["campaigns"]["regular"]["eligible"] is False
    assert summary["next_threshold"]["name"] == "paid_traffic"


def test_gates_of_the_worked_example_shop():
    # docs/scores.md: the example shop keeps 4.707
    summary = shop_eligibility(4.707, CFG)
    assert summary["display"] == "4.7"
    assert summary["traffic_multiplier"] == pytest.approx(0.9414)  # 0.6 + 0.4·(1.707/2)
    assert summary["campaigns"]["major"]["eligible"] is True
    assert summary["subsidy"]["eligible"] is True
    assert summary["rights"]["instant_refunds"]["eligible"] is False
    assert summary["next_threshold"]["value"] == 4.8
