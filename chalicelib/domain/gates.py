"""What the scores gate (docs/scores.md "What the scores gate"), as pure functions. No I/O.

Every threshold comes from ScoreConfig. Scores are compared as stored (3 decimals) with ≥, so a
score exactly on a threshold passes, and, because the shown score is floored to one decimal, a
score that *shows* 4.5 always passes a 4.5 gate and one that shows 4.4 never does.

A null score (暂无分: too few mature orders) is neutral, not low: a null shop keeps regular
campaigns (the new-shop support period) and the neutral traffic multiplier, but earns no
major-promotion place, no subsidy and no rights; a null creator is not barred from paid traffic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain import ranking
from chalicelib.domain.numbers import RATE_DECIMALS, SCORE_DECIMALS, rounded
from chalicelib.domain.ranking import DEFAULT_RANKING, RankingConfig
from chalicelib.domain.score_display import format_score
from chalicelib.domain.scores import DEFAULT_SCORE_CONFIG, ScoreConfig

SHOP, CREATOR, PRODUCT = "shop", "creator", "product"
REGULAR, MAJOR = "regular", "major"

_SCORE_NAMES = {
    SHOP: ("store experience score", "店铺体验分"),
    CREATOR: ("selling reputation score", "带货口碑分"),
    PRODUCT: ("product score", "商品分"),
}
_CAMPAIGN_NAMES = {REGULAR: ("regular campaigns", "常规活动"),
                   MAJOR: ("major promotions", "大促活动")}


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str  # English
    reason_zh: str
    threshold: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"eligible": self.eligible, "reason": self.reason, "reason_zh": self.reason_zh,
                "threshold": rounded(self.threshold, SCORE_DECIMALS)}


@dataclass(frozen=True)
class Threshold:
    value: float
    name: str  # the first lever the threshold unlocks
    unlocks: tuple[str, ...]  # every lever unlocked at this value

    def to_dict(self) -> dict[str, Any]:
        return {"value": rounded(self.value, SCORE_DECIMALS), "name": self.name,
                "unlocks": list(self.unlocks)}


def _check(subject: str, score: float | None, threshold: float, what: tuple[str, str],
           ) -> Eligibility:
    """score ≥ threshold, with the reason either way (a null score is handled by the caller)."""
    name, name_zh = _SCORE_NAMES[subject]
    shown, needed = format_score(score), f"{threshold:.1f}"
    if score is not None and score >= threshold:
        return Eligibility(True, f"{name} {shown} meets {needed} required for {what[0]}",
                           f"{name_zh} {shown} 达到{what[1]}门槛 {needed}", threshold)
    return Eligibility(False, f"{name} {shown} is below {needed} required for {what[0]}",
                       f"{name_zh} {shown} 低于{what[1]}门槛 {needed}", threshold)


def _null(subject: str, eligible: bool, threshold: float | None, what: tuple[str, str],
          why: tuple[str, str]) -> Eligibility:
    name, name_zh = _SCORE_NAMES[subject]
    verdict, verdict_zh = (("eligible for", "可参加") if eligible
                           else ("not eligible for", "不可享受"))
    return Eligibility(eligible, f"no {name} yet (暂无分): {verdict} {what[0]}, {why[0]}",
                       f"{name_zh}暂无分:{verdict_zh}{what[1]},{why[1]}", threshold)


# --- traffic -------------------------------------------------------------------------------------


def traffic_multiplier(score: float | None, ranking_config: RankingConfig = DEFAULT_RANKING,
                       ) -> float:
    """Q = 0.6 + 0.4·((score − 3) / 2), clamped; null → 0.9 (ranking.traffic_multiplier)."""
    return ranking.traffic_multiplier(score, ranking_config)


# --- campaigns -----------------------------------------------------------------------------------


def campaign_eligibility(score: float | None, campaign: str = REGULAR,
                         config: ScoreConfig = DEFAULT_SCORE_CONFIG, *,
                         subject: str = SHOP) -> Eligibility:
    """Regular campaigns need ≥ 4.0, major promotions ≥ 4.5; creators need ≥ 4.5 for both.
    Null: eligible for regular campaigns (support period, neutral), not for major ones."""
    if campaign not in _CAMPAIGN_NAMES:
        raise ValueError(f"campaign must be {REGULAR!r} or {MAJOR!r}")
    if subject == CREATOR:
        threshold = config.creator_campaign_min
    elif subject == SHOP:
        threshold = (config.regular_campaign_min if campaign == REGULAR
                     else config.major_campaign_min)
    else:
        raise ValueError("campaigns gate shops and creators")
    what = _CAMPAIGN_NAMES[campaign]
    if score is None:
        if campaign == REGULAR and config.null_regular_campaign_eligible:
            return _null(subject, True, threshold, what,
                         ("new accounts are supported until they have a score",
                          "新店扶持期内视为中性"))
        return _null(subject, False, threshold, what,
                     ("which need a score", "需要有评分"))
    return _check(subject, score, threshold, what)


# --- subsidy -------------------------------------------------------------------------------------

_SUBSIDY = ("platform coupons", "平台券补贴")


def subsidy_eligibility(product_score: float | None, shop_score: float | None,
                        config: ScoreConfig = DEFAULT_SCORE_CONFIG) -> Eligibility:
    """Platform coupons only for a product scoring ≥ 4.6 in a shop scoring ≥ 4.5; null → no."""
    shop = shop_subsidy_eligibility(shop_score, config)
    if not shop.eligible:
        return shop
    if product_score is None:
        return _null(PRODUCT, False, config.subsidy_product_min, _SUBSIDY,
                     ("which need a score", "需要有评分"))
    return _check(PRODUCT, product_score, config.subsidy_product_min, _SUBSIDY)


def shop_subsidy_eligibility(shop_score: float | None,
                             config: ScoreConfig = DEFAULT_SCORE_CONFIG) -> Eligibility:
    """The shop's side of the subsidy rule: its products may get coupons (if each scores ≥ 4.6)."""
    if shop_score is None:
        return _null(SHOP, False, config.subsidy_shop_min, _SUBSIDY,
                     ("which need a score", "需要有评分"))
    return _check(SHOP, shop_score, config.subsidy_shop_min, _SUBSIDY)


# --- rights --------------------------------------------------------------------------------------

_RIGHTS = {
    "badge": ("the quality badge", "优质标识"),
    "faster_settlement": ("faster settlement", "快速结算"),
    "instant_refunds": ("instant refunds", "极速退款"),
}
_PAID_TRAFFIC = ("paid traffic", "付费流量")


def rights(score: float | None, config: ScoreConfig = DEFAULT_SCORE_CONFIG, *,
           subject: str = SHOP) -> dict[str, Eligibility]:
    """≥ 4.8: badge, faster settlement, instant refunds (shops; creators: badge and faster
    settlement). Creators below 4.2: no paid traffic. Null earns no rights, and is not low: a
    null creator keeps paid traffic."""
    if subject not in (SHOP, CREATOR):
        raise ValueError("rights belong to shops and creators")
    names = ("badge", "faster_settlement", "instant_refunds") if subject == SHOP else (
        "badge", "faster_settlement")
    answer: dict[str, Eligibility] = {}
    for name in names:
        if score is None:
            answer[name] = _null(subject, False, config.rights_min, _RIGHTS[name],
                                 ("rights are earned with a score", "权益需凭评分获得"))
        else:
            answer[name] = _check(subject, score, config.rights_min, _RIGHTS[name])
    if subject == CREATOR:
        answer["paid_traffic"] = creator_paid_traffic(score, config)
    return answer


def creator_paid_traffic(score: float | None,
                         config: ScoreConfig = DEFAULT_SCORE_CONFIG) -> Eligibility:
    """A creator below 4.2 may not buy traffic; a null creator is not low, so it may."""
    if score is None:
        return _null(CREATOR, True, config.creator_paid_traffic_min, _PAID_TRAFFIC,
                     ("only a low score bars it", "仅低分受限"))
    return _check(CREATOR, score, config.creator_paid_traffic_min, _PAID_TRAFFIC)


# --- thresholds and summaries --------------------------------------------------------------------


def thresholds(config: ScoreConfig = DEFAULT_SCORE_CONFIG, *,
               subject: str = SHOP) -> list[tuple[float, str]]:
    """Every gate threshold of a subject, as (value, lever name), lowest first."""
    pairs = {
        SHOP: [(config.regular_campaign_min, "regular_campaign"),
               (config.major_campaign_min, "major_campaign"),
               (config.subsidy_shop_min, "subsidy"),
               (config.rights_min, "rights")],
        CREATOR: [(config.creator_paid_traffic_min, "paid_traffic"),
                  (config.creator_campaign_min, "campaigns"),
                  (config.rights_min, "rights")],
        PRODUCT: [(config.subsidy_product_min, "subsidy")],
    }[subject]
    return sorted(pairs, key=lambda pair: pair[0])


def next_threshold(score: float | None, config: ScoreConfig = DEFAULT_SCORE_CONFIG, *,
                   subject: str = SHOP) -> Threshold | None:
    """The lowest gate threshold strictly above the score, with what it unlocks. None when the
    score is above them all, or null (until the sample is reached there is nothing to aim at)."""
    if score is None:
        return None
    above = [(value, name) for value, name in thresholds(config, subject=subject) if value > score]
    if not above:
        return None
    value = above[0][0]
    unlocks = tuple(name for v, name in above if v == value)
    return Threshold(value=value, name=unlocks[0], unlocks=unlocks)


def shop_eligibility(shop_score: float | None, config: ScoreConfig = DEFAULT_SCORE_CONFIG,
                     ranking_config: RankingConfig = DEFAULT_RANKING) -> dict[str, Any]:
    """Every lever for a shop, JSON-ready."""
    nxt = next_threshold(shop_score, config)
    return {
        "score": rounded(shop_score, SCORE_DECIMALS),
        "display": format_score(shop_score),
        "traffic_multiplier": rounded(traffic_multiplier(shop_score, ranking_config),
                                      RATE_DECIMALS),
        "campaigns": {c: campaign_eligibility(shop_score, c, config).to_dict()
                      for c in (REGULAR, MAJOR)},
        "subsidy": shop_subsidy_eligibility(shop_score, config).to_dict(),
        "rights": {k: v.to_dict() for k, v in rights(shop_score, config).items()},
        "next_threshold": None if nxt is None else nxt.to_dict(),
    }


def creator_eligibility(creator_score: float | None,
                        config: ScoreConfig = DEFAULT_SCORE_CONFIG,
                        ranking_config: RankingConfig = DEFAULT_RANKING) -> dict[str, Any]:
    """Every lever for a creator, JSON-ready."""
    nxt = next_threshold(creator_score, config, subject=CREATOR)
    return {
        "score": rounded(creator_score, SCORE_DECIMALS),
        "display": format_score(creator_score),
        "traffic_multiplier": rounded(traffic_multiplier(creator_score, ranking_config),
                                      RATE_DECIMALS),
        "campaigns": {c: campaign_eligibility(creator_score, c, config, subject=CREATOR)
                      .to_dict() for c in (REGULAR, MAJOR)},
        "rights": {k: v.to_dict()
                   for k, v in rights(creator_score, config, subject=CREATOR).items()},
        "next_threshold": None if nxt is None else nxt.to_dict(),
    }
