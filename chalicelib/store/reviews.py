"""The reviews table: one item per review under the product it rates, latest first.

Key: product_id (hash), review_id (range, time-ordered), so a product's latest reviews are one
Query read backwards. A bundle line's review is filed under the bundle's FIRST part product and
records the bundle id (one review per order line, never copied to every part).

Posting a review is one TransactWriteItems: the review, the order's `reviewed_lines` (guarded on
the order's state and on the line not being reviewed yet), the product's running `rating` totals
and the REVIEW_POSTED event. A raced duplicate fails the order's condition and writes nothing.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.domain.after_sales import REVIEWABLE_ORDER_STATES, Review, is_low_rating
from chalicelib.domain.events import Event
from chalicelib.store import events as event_store
from chalicelib.store.base import table_meta
from chalicelib.store.orders import OrderModel
from chalicelib.store.products import ProductModel
from chalicelib.store.transactions import run_transaction


class ReviewModel(Model):
    Meta = table_meta("reviews")

    product_id = UnicodeAttribute(hash_key=True)
    review_id = UnicodeAttribute(range_key=True)
    order_id = UnicodeAttribute()
    line = NumberAttribute()
    shop_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    rating = NumberAttribute()
    text = UnicodeAttribute(default="")
    images = ListAttribute(of=UnicodeAttribute, default=list)
    title = UnicodeAttribute()
    specs = MapAttribute(default=dict)
    sku_id = UnicodeAttribute(null=True)
    bundle_id = UnicodeAttribute(null=True)
    created_at = NumberAttribute()


class AlreadyReviewed(Exception):
    """The line was reviewed meanwhile (a raced duplicate)."""


class NotReviewable(Exception):
    """The order left the reviewable states meanwhile, or the product is gone."""


# --- mapping -----------------------------------------------------------------------------------

def to_domain(model: ReviewModel) -> Review:
    return Review(
        review_id=model.review_id,
        product_id=model.product_id,
        order_id=model.order_id,
        line=int(model.line),
        shop_id=model.shop_id,
        buyer_id=model.buyer_id,
        rating=int(model.rating),
        text=model.text,
        images=list(model.images),
        title=model.title,
        specs=dict(model.specs.as_dict()),
        created_at=int(model.created_at),
        sku_id=model.sku_id,
        bundle_id=model.bundle_id,
    )


def from_domain(review: Review) -> ReviewModel:
    fields = vars(review).copy()
    product_id, review_id = fields.pop("product_id"), fields.pop("review_id")
    return ReviewModel(product_id, review_id, **fields)


# --- reads -------------------------------------------------------------------------------------

def list_reviews(product_id: str, limit: int, start_key: dict | None):
    """One page of a product's reviews, latest first: (reviews, next key)."""
    results = ReviewModel.query(product_id, scan_index_forward=False, limit=limit + 1,
                                page_size=limit + 1, last_evaluated_key=start_key)
    models = list(results)
    if len(models) <= limit:
        return [to_domain(m) for m in models], None
    last = models[limit - 1]
    next_key = {"product_id": {"S": product_id}, "review_id": {"S": last.review_id}}
    return [to_domain(m) for m in models[:limit]], next_key


# --- writes ------------------------------------------------------------------------------------

def post_review(review: Review, event: Event) -> None:
    """Review, order's reviewed line, product rating and event in one transaction."""
    reviewed = OrderModel.reviewed_lines
    order_guard = (OrderModel.status.is_in(*(s.value for s in REVIEWABLE_ORDER_STATES))
                   & ~reviewed.contains(review.line))
    rating = ProductModel.rating
    rating_actions = [rating.count.add(1), rating.total_stars.add(review.rating)]
    if is_low_rating(review.rating):
        rating_actions.append(rating.low_count.add(1))

    def build(tx):
        tx.save(from_domain(review), condition=ReviewModel.review_id.does_not_exist())
        tx.update(OrderModel(review.order_id),
                  actions=[reviewed.add({review.line})],
                  condition=order_guard, return_values="ALL_OLD")
        tx.update(ProductModel(review.product_id), actions=rating_actions,
                  condition=ProductModel.product_id.exists())
        event_store.save_in(tx, event)

    run_transaction(build, on_condition_failed=lambda reasons: _raise_refused(reasons, review))


def _raise_refused(reasons, review: Review) -> None:
    # Only the order's update returns its item when its condition fails.
    for reason in reasons:
        if reason and reason.code == "ConditionalCheckFailed" and reason.raw_item:
            order = OrderModel.from_raw_data(reason.raw_item)
            if review.line in {int(n) for n in (order.reviewed_lines or ())}:
                raise AlreadyReviewed()
    raise NotReviewable()
