"""Campaigns (活动) with their score thresholds, and who enrolled in them."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.store.base import table_meta


@dataclass
class Campaign:
    campaign_id: str
    name: str
    kind: str  # regular | major
    min_shop_score: float
    min_product_score: float | None
    min_creator_score: float
    starts_at: int
    ends_at: int
    created_at: int


@dataclass
class Enrollment:
    campaign_id: str
    entity: str  # shop#… / product#… / creator#…
    score: float | None
    enrolled_at: int


LISTED = "campaign"  # the one partition of the by_end index: campaigns are few


class ByEnd(GlobalSecondaryIndex):
    """Campaigns by end time, to list the open ones (a handful at any time)."""

    class Meta:
        index_name = "by_end"
        projection = AllProjection()

    listed = UnicodeAttribute(hash_key=True)
    ends_at = NumberAttribute(range_key=True)


class CampaignModel(Model):
    Meta = table_meta("campaigns")

    campaign_id = UnicodeAttribute(hash_key=True)
    listed = UnicodeAttribute(default=LISTED)
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    min_shop_score = NumberAttribute()
    min_product_score = NumberAttribute(null=True)
    min_creator_score = NumberAttribute()
    starts_at = NumberAttribute()
    ends_at = NumberAttribute()
    created_at = NumberAttribute()

    by_end = ByEnd()


class EnrollmentModel(Model):
    Meta = table_meta("enrollments")

    campaign_id = UnicodeAttribute(hash_key=True)
    entity = UnicodeAttribute(range_key=True)
    score = NumberAttribute(null=True)
    enrolled_at = NumberAttribute()


class AlreadyEnrolled(Exception):
    pass


def create(campaign: Campaign) -> None:
    CampaignModel(campaign.campaign_id, **{k: v for k, v in vars(campaign).items()
                                           if k != "campaign_id"}).save(
        condition=CampaignModel.campaign_id.does_not_exist())


def get(campaign_id: str) -> Campaign | None:
    try:
        model = CampaignModel.get(campaign_id)
    except CampaignModel.DoesNotExist:
        return None
    return _to_domain(model)


def list_open(now: int, limit: int, start_key: dict | None):
    """One page of the campaigns not yet ended, ending soonest first: (campaigns, next key)."""
    results = CampaignModel.by_end.query(LISTED, CampaignModel.ends_at > now, limit=limit + 1,
                                         page_size=limit + 1, last_evaluated_key=start_key)
    models = list(results)
    if len(models) <= limit:
        return [_to_domain(m) for m in models], None
    last = models[limit - 1]
    next_key = {"campaign_id": {"S": last.campaign_id}, "listed": {"S": LISTED},
                "ends_at": {"N": str(int(last.ends_at))}}
    return [_to_domain(m) for m in models[:limit]], next_key


def _to_domain(model: CampaignModel) -> Campaign:
    return Campaign(
        campaign_id=model.campaign_id, name=model.name, kind=model.kind,
        min_shop_score=float(model.min_shop_score),
        min_product_score=None if model.min_product_score is None
        else float(model.min_product_score),
        min_creator_score=float(model.min_creator_score), starts_at=int(model.starts_at),
        ends_at=int(model.ends_at), created_at=int(model.created_at))


def enroll(enrollment: Enrollment) -> None:
    try:
        EnrollmentModel(enrollment.campaign_id, enrollment.entity, score=enrollment.score,
                        enrolled_at=enrollment.enrolled_at).save(
            condition=EnrollmentModel.entity.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise AlreadyEnrolled(enrollment.entity) from error
        raise
