"""Bulk loaders for the demo shoppers' orders and reviews (`local.demo_shoppers`).

The API writes an order through several transactions (place, pay, ship, deliver, complete) and a
review in one with its order and product; at demo volume on moto that takes minutes, so these
write the final items directly with batch writes, through the stores' own models and mappings:
what a demo shopper's `GET /orders` and a product's `GET /products/{id}/reviews` then read is
what the API would have written. No events are written: the demo history's counters
(`local.demo_history`), the behaviour and purchase tables (their stores' bulk loaders) already
stand for them. Only into empty tables (nothing here reads before writing).

Set the environment before importing this module, as for `local.seed`.
"""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.domain.after_sales import Review
from chalicelib.domain.catalog import Product
from chalicelib.domain.orders import AUTO_COMPLETE_AFTER_MS, Order, OrderStatus, due_bucket
from chalicelib.store import orders as order_store
from chalicelib.store import reviews as review_store
from chalicelib.store.base import apply_update
from chalicelib.store.products import ProductModel, RatingMap
from local.demo_shoppers import rating_summaries

_TIMES = ("paid_at", "shipped_at", "collected_at", "delivered_at", "completed_at")


def order_model(order: Order) -> order_store.OrderModel:
    """The order item as the transitions leave it: from_domain writes what placing writes, the
    transitions add their timestamps, carrier and tracking, reviewed lines, and a delivered
    order waits in the due index for auto-completion."""
    model = order_store.from_domain(order)
    for name in _TIMES:
        setattr(model, name, getattr(order, name))
    model.carrier, model.tracking_number = order.carrier, order.tracking_number
    model.payment_id = order.payment_id
    model.reviewed_lines = set(order.reviewed_lines) or None
    if order.status is OrderStatus.DELIVERED:
        model.due_bucket = due_bucket("completion", order.order_id)
        model.due_at = order.delivered_at + AUTO_COMPLETE_AFTER_MS
    return model


def load_orders(orders: Iterable[Order]) -> int:
    """Batch-write the orders (`local.demo_shoppers.domain_orders`); returns how many."""
    written = 0
    with order_store.OrderModel.batch_write() as batch:
        for order in orders:
            batch.save(order_model(order))
            written += 1
    return written


def load_reviews(reviews: Iterable[Review], products: Iterable[Product] = ()) -> dict[str, int]:
    """Batch-write the reviews, and make each reviewed product's rating summary agree with them:
    one UpdateItem per product whose stored summary (as `products` says it was seeded) differs;
    none when `demo_shoppers.apply_ratings` set them before the products were written."""
    reviews = list(reviews)
    with review_store.ReviewModel.batch_write() as batch:
        for review in reviews:
            batch.save(review_store.from_domain(review))
    seeded = {product.product_id: product.rating for product in products}
    updated = 0
    for product_id, summary in sorted(rating_summaries(reviews).items()):
        if seeded.get(product_id) == summary:
            continue
        rating = RatingMap(count=summary.count, total_stars=summary.total_stars,
                           low_count=summary.low_count)
        apply_update(ProductModel(product_id), [ProductModel.rating.set(rating)],
                     ProductModel.product_id.exists())
        updated += 1
    return {"reviews": len(reviews), "ratings_updated": updated}
