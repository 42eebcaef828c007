"""Reviews: a shopper rates a delivered order line; anyone reads a product's latest reviews."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from chalicelib.auth import Principal
from chalicelib.domain import ids
from chalicelib.domain.after_sales import REVIEWABLE_ORDER_STATES, Review, reviewed_product
from chalicelib.domain.clock import now_ms
from chalicelib.domain.events import EventType, order_event
from chalicelib.errors import Conflict, TooManyRequests
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.services import catalog as catalog_service
from chalicelib.services import orders as order_service
from chalicelib.store import reviews as review_store
from chalicelib.store.transactions import Contended

if TYPE_CHECKING:  # request models load with the first request body
    from chalicelib.schemas import aftercare as schemas


def post_review(principal: Principal, order_id: str, request: schemas.ReviewCreate) -> Review:
    """One review per order line, after delivery: review, order, rating and event together."""
    order = order_service.buyers_order(principal, order_id)
    line = order_service.order_line(order, request.line)
    if order.status not in REVIEWABLE_ORDER_STATES:
        raise Conflict(f"an order that is {order.status.value} cannot be reviewed yet",
                       code="not_delivered")
    if line.line in order.reviewed_lines:
        raise _already_reviewed()
    now = now_ms()
    review = Review(
        review_id=ids.new_id("r", now), product_id=reviewed_product(line),
        order_id=order.order_id, line=line.line, shop_id=order.shop_id,
        buyer_id=order.buyer_id, rating=request.rating, text=request.text,
        images=list(request.images), title=line.title, specs=dict(line.specs),
        created_at=now, sku_id=line.sku_id, bundle_id=line.bundle_id,
    )
    event = replace(
        order_event(EventType.REVIEW_POSTED, order, now, amount_fen=line.total_fen,
                    rating=request.rating, line=line.line, first_review=True,
                    bundle_id=line.bundle_id),
        product_ids=[review.product_id],
    )
    try:
        review_store.post_review(review, event)
    except review_store.AlreadyReviewed as error:
        raise _already_reviewed() from error
    except review_store.NotReviewable as error:
        raise Conflict("the order changed meanwhile; read it again",
                       code="order_state_changed") from error
    except Contended as error:  # many reviews of one product at once: its rating is one item
        raise TooManyRequests("too many reviews of this product right now; try again",
                              code="contended") from error
    return review


def product_reviews(product_id: str, limit: int, cursor: str | None):
    """A visible product's reviews, latest first: (reviews, next cursor)."""
    scope = f"reviews:{product_id}"
    start_key = decode_cursor(scope, cursor)
    catalog_service.product_page(product_id)  # 404 unless shoppers may see the product
    reviews, next_key = review_store.list_reviews(product_id, limit, start_key)
    return reviews, encode_cursor(scope, next_key)


def _already_reviewed() -> Conflict:
    return Conflict("this order line has been reviewed already", code="already_reviewed")
