"""Catalog reads and writes that span tables: one BatchGetItem, one TransactWriteItems.

A product write moves the product item, its shelf cards and the shop's tab counts together, so no
reader ever sees a product without its card or a count that disagrees with the grid.
"""

from __future__ import annotations

from pynamodb.expressions.condition import size
from pynamodb.transactions import TransactWrite

from chalicelib.domain.catalog import MAX_BUNDLES_PER_SHOP, Bundle, BundleSummary, Product, Shop
from chalicelib.domain.events import product_changed
from chalicelib.domain.shelf import (
    card_for,
    category_count_deltas,
    shelf_categories,
    shelf_listing,
)
from chalicelib.store import bundles as bundle_table
from chalicelib.store import events as event_table
from chalicelib.store import products as product_table
from chalicelib.store import shops as shop_table
from chalicelib.store.base import batch_get_items
from chalicelib.store.products import ProductModel
from chalicelib.store.shelves import ShelfCardModel, card_model, shelf_key
from chalicelib.store.shops import BundleSummaryMap, ShopModel
from chalicelib.store.transactions import run_transaction


class ConcurrentChange(Exception):
    """Another write moved the product or the shop's shelf first; re-read and try again."""


class BundleLimitReached(Exception):
    pass


def batch_get(shop_ids=(), product_ids=(), bundle_ids=()) -> dict:
    """Items from several tables in one BatchGetItem: {"shops": {...}, "products": {...}, ...}."""
    wanted = [
        (ShopModel, shop_table, "shops", "shop_id", sorted(set(shop_ids))),
        (ProductModel, product_table, "products", "product_id", sorted(set(product_ids))),
        (bundle_table.BundleModel, bundle_table, "bundles", "bundle_id", sorted(set(bundle_ids))),
    ]
    request = {
        model.Meta.table_name: {"Keys": [module.key(k) for k in keys], "ConsistentRead": True}
        for model, module, _, _, keys in wanted
        if keys
    }
    raw_items = batch_get_items(request)
    found: dict[str, dict] = {}
    for model, module, name, key_name, _ in wanted:
        items = raw_items.get(model.Meta.table_name, [])
        found[name] = {
            item[key_name]["S"]: module.to_domain(model.from_raw_data(item)) for item in items
        }
    return found


def create_shop(shop: Shop) -> None:
    shop_table.create_shop(shop)


def save_product(before: Product | None, after: Product, shop: Shop) -> None:
    """Write a product, its shelf cards, the shop's tab counts and a catalogue event in one
    transaction.

    Guarded by the product's revision (merchant edits do not overwrite each other), the shop's
    shelf version (a rebuild flip forces a retry) and the shop's owner.
    """
    card = card_for(after, shop.score)

    def build(tx: TransactWrite) -> None:
        _write_product_item(tx, before, after, shelf_listing(after, card.rank))
        _write_cards(tx, before, after, shop, card)
        event_table.save_in(tx, product_changed(after.product_id, after.shop_id, after.revision,
                                                after.updated_at))
        tx.update(
            ShopModel(shop.shop_id),
            actions=_shop_catalog_actions(category_count_deltas(before, after)),
            condition=(ShopModel.shelf_version == shop.shelf_version)
            & (ShopModel.owner_id == shop.owner_id),
        )

    run_transaction(build, on_condition_failed=_raise_concurrent_change)


def save_bundle(bundle: Bundle, summary: BundleSummary, shop: Shop) -> None:
    """Store the bundle and append its summary to the shop, capped, in one transaction."""
    def build(tx: TransactWrite) -> None:
        tx.save(
            bundle_table.from_domain(bundle),
            condition=bundle_table.BundleModel.bundle_id.does_not_exist(),
        )
        tx.update(
            ShopModel(shop.shop_id),
            actions=[ShopModel.bundles.set(
                ShopModel.bundles.append([BundleSummaryMap(**vars(summary))])
            )],
            condition=(ShopModel.owner_id == shop.owner_id)
            & (size(ShopModel.bundles) < MAX_BUNDLES_PER_SHOP),
        )

    def limit_reached(reasons) -> None:
        raise BundleLimitReached()

    run_transaction(build, on_condition_failed=limit_reached)


def _write_product_item(tx: TransactWrite, before: Product | None, after: Product,
                        listing: tuple[str | None, float | None]) -> None:
    if before is None:
        model = product_table.from_domain(after)
        model.shelf_category, model.shelf_rank = listing
        tx.save(model, condition=ProductModel.product_id.does_not_exist())
        return
    tx.update(
        ProductModel(after.product_id),
        actions=_product_field_actions(before, after)
        + product_table.shelf_listing_actions(*listing),
        condition=ProductModel.revision == before.revision,
    )


def _product_field_actions(before: Product, after: Product) -> list:
    """SET only what the merchant changed: stock moved by checkouts meanwhile stays intact."""
    actions = [
        ProductModel.revision.set(after.revision),
        ProductModel.updated_at.set(after.updated_at),
    ]
    for name in ("title", "description", "category", "images", "attributes",
                 "always_available", "status"):
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            stored = new.value if name == "status" else new
            actions.append(getattr(ProductModel, name).set(stored))
    for index, (old_sku, new_sku) in enumerate(zip(before.skus, after.skus, strict=False)):
        path = ProductModel.skus[index]
        for name in ("specs", "price_fen", "list_price_fen", "stock"):
            if getattr(old_sku, name) != getattr(new_sku, name):
                actions.append(getattr(path, name).set(getattr(new_sku, name)))
    added = after.skus[len(before.skus):]
    if added:
        actions.append(ProductModel.skus.set(ProductModel.skus.append(
            [product_table.SkuMap(**vars(sku)) for sku in added]
        )))
    return actions


def _write_cards(tx: TransactWrite, before: Product | None, after: Product, shop: Shop,
                 card) -> None:
    old_shelves = set(shelf_categories(before)) if before else set()
    new_shelves = shelf_categories(after)
    for category in old_shelves - set(new_shelves):
        shelf = shelf_key(shop.shop_id, shop.shelf_version, category)
        tx.delete(ShelfCardModel(shelf, after.product_id))
    for category in new_shelves:
        tx.save(card_model(card, shelf_key(shop.shop_id, shop.shelf_version, category)))


def _raise_concurrent_change(reasons) -> None:
    raise ConcurrentChange()


def _shop_catalog_actions(count_deltas: dict[str, int]) -> list:
    actions = [ShopModel.catalog_rev.add(1)]
    for category, delta in count_deltas.items():
        path = ShopModel.category_counts[category]
        actions.append(path.set((path | 0) + delta))
    return actions
