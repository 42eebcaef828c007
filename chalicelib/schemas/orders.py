"""Request models for carts, checkout, payments, shipping and carrier events."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StrictBool, StrictInt, model_validator

from chalicelib.domain.orders import MAX_LINE_QUANTITY, Scene
from chalicelib.schemas.common import RequestModel, text

Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_LINE_QUANTITY)]
CartQuantity = Annotated[StrictInt, Field(ge=0, le=MAX_LINE_QUANTITY)]
# ISO 8601 with a zone, e.g. "2026-11-25T08:00:00Z" (strict mode would demand a datetime object)
Instant = Annotated[AwareDatetime, Field(strict=False)]
OptionalId = Annotated[str, Field(min_length=1, max_length=80)] | None


class CartLinePut(RequestModel):
    quantity: CartQuantity


class CheckoutLine(RequestModel):
    sku_id: OptionalId = None
    bundle_id: OptionalId = None
    quantity: Quantity

    @model_validator(mode="after")
    def _one_target(self):
        if (self.sku_id is None) == (self.bundle_id is None):
            raise ValueError("give exactly one of sku_id or bundle_id")
        return self


class SourceIn(RequestModel):
    scene: Annotated[Scene, Field(strict=False)]
    video_id: OptionalId = None
    live_id: OptionalId = None
    creator_id: OptionalId = None


class CheckoutRequest(RequestModel):
    # The line limit is the transaction's, checked after duplicate lines merge (400 there).
    items: list[CheckoutLine] | None = None
    from_cart: StrictBool = False
    # where the shopper came from; omitted: no traffic source (a typed or shared link), which
    # attribution counts as direct unless a recent click decides the line
    source: SourceIn = Field(default_factory=lambda: SourceIn(scene=Scene.DIRECT))

    @model_validator(mode="after")
    def _items_or_cart(self):
        if self.from_cart == bool(self.items):
            raise ValueError("give items, or from_cart: true, not both")
        return self


class CancelRequest(RequestModel):
    reason: text(200, min_length=0) = ""


class ShipRequest(RequestModel):
    carrier: text(40)
    tracking_number: text(60)


class PaymentCallback(RequestModel):
    event_id: text(80)
    payment_id: text(80)
    order_id: text(80)
    status: Literal["succeeded", "failed"]
    amount_fen: StrictInt


class CarrierEvent(RequestModel):
    event_id: text(80)
    order_id: text(80)
    tracking_number: text(60)
    type: Literal["collected", "delivered"]
    at: Instant
