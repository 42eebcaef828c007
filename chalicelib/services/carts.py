"""The shopper's cart: lines checked against stock when written, priced when read."""

from __future__ import annotations

from chalicelib.auth import Principal, Role, require_role
from chalicelib.domain import ids
from chalicelib.domain.catalog import Bundle, Product, StockState, stock_state
from chalicelib.domain.clock import now_ms
from chalicelib.domain.orders import StockTake, stock_by_product
from chalicelib.errors import Conflict, NotFound
from chalicelib.store import carts as cart_store
from chalicelib.store import catalog as catalog_store


def put_sku(principal: Principal, sku_id: str, quantity: int) -> None:
    """Set a SKU line; one round trip (a transaction that checks stock and writes the line)."""
    require_role(principal, Role.SHOPPER)
    parsed = ids.parse_sku_id(sku_id)
    if parsed is None:
        raise NotFound("SKU not found", code="sku_not_found")
    key = cart_store.line_key(sku_id=sku_id)
    if quantity == 0:
        cart_store.delete_line(principal.user_id, key)
        return
    product_id, index = parsed
    try:
        cart_store.put_line(principal.user_id, key, quantity, now_ms(),
                            {product_id: {index: quantity}})
    except cart_store.NotEnoughStock as error:
        raise _why_not(product_id, index, sku_id, quantity) from error


def put_bundle(principal: Principal, bundle_id: str, quantity: int) -> None:
    """Set a bundle line: read the bundle, then one transaction checking every part's stock."""
    require_role(principal, Role.SHOPPER)
    key = cart_store.line_key(bundle_id=bundle_id)
    if quantity == 0:
        cart_store.delete_line(principal.user_id, key)
        return
    bundle = _bundle(bundle_id)
    takes = [StockTake(part.sku_id, part.product_id, ids.parse_sku_id(part.sku_id)[1],
                       part.quantity * quantity) for part in bundle.parts]
    try:
        cart_store.put_line(principal.user_id, key, quantity, now_ms(), stock_by_product(takes))
    except cart_store.NotEnoughStock as error:
        raise Conflict("the bundle does not have enough stock", code="insufficient_stock",
                       details=[{"bundle_id": bundle_id, "requested": quantity}]) from error


def get_cart(principal: Principal) -> dict:
    """Lines grouped by shop with current prices and stock: one Query and one BatchGetItem."""
    require_role(principal, Role.SHOPPER)
    lines = cart_store.list_lines(principal.user_id, now_ms())
    product_ids = {ids.parse_sku_id(line.sku_id)[0] for line in lines if line.sku_id}
    bundle_ids = {line.bundle_id for line in lines if line.bundle_id}
    shop_ids = {ids.shop_of_product(p) for p in product_ids} | {
        ids.shop_of_bundle(b) for b in bundle_ids}
    found = (catalog_store.batch_get(shop_ids=shop_ids, product_ids=product_ids,
                                     bundle_ids=bundle_ids)
             if lines else {"shops": {}, "products": {}, "bundles": {}})
    groups: dict[str, dict] = {}
    for line in lines:
        view = (_sku_line(line, found["products"]) if line.sku_id
                else _bundle_line(line, found["bundles"]))
        shop_id = view.pop("shop_id")
        shop = found["shops"].get(shop_id)
        group = groups.setdefault(shop_id, {"shop_id": shop_id,
                                            "shop_name": shop.name if shop else None,
                                            "lines": [], "total_fen": 0})
        group["lines"].append(view)
        if view["available"]:
            group["total_fen"] += view["line_total_fen"]
    shops = list(groups.values())
    return {"shops": shops, "total_fen": sum(group["total_fen"] for group in shops),
            "line_count": len(lines)}


def clear(principal: Principal) -> int:
    require_role(principal, Role.SHOPPER)
    return cart_store.clear(principal.user_id)


def _sku_line(line, products: dict[str, Product]) -> dict:
    product_id, index = ids.parse_sku_id(line.sku_id)
    product = products.get(product_id)
    sku = product.skus[index] if product and index < len(product.skus) else None
    available = bool(sku and product.visible_to_shoppers and sku.stock >= line.quantity)
    unit = sku.price_fen if sku else 0
    return {
        "shop_id": ids.shop_of_product(product_id),
        "sku_id": line.sku_id, "bundle_id": None,
        "product_id": product_id,
        "title": product.title if product else None,
        "specs": sku.specs if sku else {},
        "quantity": line.quantity,
        "unit_price_fen": unit,
        "line_total_fen": unit * line.quantity,
        "stock_state": (stock_state(sku.stock).value if sku and product.visible_to_shoppers
                        else StockState.SOLD_OUT.value),
        "available": available,
    }


def _bundle_line(line, bundles: dict[str, Bundle]) -> dict:
    bundle = bundles.get(line.bundle_id)
    unit = bundle.price_fen if bundle else 0
    return {
        "shop_id": ids.shop_of_bundle(line.bundle_id),
        "sku_id": None, "bundle_id": line.bundle_id, "product_id": None,
        "title": bundle.name if bundle else None,
        "specs": {},
        "quantity": line.quantity,
        "unit_price_fen": unit,
        "line_total_fen": unit * line.quantity,
        # part stock is checked when the line is written and again at checkout
        "stock_state": StockState.IN_STOCK.value if bundle else StockState.SOLD_OUT.value,
        "available": bundle is not None,
    }


def _bundle(bundle_id: str) -> Bundle:
    bundle = (catalog_store.batch_get(bundle_ids=[bundle_id])["bundles"].get(bundle_id)
              if ids.shop_of_bundle(bundle_id) else None)
    if bundle is None:
        raise NotFound("bundle not found", code="bundle_not_found")
    return bundle


def _why_not(product_id: str, index: int, sku_id: str, quantity: int) -> Exception:
    """After a refused cart write: say whether the SKU is gone or how many are left."""
    product = catalog_store.batch_get(product_ids=[product_id])["products"].get(product_id)
    if product is None or index >= len(product.skus):
        return NotFound("SKU not found", code="sku_not_found")
    if not product.visible_to_shoppers:
        return Conflict("this product is not on sale", code="not_available",
                        details=[{"sku_id": sku_id, "reason": "not_available"}])
    left = product.skus[index].stock
    return Conflict(f"only {left} left", code="insufficient_stock",
                    details=[{"sku_id": sku_id, "requested": quantity, "stock_left": left}])
