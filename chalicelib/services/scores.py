"""Reading the three scores, what they gate, creators and campaigns."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from chalicelib.auth import Principal, Role, require_owner, require_role
from chalicelib.domain import gates, ids
from chalicelib.domain.aggregation import creator_key, product_key, shop_key
from chalicelib.domain.clock import day_to_iso, from_datetime, now_ms, to_iso
from chalicelib.domain.numbers import (
    RATE_DECIMALS,
    SCORE_DECIMALS,
    SCORE_RATE_DECIMALS,
    count_or_weighted,
    rounded,
    whole,
)
from chalicelib.domain.score_display import format_score
from chalicelib.domain.scores import (
    DEFAULT_SCORE_CONFIG,
    Improvement,
    Loss,
    MetricResult,
    ScoreResult,
    biggest_losses,
    plan_to_reach,
)
from chalicelib.errors import Conflict, NotFound
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.services import catalog as catalog_service
from chalicelib.store import campaigns as campaign_store
from chalicelib.store import creators as creator_store
from chalicelib.store import scores as score_store

if TYPE_CHECKING:  # request models load with the first request body
    from chalicelib.schemas import scores as schemas

CONFIG = DEFAULT_SCORE_CONFIG
HISTORY_DAYS = 30


# --- reading scores ----------------------------------------------------------------------------

def shop_scores(shop_id: str, principal: Principal | None) -> dict:
    """Totals and dimensions for anyone; every metric, the history and what to improve for the
    shop's owner."""
    shop = catalog_service.get_shop(shop_id)
    is_owner = principal is not None and principal.user_id == shop.owner_id
    return {"shop_id": shop.shop_id,
            "store_experience": _score_view(shop_key(shop.shop_id), detailed=is_owner)}


def creator_scores(creator_id: str, principal: Principal | None) -> dict:
    creator = _creator(creator_id)
    is_self = principal is not None and principal.user_id == creator.creator_id
    return {"creator_id": creator.creator_id,
            "selling_reputation": _score_view(creator_key(creator.creator_id), detailed=is_self)}


def product_score(product_id: str) -> dict:
    return _score_view(product_key(product_id), detailed=False)


def _score_view(entity: str, detailed: bool) -> dict:
    stored = score_store.current(entity)
    if stored is None:
        return {"total": None, "display": format_score(None), "as_of": None,
                "sample_orders": 0, "dimensions": {}}
    result = ScoreResult.from_dict(stored)
    view = {
        "total": _score(result.total),
        "display": result.display,
        "as_of": day_to_iso(stored["day"]),
        "sample_orders": whole(result.sample_orders),  # unweighted, creators' too
        "dimensions": {name: {"points": _score(d.points), "weight": _share(d.weight)}
                       for name, d in result.dimensions.items()},
    }
    if detailed:
        view["metrics"] = {name: _metric_view(metric)
                           for name, metric in result.metrics.items()}
        view["biggest_losses"] = [_loss_view(loss) for loss in biggest_losses(result, CONFIG)]
        view["next_threshold"] = _next_step(result)
        view["history"] = [
            {"day": day_to_iso(snapshot["day"]), "total": _score(snapshot["total"]),
             "display": format_score(snapshot["total"])}
            for snapshot in score_store.history(entity, HISTORY_DAYS)]
    return view


# The breakdown is stored and used exact; answers round each figure to its kind's precision
# (chalicelib/domain/numbers.py): points 3 decimals, weights and efforts 4, rates 6.

def _score(value: float | None) -> float | None:
    return rounded(value, SCORE_DECIMALS)


def _share(value: float) -> float:
    return rounded(value, RATE_DECIMALS)


def _rate(value: float | None) -> float | None:
    return rounded(value, SCORE_RATE_DECIMALS)


def _metric_view(metric: MetricResult) -> dict:
    return {"value": _rate(metric.value), "smoothed": _rate(metric.smoothed),
            "points": _score(metric.points), "weight": _share(metric.weight),
            "dimension": metric.dimension,
            "numerator": count_or_weighted(metric.numerator),
            "denominator": count_or_weighted(metric.denominator),
            "higher_is_better": metric.higher_is_better}


def _improvement_view(step: Improvement) -> dict:
    return {"metric": step.metric, "dimension": step.dimension,
            "higher_is_better": step.higher_is_better, "rate": _rate(step.rate),
            "target_rate": _rate(step.target_rate), "change": _rate(step.change),
            "points": _score(step.points), "target_points": _score(step.target_points),
            "effort": _share(step.effort)}


def _loss_view(loss: Loss) -> dict:
    return {"metric": loss.metric, "dimension": loss.dimension, "points": _score(loss.points),
            "loss": _score(loss.loss), "gain": _score(loss.gain),
            "improvement": None if loss.improvement is None
            else _improvement_view(loss.improvement)}


def _next_step(result: ScoreResult) -> dict | None:
    """The next gate above the score, and the fewest metric changes that would reach it (one
    when one is enough)."""
    threshold = gates.next_threshold(result.total, CONFIG)
    if threshold is None or result.total is None:
        return None
    plan = plan_to_reach(result, threshold.value, CONFIG)
    return {**threshold.to_dict(), "plan": [_improvement_view(step) for step in plan]}


def shop_eligibility(shop_id: str) -> dict:
    shop = catalog_service.get_shop(shop_id)
    return {"shop_id": shop.shop_id, **gates.shop_eligibility(shop.score, CONFIG)}


# --- creators ----------------------------------------------------------------------------------

def create_creator(principal: Principal, request: schemas.CreatorCreate):
    require_role(principal, Role.CREATOR)
    creator = creator_store.Creator(creator_id=principal.user_id, name=request.name,
                                    bio=request.bio, avatar_url=request.avatar_url,
                                    created_at=now_ms())
    try:
        creator_store.create(creator)
    except creator_store.CreatorExists as error:
        raise Conflict("this creator exists already", code="creator_exists") from error
    return creator


def get_creator(creator_id: str):
    return _creator(creator_id)


def _creator(creator_id: str):
    creator = creator_store.get(creator_id)
    if creator is None:
        raise NotFound("creator not found", code="creator_not_found")
    return creator


def creator_view(creator) -> dict:
    return {"creator_id": creator.creator_id, "name": creator.name, "bio": creator.bio,
            "avatar_url": creator.avatar_url, "created_at": to_iso(creator.created_at),
            "score": creator.score, "score_display": format_score(creator.score),
            "eligibility": gates.creator_eligibility(creator.score, CONFIG)}


# --- campaigns ---------------------------------------------------------------------------------

def create_campaign(principal: Principal, request: schemas.CampaignCreate):
    require_role(principal, Role.OPS)
    major = request.kind == gates.MAJOR
    campaign = campaign_store.Campaign(
        campaign_id=ids.new_id("cp"), name=request.name, kind=request.kind,
        min_shop_score=_or(request.min_shop_score,
                           CONFIG.major_campaign_min if major else CONFIG.regular_campaign_min),
        min_product_score=request.min_product_score,
        min_creator_score=_or(request.min_creator_score, CONFIG.creator_campaign_min),
        starts_at=from_datetime(request.starts_at), ends_at=from_datetime(request.ends_at),
        created_at=now_ms())
    campaign_store.create(campaign)
    return campaign


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def campaign_view(campaign) -> dict:
    return {"campaign_id": campaign.campaign_id, "name": campaign.name, "kind": campaign.kind,
            "min_shop_score": campaign.min_shop_score,
            "min_product_score": campaign.min_product_score,
            "min_creator_score": campaign.min_creator_score,
            "starts_at": to_iso(campaign.starts_at), "ends_at": to_iso(campaign.ends_at)}


def open_campaigns(shop_id: str | None, limit: int, cursor: str | None):
    """Campaigns not yet ended, ending soonest first: (views, next cursor). With `shop_id`, each
    says whether that shop's score lets it enroll, and why."""
    scope = "campaigns"
    start_key = decode_cursor(scope, cursor)
    shop = catalog_service.get_shop(shop_id) if shop_id else None
    campaigns, next_key = campaign_store.list_open(now_ms(), limit, start_key)
    views = []
    for campaign in campaigns:
        view = campaign_view(campaign)
        if shop is not None:
            view["shop_eligibility"] = gates.campaign_eligibility(
                shop.score, campaign.kind, _campaign_config(campaign)).to_dict()
        views.append(view)
    return views, encode_cursor(scope, next_key)


def get_campaign(campaign_id: str):
    campaign = campaign_store.get(campaign_id)
    if campaign is None:
        raise NotFound("campaign not found", code="campaign_not_found")
    return campaign


def enroll(principal: Principal, campaign_id: str, request: schemas.EnrollmentCreate) -> dict:
    """Enroll a shop, one of its products, or a creator; refused with the reason when a score
    is under the campaign's threshold."""
    campaign = get_campaign(campaign_id)
    if campaign.ends_at <= now_ms():
        raise Conflict("the campaign has ended", code="campaign_ended")
    config = _campaign_config(campaign)
    if request.creator_id is not None:
        require_role(principal, Role.CREATOR)
        require_owner(principal, request.creator_id)
        entity, score = creator_key(request.creator_id), _creator(request.creator_id).score
        checks = [gates.campaign_eligibility(score, campaign.kind, config,
                                             subject=gates.CREATOR)]
    else:
        require_role(principal, Role.MERCHANT)
        entity, score, checks = _merchant_checks(principal, request, campaign, config)
    refused = [check for check in checks if not check.eligible]
    if refused:
        raise Conflict(refused[0].reason, code="not_eligible",
                       details=[check.to_dict() for check in refused])
    try:
        campaign_store.enroll(campaign_store.Enrollment(campaign.campaign_id, entity, score,
                                                        now_ms()))
    except campaign_store.AlreadyEnrolled as error:
        raise Conflict("enrolled already", code="already_enrolled") from error
    return {"campaign_id": campaign.campaign_id, "entity": entity, "score": score,
            "checks": [check.to_dict() for check in checks]}


def _merchant_checks(principal, request, campaign, config):
    if request.shop_id is not None:
        shop = catalog_service.owned_shop(principal, request.shop_id)
        return (shop_key(shop.shop_id), shop.score,
                [gates.campaign_eligibility(shop.score, campaign.kind, config)])
    product, shop = catalog_service.owned_product(principal, request.product_id)
    checks = [gates.campaign_eligibility(shop.score, campaign.kind, config)]
    if campaign.min_product_score is not None:
        checks.append(_product_check(product.score, campaign))
    return product_key(product.product_id), product.score, checks


def _product_check(score: float | None, campaign) -> gates.Eligibility:
    """The campaign's product threshold; a product without a score passes only regular ones."""
    needed = campaign.min_product_score
    if score is None:
        eligible = campaign.kind == gates.REGULAR
        return gates.Eligibility(
            eligible, f"no product score yet (暂无分): "
            f"{'eligible' if eligible else 'not eligible'} for this {campaign.kind} campaign",
            f"商品分暂无分:{'可参加' if eligible else '不可参加'}本活动", needed)
    if score >= needed:
        return gates.Eligibility(True, f"product score {format_score(score)} meets {needed:.1f}",
                                 f"商品分 {format_score(score)} 达到门槛 {needed:.1f}", needed)
    return gates.Eligibility(False, f"product score {format_score(score)} is below {needed:.1f}",
                             f"商品分 {format_score(score)} 低于门槛 {needed:.1f}", needed)


def _campaign_config(campaign):
    """The platform's gate rules with this campaign's own thresholds."""
    return replace(CONFIG, regular_campaign_min=campaign.min_shop_score,
                   major_campaign_min=campaign.min_shop_score,
                   creator_campaign_min=campaign.min_creator_score)

