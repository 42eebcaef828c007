"""Rebuilding a shop's shelf: write a new version of every card, then flip the pointer.

Readers keep reading the old version until the flip, so nobody sees half a shelf. The flip is
conditioned on the shop's catalog revision: a merchant edit that landed during the rebuild makes
the flip fail, and the rebuild runs again from fresh data. The version before the previous one
is deleted, so a cursor handed out before a rebuild keeps working until the next one.
"""

from __future__ import annotations

from chalicelib.domain.shelf import ALL_CATEGORIES, card_for, shelf_categories, shelf_listing
from chalicelib.observability import logger
from chalicelib.store import products as product_store
from chalicelib.store import shelves as shelf_store
from chalicelib.store import shops as shop_store

_ATTEMPTS = 3


class ShelfBusy(Exception):
    """The shop's catalog kept changing during every rebuild attempt."""


def rebuild_shop_shelf(shop_id: str, only_if_stale: bool = False) -> int:
    """Rebuild one shop's shelf; returns the number of cards written in the new version (0 when
    `only_if_stale` and no score moved since the last rebuild)."""
    for _ in range(_ATTEMPTS):
        shop = shop_store.get_shop(shop_id)
        if shop is None or (only_if_stale and shop.shelf_stale is False):
            return 0
        version = shop.shelf_version + 1
        cards, counts = [], {category: 0 for category in shop.category_counts}
        listings = {}
        for product in product_store.all_shop_products(shop_id):
            card = card_for(product, shop.score)
            listings[product.product_id] = shelf_listing(product, card.rank)
            for category in shelf_categories(product):
                cards.append(shelf_store.card_model(
                    card, shelf_store.shelf_key(shop_id, version, category)))
                if category != ALL_CATEGORIES:
                    counts[category] = counts.get(category, 0) + 1
        shelf_store.write_cards(cards)
        if shop_store.flip_shelf(shop_id, shop.shelf_version, shop.catalog_rev, counts):
            _delete_version(shop_id, shop.shelf_version - 1, counts)
            _converge_listings(listings)
            logger.info("shelf rebuilt", extra={"shop_id": shop_id, "version": version,
                                                "cards": len(cards)})
            return len(cards)
        _delete_version(shop_id, version, counts)
    raise ShelfBusy(shop_id)


def _converge_listings(listings: dict[str, tuple]) -> None:
    """The products' mall-feed index keys follow their new ranks (the shop score is in them);
    a product whose keys are already right is not written."""
    for product_id, (category, rank) in listings.items():
        product_store.set_shelf_listing(product_id, category, rank)


def _delete_version(shop_id: str, version: int, categories: dict[str, int]) -> None:
    # Tab count keys are never removed, so they name every category a shelf ever had.
    if version < 1:
        return
    for category in [*categories, ALL_CATEGORIES]:
        shelf_store.delete_shelf(shelf_store.shelf_key(shop_id, version, category))
