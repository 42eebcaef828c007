"""Request models for live sessions, videos, the post-stream report and job."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from chalicelib.domain.ids import ID_BODY
from chalicelib.domain.live import MAX_ANCHORS, MAX_SESSION_PRODUCTS
from chalicelib.schemas.behaviour import ProductId, ScenesReportParams
from chalicelib.schemas.common import RequestModel, text
from chalicelib.schemas.orders import Instant, OptionalId
from chalicelib.schemas.search import ShopId

LIVE_PREFIX, VIDEO_PREFIX = "lv", "vd"
LiveId = Annotated[str, StringConstraints(pattern=rf"^{LIVE_PREFIX}{ID_BODY}$")]
Day = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]


def _distinct(values: list[str], name: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"{name} are listed more than once")


class LiveSessionCreate(RequestModel):
    """A shop's self-broadcast (`shop_id`, by its merchant) or a creator's own stream
    (`creator_id`: the caller's id); `started_at` defaults to now."""

    title: text(100)
    shop_id: ShopId | None = None
    creator_id: OptionalId = None
    products: Annotated[list[ProductId], Field(min_length=1, max_length=MAX_SESSION_PRODUCTS)]
    started_at: Instant | None = None

    @model_validator(mode="after")
    def _one_owner(self):
        if (self.shop_id is None) == (self.creator_id is None):
            raise ValueError("give exactly one of shop_id or creator_id")
        _distinct(self.products, "products")
        return self


class LiveSessionEnd(RequestModel):
    ended_at: Instant | None = None  # default: now


class VideoCreate(RequestModel):
    title: text(100)
    anchors: Annotated[list[ProductId], Field(min_length=1, max_length=MAX_ANCHORS)]
    shop_id: ShopId | None = None  # the storefront link
    live_id: LiveId | None = None  # the session it was cut from

    @model_validator(mode="after")
    def _distinct_anchors(self):
        _distinct(self.anchors, "anchors")
        return self


class PostStreamReportParams(ScenesReportParams):
    """from / to (business days, YYYY-MM-DD): default the last 7 days to today, ≤ 92 days."""


class PostStreamJobRequest(RequestModel):
    """`POST /ops/jobs/post-stream`: one business day; none: from the watermark to today."""

    day: Day | None = None
