"""Request models for reviews, after-sales cases and customer-service session reports."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StrictInt, StringConstraints

from chalicelib.domain.after_sales import CaseReason, CaseType
from chalicelib.domain.orders import MAX_LINE_QUANTITY
from chalicelib.schemas.common import Fen, RequestModel, text
from chalicelib.schemas.orders import Instant, OptionalId

MAX_REVIEW_IMAGES = 9
LineNumber = Annotated[StrictInt, Field(ge=0, le=1000, description="the order line number")]
ReviewText = text(500, min_length=0)  # a module name: the field below is called `text`
HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=500)]


class ReviewCreate(RequestModel):
    line: LineNumber
    rating: Annotated[StrictInt, Field(ge=1, le=5)]
    text: ReviewText = ""
    images: Annotated[list[HttpsUrl], Field(max_length=MAX_REVIEW_IMAGES)] = Field(
        default_factory=list)


class AfterSalesCreate(RequestModel):
    line: LineNumber
    type: Annotated[CaseType, Field(strict=False)]
    reason: Annotated[CaseReason, Field(strict=False)]
    amount_fen: Fen
    # units sent back with a return_refund case (default: the whole line); not for refunds
    quantity: Annotated[StrictInt, Field(ge=1, le=MAX_LINE_QUANTITY)] | None = None
    description: text(500, min_length=0) = ""


class RejectRequest(RequestModel):
    reason: text(500)


class EscalateRequest(RequestModel):
    reason: text(500)


class RuleRequest(RequestModel):
    seller_fault: StrictBool
    note: text(500)


class ServiceSessionReport(RequestModel):
    session_id: text(80)
    buyer_id: OptionalId = None
    started_at: Instant
    first_reply_at: Instant
    human_reply_at: Instant | None = None
    resolved: StrictBool
