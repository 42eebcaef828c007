"""Request models for behaviour events: the batch, and each event (validated one by one, so a
bad event is rejected alone); and the scene report parameters."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StrictInt, StringConstraints, field_validator

from chalicelib.domain.behaviour import MAX_EVENTS_PER_BATCH, EventKind, parse_instant
from chalicelib.domain.orders import Scene
from chalicelib.schemas.common import RequestModel
from chalicelib.schemas.search import QueryParams, ShopId

EventId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
ProductId = Annotated[str, StringConstraints(
    pattern=r"^s[0-9a-hjkmnp-tv-z]{20}\.p[0-9a-hjkmnp-tv-z]{20}$")]
# ids of things this service does not own (videos, lives, creators, feed answers): any short
# token, so the raw event stays one 1 KB write unit
ForeignId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:#-]{1,64}$")]


class EventsBody(RequestModel):
    # items are checked one by one (EventIn), so one bad event does not sink the batch
    events: Annotated[list[Any], Field(max_length=MAX_EVENTS_PER_BATCH)]


# where an app event can happen: every order scene but `direct`, which is the absence of one
EventScene = StrEnum("EventScene", {scene.name: scene.value for scene in Scene
                                    if scene is not Scene.DIRECT})


class EventIn(RequestModel):
    event_id: EventId
    type: Annotated[EventKind, Field(strict=False)]
    scene: Annotated[EventScene, Field(strict=False)]
    at: Annotated[str, StringConstraints(min_length=10, max_length=40)]
    product_id: ProductId | None = None
    shop_id: ShopId | None = None
    video_id: ForeignId | None = None
    live_id: ForeignId | None = None
    creator_id: ForeignId | None = None
    position: Annotated[StrictInt, Field(ge=0, le=100_000)] | None = None
    request_id: ForeignId | None = None
    query: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None

    @field_validator("at")
    @classmethod
    def _instant(cls, value: str) -> str:
        parse_instant(value)  # ValueError → a field error on `at`
        return value


class ScenesReportParams(QueryParams):
    first: Annotated[str, StringConstraints(max_length=40)] | None = Field(None, alias="from")
    last: Annotated[str, StringConstraints(max_length=40)] | None = Field(None, alias="to")
