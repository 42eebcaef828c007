"""The carts table: one item per cart line, keyed by shopper; lines expire when left idle.

DynamoDB's TTL deletes expired lines eventually (often hours late), so every read also drops lines
whose `expires_at` has passed: an expired line is never shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.domain.catalog import ProductStatus
from chalicelib.store.base import table_meta
from chalicelib.store.products import ProductModel
from chalicelib.store.transactions import run_transaction

CART_IDLE_SECONDS = 30 * 24 * 3600
MAX_CART_LINES = 100


class CartLineModel(Model):
    Meta = table_meta("carts")

    user_id = UnicodeAttribute(hash_key=True)
    line_key = UnicodeAttribute(range_key=True)  # "sku:<sku id>" or "bundle:<bundle id>"
    quantity = NumberAttribute()
    updated_at = NumberAttribute()
    expires_at = NumberAttribute()  # epoch seconds, as DynamoDB's TTL wants


@dataclass(frozen=True)
class CartLine:
    sku_id: str | None
    bundle_id: str | None
    quantity: int
    updated_at: int


class NotEnoughStock(Exception):
    pass


def line_key(sku_id: str | None = None, bundle_id: str | None = None) -> str:
    return f"sku:{sku_id}" if sku_id else f"bundle:{bundle_id}"


def _to_line(model: CartLineModel) -> CartLine:
    kind, _, item_id = model.line_key.partition(":")
    return CartLine(
        sku_id=item_id if kind == "sku" else None,
        bundle_id=item_id if kind == "bundle" else None,
        quantity=int(model.quantity),
        updated_at=int(model.updated_at),
    )


def list_lines(user_id: str, now_ms: int) -> list[CartLine]:
    """The shopper's live cart lines in one Query; expired ones are filtered out."""
    live = CartLineModel.expires_at > now_ms // 1000
    return [_to_line(model) for model in
            CartLineModel.query(user_id, filter_condition=live, limit=MAX_CART_LINES)]


def put_line(user_id: str, key: str, quantity: int, now_ms: int,
             stock_needs: dict[str, dict[int, int]]) -> None:
    """Write a line in one transaction with checks that each product is on shelf and has stock.

    `stock_needs` is {product id: {SKU index: units}}; the checks are ConditionChecks, so nothing
    is reserved: stock is taken only at checkout.
    """
    def build(tx) -> None:
        for product_id, per_sku in stock_needs.items():
            condition = ProductModel.status == ProductStatus.ON_SHELF.value
            for index, units in per_sku.items():
                condition &= ProductModel.skus[index].stock >= units
            tx.condition_check(ProductModel, product_id, condition=condition)
        tx.save(CartLineModel(user_id, key, quantity=quantity, updated_at=now_ms,
                              expires_at=now_ms // 1000 + CART_IDLE_SECONDS))

    def short(reasons) -> None:
        raise NotEnoughStock()

    run_transaction(build, on_condition_failed=short)


def delete_line(user_id: str, key: str) -> None:
    CartLineModel(user_id, key).delete()


def delete_in(tx, user_id: str, keys: list[str]) -> None:
    """Add deletes of cart lines to a transaction (checkout from cart)."""
    for key in keys:
        tx.delete(CartLineModel(user_id, key))


def clear(user_id: str) -> int:
    """Delete every line of one cart; returns how many."""
    keys = [m.line_key for m in CartLineModel.query(user_id, attributes_to_get=["line_key"])]
    with CartLineModel.batch_write() as batch:
        for key in keys:
            batch.delete(CartLineModel(user_id, key))
    return len(keys)
