"""Distribution (达人分销): a merchant opens a product to creators at a commission rate, and
creators browse the pool of open products.

    open / close   the owning merchant: 1 BatchGetItem (product + shop, the ownership check)
                   + 1 UpdateItem of the product item (the rate and the pool index keys)
    pool page      creators and ops: 1 Query of a keys-only pool index (page + POOL_SPARE
                   keys) + 1 BatchGetItem of those products = 2 round trips

Where the pool lives, and why: two sparse KEYS_ONLY GSIs of the products table
(`by_distribution_category` on the product's own `category`, `by_distribution` for the whole
pool), keyed by `pool_rank` (highest rate first), which only an open product carries. Opening
or closing is then a single write of the product item: the product and its place in the pool
cannot disagree, with no second table to keep in step and no transaction. The products item
takes every stock decrement; those writes change no key of these indexes (and project nothing
else), so they cost the indexes nothing, and the item grows by ~40 bytes. A category edit moves
the product in the category index by itself.

The pool shows on-shelf products only. Status is not in the index (keeping it there would
mean touching every status write of the catalogue); the page's products are read live in one
BatchGetItem, and drafts and off-shelf ones are dropped there, as the other read models do.
Each Query reads POOL_SPARE keys beyond the page to make up for them; a page may still come
short when more than that many in a row are off shelf, and its cursor then goes on from the
last key read.

The rate a line earns is stamped on the order line at checkout (domain.orders.stamp_line) from
the product read there, so closing or changing a rate never changes what placed orders earn.
"""

from __future__ import annotations

from dataclasses import replace

from chalicelib.auth import Principal, Role, require_role
from chalicelib.domain.catalog import Product
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.services import catalog as catalog_service
from chalicelib.store import catalog as catalog_store
from chalicelib.store import products as product_store

POOL_SPARE = 10  # keys read beyond a page, for products gone off shelf since they opened


def open_product(principal: Principal, product_id: str, rate_bps: int) -> Product:
    """Open (or re-rate) the caller's product; the same rate again writes nothing."""
    product, _ = catalog_service.owned_product(principal, product_id)
    product_store.set_distribution(product_id, rate_bps)
    return replace(product, commission_rate_bps=rate_bps)


def close_product(principal: Principal, product_id: str) -> Product:
    """Close the caller's product to distribution; closing a closed one writes nothing."""
    product, _ = catalog_service.owned_product(principal, product_id)
    product_store.set_distribution(product_id, None)
    return replace(product, commission_rate_bps=None)


def pool(principal: Principal, category: str | None, limit: int,
         cursor: str | None) -> tuple[list[Product], str | None]:
    """A page of the pool, highest commission rate first: on-shelf open products only."""
    require_role(principal, Role.CREATOR, Role.OPS)
    scope = f"distribution-pool:{category or '*'}"
    keys, next_key = product_store.pool_page(category, limit + POOL_SPARE,
                                             decode_cursor(scope, cursor))
    products = catalog_store.batch_get(product_ids=[pid for pid, _ in keys])["products"] if (
        keys) else {}
    shown, consumed = [], 0
    for product_id, _ in keys:
        if len(shown) == limit:
            break
        consumed += 1
        product = products.get(product_id)
        if product is not None and _in_pool(product, category):
            shown.append(product)
    # keys left over: go on right after the last one looked at; else where the Query stopped
    resume = keys[consumed - 1][1] if consumed < len(keys) else next_key
    return shown, encode_cursor(scope, resume)


def _in_pool(product: Product, category: str | None) -> bool:
    """Live checks the index cannot make: on shelf, still open, still of the category asked
    (the index catches up with a close or a category edit a moment later)."""
    return (product.visible_to_shoppers and product.commission_rate_bps is not None
            and (category is None or product.category == category))
