"""The products' mall-feed index keys follow every catalogue change.

A product write sets them in its own transaction (store.catalog.save_product); a product score
change arrives only as a catalogue event, so the events consumer calls `follow_product`, which
converges the keys on the product and shop as they are now, and registers the category, so the
feeds job knows every category's feed to rebuild. A product already right writes nothing.
"""

from __future__ import annotations

from chalicelib.domain import ids
from chalicelib.domain.shelf import card_for, shelf_listing
from chalicelib.store import catalog as catalog_store
from chalicelib.store import feeds as feed_store
from chalicelib.store import products as product_store

# categories this container registered already: a replayed catalogue event writes nothing
registered_here: set[str] = set()

def follow_product(product_id: str) -> bool:
    """One BatchGetItem; a write only when the keys moved, and one registry write per
    category and container."""
    shop_id = ids.shop_of_product(product_id)
    found = catalog_store.batch_get(shop_ids=[shop_id] if shop_id else [],
                                    product_ids=[product_id])
    product = found["products"].get(product_id)
    shop = found["shops"].get(shop_id)
    if product is None or shop is None:
        return False
    listing = shelf_listing(product, card_for(product, shop.score).rank)
    category = listing[0]
    if category is not None and category not in registered_here:
        feed_store.register_categories({category})  # a string-set ADD: harmless twice
        registered_here.add(category)
    if listing == product.indexed_listing:
        return False
    return product_store.set_shelf_listing(product_id, *listing)
