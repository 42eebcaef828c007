"""Request models for creators, campaigns and ops job runs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from chalicelib.domain import clock
from chalicelib.schemas.common import RequestModel, Url, text
from chalicelib.schemas.orders import Instant


def _one_decimal(value: float) -> float:
    # Shown scores are floored to one decimal, so a threshold with one decimal is passed by
    # exactly the scores that show at least it (docs/scores.md); 4.55 would split "4.5".
    if round(value, 1) != value:
        raise ValueError("a score threshold has at most one decimal")
    return value


Score = Annotated[float, Field(ge=0, le=5, strict=False, description="0–5, at most one decimal"),
                AfterValidator(_one_decimal)]


class CreatorCreate(RequestModel):
    name: text(30)
    bio: text(500, min_length=0) = ""
    avatar_url: Url | None = None


class CampaignCreate(RequestModel):
    name: text(60)
    kind: Literal["regular", "major"]
    # thresholds default to the platform gates of the kind (docs/scores.md) when not given
    min_shop_score: Score | None = None
    min_product_score: Score | None = None
    min_creator_score: Score | None = None
    starts_at: Instant
    ends_at: Instant

    @model_validator(mode="after")
    def _ends_after_start(self):
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class EnrollmentCreate(RequestModel):
    shop_id: text(40) | None = None
    product_id: text(80) | None = None
    creator_id: text(80) | None = None

    @model_validator(mode="after")
    def _exactly_one(self):
        if sum(value is not None for value in (self.shop_id, self.product_id,
                                               self.creator_id)) != 1:
            raise ValueError("give exactly one of shop_id, product_id or creator_id")
        return self


class ScoreRunRequest(RequestModel):
    # the as-of day (a complete UTC day, YYYY-MM-DD); default: yesterday
    day: Annotated[date, Field(strict=False)] | None = None

    @field_validator("day")
    @classmethod
    def _complete_day(cls, day: date | None) -> date | None:
        today = datetime.fromtimestamp(clock.now_ms() / 1000, tz=UTC).date()  # test clock too
        if day is not None and day >= today:
            raise ValueError("day must be a complete day: yesterday or earlier")
        return day
