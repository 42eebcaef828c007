"""Catalog use cases: merchants list shops, products, SKUs and bundles; shoppers read them."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from chalicelib.auth import Principal, Role, require_owner, require_role
from chalicelib.domain import ids
from chalicelib.domain.catalog import (
    Bundle,
    BundlePart,
    CatalogRuleError,
    Product,
    Shop,
    build_skus,
    summarize_bundle,
    validate_bundle,
    with_changes,
)
from chalicelib.domain.clock import now_ms
from chalicelib.domain.shelf import ALL_CATEGORIES, ShelfSort
from chalicelib.errors import Conflict, NotFound, Unprocessable
from chalicelib.observability import logger, metrics
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.store import catalog as catalog_store
from chalicelib.store import products as product_store
from chalicelib.store import shelves as shelf_store
from chalicelib.store import shops as shop_store

if TYPE_CHECKING:  # request models load with the first request body
    from chalicelib.schemas import catalog as schemas

_WRITE_ATTEMPTS = 3


# --- shops -------------------------------------------------------------------------------------

def create_shop(principal: Principal, request: schemas.ShopCreate) -> Shop:
    require_role(principal, Role.MERCHANT)
    now = now_ms()
    shop = Shop(
        shop_id=ids.new_shop_id(now),
        owner_id=principal.user_id,
        name=request.name,
        description=request.description,
        logo_url=request.logo_url,
        created_at=now,
        updated_at=now,
    )
    catalog_store.create_shop(shop)
    logger.info("shop created", extra={"shop_id": shop.shop_id})
    return shop


def get_shop(shop_id: str) -> Shop:
    shop = shop_store.get_shop(shop_id) if ids.is_shop_id(shop_id) else None
    if shop is None:
        raise NotFound("shop not found", code="shop_not_found")
    return shop


def update_shop(principal: Principal, shop_id: str, request: schemas.ShopPatch) -> Shop:
    shop = owned_shop(principal, shop_id)
    changes = request.changes()
    return shop_store.update_profile(shop.shop_id, shop.owner_id, changes, now_ms())


def owned_shop(principal: Principal, shop_id: str) -> Shop:
    """The shop, when the caller is the merchant who owns it (403 otherwise, 404 if none)."""
    require_role(principal, Role.MERCHANT)
    shop = get_shop(shop_id)
    require_owner(principal, shop.owner_id)
    return shop


def my_shops(principal: Principal, limit: int, cursor: str | None):
    """The calling merchant's shops, newest first, and the next page's cursor: 1 Query of the
    shops' `by_owner` index + 1 BatchGetItem of the page's shops."""
    require_role(principal, Role.MERCHANT)
    scope = f"my-shops:{principal.user_id}"
    shops, next_key = shop_store.owner_shops(principal.user_id, limit,
                                             decode_cursor(scope, cursor))
    return shops, encode_cursor(scope, next_key)


# --- products ----------------------------------------------------------------------------------

def create_product(principal: Principal, shop_id: str, request: schemas.ProductCreate) -> Product:
    now = now_ms()
    for _ in range(_WRITE_ATTEMPTS):
        shop = owned_shop(principal, shop_id)
        product_id = ids.new_product_id(shop.shop_id, now)
        product = Product(
            product_id=product_id,
            shop_id=shop.shop_id,
            title=request.title,
            description=request.description,
            category=request.category,
            images=list(request.images),
            attributes=dict(request.attributes),
            always_available=request.always_available,
            status=request.status,
            skus=_build_skus(product_id, request.skus, first_index=0),
            created_at=now,
            updated_at=now,
        )
        try:
            catalog_store.save_product(None, product, shop)
        except catalog_store.ConcurrentChange:
            continue  # the shelf flipped to a new version under us: re-read the shop
        metrics.add_metric(name="ProductsCreated", unit="Count", value=1)
        logger.info("product created", extra={"product_id": product_id})
        return product
    raise Conflict("the shop changed while saving; try again", code="concurrent_change")


def update_product(principal: Principal, product_id: str, request: schemas.ProductPatch) -> Product:
    changes = request.changes()
    return _edit_product(principal, product_id, lambda product, now: with_changes(
        product, changes, now))


def add_skus(principal: Principal, product_id: str, request: schemas.SkusAdd) -> Product:
    def add(product: Product, now: int) -> Product:
        new_skus = _build_skus(product_id, request.skus, first_index=len(product.skus))
        existing = {tuple(sorted(sku.specs.items())) for sku in product.skus}
        if any(tuple(sorted(sku.specs.items())) in existing for sku in new_skus):
            raise Unprocessable("a SKU with these specs exists already",
                                details=[{"field": "skus", "message": "duplicate specs"}])
        return with_changes(product, {"skus": product.skus + new_skus}, now)

    return _edit_product(principal, product_id, add)


def update_sku(principal: Principal, product_id: str, sku_id: str,
               request: schemas.SkuPatch) -> Product:
    parsed = ids.parse_sku_id(sku_id)
    if parsed is None or parsed[0] != product_id:
        raise NotFound("SKU not found", code="sku_not_found")
    index = parsed[1]
    if request.stock_delta is not None:
        return _apply_stock_delta(principal, product_id, index, request)
    sku_changes = request.changes()

    def edit(product: Product, now: int) -> Product:
        if index >= len(product.skus):
            raise NotFound("SKU not found", code="sku_not_found")
        sku = replace(product.skus[index], **sku_changes)
        if sku.list_price_fen is not None and sku.list_price_fen < sku.price_fen:
            raise Unprocessable("list_price_fen must not be below price_fen",
                                details=[{"field": "list_price_fen", "message": "below price"}])
        skus = [*product.skus[:index], sku, *product.skus[index + 1:]]
        return with_changes(product, {"skus": skus}, now)

    return _edit_product(principal, product_id, edit)


def _apply_stock_delta(principal: Principal, product_id: str, index: int,
                       request: schemas.SkuPatch) -> Product:
    if request.model_fields_set != {"stock_delta"}:
        raise Unprocessable(
            "stock_delta is applied on its own, as one conditional update",
            details=[{"field": "stock_delta", "message": "send it without other fields"}],
        )
    product, _ = owned_product(principal, product_id)
    if index >= len(product.skus):
        raise NotFound("SKU not found", code="sku_not_found")
    try:
        stock = product_store.change_stock(product_id, index, request.stock_delta)
    except product_store.StockWouldGoNegative as error:
        raise Conflict(
            f"stock cannot go below zero: {error.stock_left} left",
            code="insufficient_stock",
            details=[{"sku_id": product.skus[index].sku_id, "stock_left": error.stock_left}],
        ) from error
    product.skus[index] = replace(product.skus[index], stock=stock)
    return product


def _edit_product(principal: Principal, product_id: str, change) -> Product:
    """Read product and shop (one round trip), apply `change`, write; retry on a lost race."""
    for _ in range(_WRITE_ATTEMPTS):
        before, shop = owned_product(principal, product_id)
        after = change(before, now_ms())
        try:
            catalog_store.save_product(before, after, shop)
        except catalog_store.ConcurrentChange:
            continue
        return after
    raise Conflict("the product changed while saving; try again", code="concurrent_change")


def owned_product(principal: Principal, product_id: str) -> tuple[Product, Shop]:
    require_role(principal, Role.MERCHANT)
    product, shop = _product_and_shop(product_id)
    if product is None or shop is None:
        raise NotFound("product not found", code="product_not_found")
    require_owner(principal, shop.owner_id)
    return product, shop


def _product_and_shop(product_id: str) -> tuple[Product | None, Shop | None]:
    shop_id = ids.shop_of_product(product_id)
    if shop_id is None:
        return None, None
    found = catalog_store.batch_get(shop_ids=[shop_id], product_ids=[product_id])
    return found["products"].get(product_id), found["shops"].get(shop_id)


def _build_skus(product_id: str, drafts: list[schemas.SkuIn], first_index: int):
    try:
        return build_skus(product_id, [draft.model_dump() for draft in drafts], first_index)
    except CatalogRuleError as error:
        raise Unprocessable(str(error), details=[{"field": error.field,
                                                  "message": str(error)}]) from error


def owner_products(principal: Principal, shop_id: str, limit: int, cursor: str | None):
    scope = f"owner-products:{shop_id}"
    start_key = decode_cursor(scope, cursor)
    owned_shop(principal, shop_id)
    products, next_key = product_store.list_shop_products(shop_id, limit, start_key)
    return products, encode_cursor(scope, next_key)


# --- bundles -----------------------------------------------------------------------------------

def create_bundle(principal: Principal, shop_id: str, request: schemas.BundleCreate) -> Bundle:
    shop = owned_shop(principal, shop_id)
    quantities = {item.sku_id: item.quantity for item in request.items}
    if len(quantities) != len(request.items):
        raise Unprocessable("each SKU appears once in a bundle",
                            details=[{"field": "items", "message": "duplicate sku_id"}])
    products = _bundle_products(shop, quantities)
    parts = []
    for sku_id, quantity in quantities.items():
        product_id, index = ids.parse_sku_id(sku_id)
        product = products[product_id]
        sku = product.skus[index]
        parts.append(BundlePart(sku_id=sku_id, product_id=product_id, title=product.title,
                                specs=sku.specs, quantity=quantity, unit_price_fen=sku.price_fen))
    now = now_ms()
    bundle = Bundle(bundle_id=ids.new_bundle_id(shop.shop_id, now), shop_id=shop.shop_id,
                    name=request.name, price_fen=request.price_fen, parts=parts, created_at=now)
    try:
        validate_bundle(bundle)
    except CatalogRuleError as error:
        raise Unprocessable(str(error), details=[{"field": error.field,
                                                  "message": str(error)}]) from error
    cover = next((products[p.product_id].images[0] for p in parts
                  if products[p.product_id].images), None)
    try:
        catalog_store.save_bundle(bundle, summarize_bundle(bundle, cover), shop)
    except catalog_store.BundleLimitReached as error:
        raise Conflict("this shop has the most bundles it can show",
                       code="bundle_limit_reached") from error
    return bundle


def _bundle_products(shop: Shop, quantities: dict[str, int]) -> dict[str, Product]:
    """The products behind the bundle's SKUs: every SKU must be this shop's and on shelf."""
    wanted = {}
    for sku_id in quantities:
        parsed = ids.parse_sku_id(sku_id)
        if parsed is None or ids.shop_of_product(parsed[0]) != shop.shop_id:
            raise Unprocessable("every bundle SKU must belong to this shop",
                                details=[{"field": "items", "message": f"unknown SKU {sku_id}"}])
        wanted[sku_id] = parsed
    products = catalog_store.batch_get(product_ids=[p for p, _ in wanted.values()])["products"]
    for sku_id, (product_id, index) in wanted.items():
        product = products.get(product_id)
        if product is None or index >= len(product.skus) or not product.visible_to_shoppers:
            raise Unprocessable("every bundle SKU must exist and be on shelf",
                                details=[{"field": "items", "message": f"unavailable {sku_id}"}])
    return products


# --- shopper reads -----------------------------------------------------------------------------

def product_page(product_id: str) -> tuple[Product, Shop]:
    """Product, SKUs and shop summary from one BatchGetItem; hidden products are 404."""
    product, shop = _product_and_shop(product_id)
    if product is None or shop is None or not product.visible_to_shoppers:
        raise NotFound("product not found", code="product_not_found")
    return product, shop


def storefront(shop_id: str, sort: ShelfSort, category: str | None, limit: int,
               cursor: str | None):
    """Shop header and one page of its grid: one GetItem and one Query.

    The cursor pins the shelf version the first page was read from, so paging does not mix two
    rankings when a rebuild flips the shelf in between.
    """
    scope = f"storefront:{shop_id}:{sort.value}:{category or ALL_CATEGORIES}"
    state = decode_cursor(scope, cursor)
    shop = get_shop(shop_id)
    version = state["version"] if state else shop.shelf_version
    shelf = shelf_store.shelf_key(shop.shop_id, version, category or ALL_CATEGORIES)
    cards, next_key = shelf_store.query_shelf(shelf, sort, limit, state["key"] if state else None)
    next_state = {"version": version, "key": next_key} if next_key else None
    return shop, cards, encode_cursor(scope, next_state)
