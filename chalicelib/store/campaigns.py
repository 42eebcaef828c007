"""Campaigns (活动) with their score thresholds, and who enrolled in them."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
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


class CampaignModel(Model):
    Meta = table_meta("campaigns")

    campaign_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    min_shop_score = NumberAttribute()
    min_product_score = NumberAttribute(null=True)
    min_creator_score = NumberAttribute()
    starts_at = NumberAttribute()
    ends_at = NumberAttribute()
    created_at = NumberAttribute()


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
