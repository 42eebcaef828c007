"""The products table: one item per product with its SKUs inside, keyed by product id.

SKUs live in a list on the product item (a SKU id ends in its list position), so a product page
is one item and a stock change is one conditional update on `skus[i].stock`.
"""

from __future__ import annotations

import zlib

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain import ids
from chalicelib.domain.catalog import Product, ProductStats, ProductStatus, RatingSummary, Sku
from chalicelib.domain.events import product_changed
from chalicelib.store import events as event_table
from chalicelib.store.base import apply_update, connection, differs, table_meta

CATALOG_SHARDS = 16  # the whole-catalogue listing (a reindex) reads these in parallel


class SkuMap(MapAttribute):
    sku_id = UnicodeAttribute()
    specs = MapAttribute(default=dict)
    price_fen = NumberAttribute()
    list_price_fen = NumberAttribute(null=True)
    stock = NumberAttribute()


class StatsMap(MapAttribute):
    sales_30d = NumberAttribute(default=0)
    impressions_30d = NumberAttribute(default=0)
    clicks_30d = NumberAttribute(default=0)
    orders_30d = NumberAttribute(default=0)


class RatingMap(MapAttribute):
    count = NumberAttribute(default=0)
    total_stars = NumberAttribute(default=0)
    low_count = NumberAttribute(default=0)


class ByShopIndex(GlobalSecondaryIndex):
    """A shop's products, newest first (product ids are time-ordered)."""

    class Meta:
        index_name = "by_shop"
        projection = AllProjection()

    shop_id = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute(range_key=True)


class ByCatalogShard(GlobalSecondaryIndex):
    """Every product, spread over CATALOG_SHARDS partitions: what a full reindex lists, page by
    page, instead of scanning the table. Keys only: the job reads the products it lists."""

    class Meta:
        index_name = "by_catalog_shard"
        projection = KeysOnlyProjection()

    catalog_shard = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute(range_key=True)


class ByShelfCategory(GlobalSecondaryIndex):
    """Listed products of one category, best ranked first: what a mall feed rebuild reads (its
    capped length, never the whole category). Sparse: only a listed product carries the key.
    Keys only: the shop is in the product id, and the rebuild reads the products it keeps."""

    class Meta:
        index_name = "by_shelf_category"
        projection = KeysOnlyProjection()

    shelf_category = UnicodeAttribute(hash_key=True)
    shelf_rank = NumberAttribute(range_key=True)


class ByDistributionCategory(GlobalSecondaryIndex):
    """The distribution pool (达人分销) of one category, highest commission rate first. Sparse:
    only a product open to distribution carries `pool_rank`. Keyed by the product's own
    `category`, so a category edit moves the product with it and no write of ours has to.
    Keys only: the listing reads the products it shows (live status, price) anyway."""

    class Meta:
        index_name = "by_distribution_category"
        projection = KeysOnlyProjection()

    category = UnicodeAttribute(hash_key=True)
    pool_rank = UnicodeAttribute(range_key=True)


class ByDistribution(GlobalSecondaryIndex):
    """The whole distribution pool, highest rate first (`distribution_pool` is "open" on every
    product in it, absent otherwise). One partition: it is written only when a merchant opens
    or closes a product, and its reads are keys-only pages."""

    class Meta:
        index_name = "by_distribution"
        projection = KeysOnlyProjection()

    distribution_pool = UnicodeAttribute(hash_key=True)
    pool_rank = UnicodeAttribute(range_key=True)


class ProductModel(Model):
    Meta = table_meta("products")

    product_id = UnicodeAttribute(hash_key=True)
    shop_id = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    category = UnicodeAttribute()
    images = ListAttribute(of=UnicodeAttribute, default=list)
    attributes = MapAttribute(default=dict)
    always_available = BooleanAttribute(default=True)
    status = UnicodeAttribute()
    skus = ListAttribute(of=SkuMap)
    stats = StatsMap(default=StatsMap)
    rating = RatingMap(default=RatingMap)
    score = NumberAttribute(null=True)
    revision = NumberAttribute(default=0)
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    catalog_shard = UnicodeAttribute(null=True)
    # set while listed on shelves: the category and the shelf rank (domain.shelf.card_for)
    shelf_category = UnicodeAttribute(null=True)
    shelf_rank = NumberAttribute(null=True)
    # set while open to distribution: the rate, and the pool indexes' keys (pool_rank)
    commission_rate_bps = NumberAttribute(null=True)
    distribution_pool = UnicodeAttribute(null=True)
    pool_rank = UnicodeAttribute(null=True)

    by_shop = ByShopIndex()
    by_catalog_shard = ByCatalogShard()
    by_shelf_category = ByShelfCategory()
    by_distribution_category = ByDistributionCategory()
    by_distribution = ByDistribution()


def catalog_shard(product_id: str) -> str:
    return str(zlib.crc32(product_id.encode()) % CATALOG_SHARDS)


class StockWouldGoNegative(Exception):
    def __init__(self, stock_left: int):
        super().__init__(f"only {stock_left} left")
        self.stock_left = stock_left


def to_domain(model: ProductModel) -> Product:
    return Product(
        product_id=model.product_id,
        shop_id=model.shop_id,
        title=model.title,
        description=model.description,
        category=model.category,
        images=list(model.images),
        attributes=dict(model.attributes.as_dict()),
        always_available=bool(model.always_available),
        status=ProductStatus(model.status),
        skus=[
            Sku(
                sku_id=sku.sku_id,
                specs=dict(sku.specs.as_dict()),
                price_fen=int(sku.price_fen),
                list_price_fen=None if sku.list_price_fen is None else int(sku.list_price_fen),
                stock=int(sku.stock),
            )
            for sku in model.skus
        ],
        stats=ProductStats(**{k: int(v) for k, v in model.stats.as_dict().items()}),
        rating=RatingSummary(**{k: int(v) for k, v in model.rating.as_dict().items()}),
        score=model.score,
        revision=int(model.revision),
        created_at=int(model.created_at),
        updated_at=int(model.updated_at),
        indexed_listing=(model.shelf_category,
                         None if model.shelf_rank is None else float(model.shelf_rank)),
        commission_rate_bps=(None if model.commission_rate_bps is None
                             else int(model.commission_rate_bps)),
    )


def from_domain(product: Product) -> ProductModel:
    return ProductModel(
        product.product_id,
        shop_id=product.shop_id,
        title=product.title,
        description=product.description,
        category=product.category,
        images=list(product.images),
        attributes=dict(product.attributes),
        always_available=product.always_available,
        status=product.status.value,
        skus=[SkuMap(**vars(sku)) for sku in product.skus],
        stats=StatsMap(**vars(product.stats)),
        rating=RatingMap(**vars(product.rating)),
        score=product.score,
        revision=product.revision,
        created_at=product.created_at,
        updated_at=product.updated_at,
        catalog_shard=catalog_shard(product.product_id),
        **distribution_keys(product.product_id, product.commission_rate_bps),
    )


def key(product_id: str) -> dict:
    return {"product_id": {"S": product_id}}


def list_shop_products(shop_id: str, limit: int, start_key: dict | None):
    """One page of a shop's products in every status, newest first: (products, next key)."""
    results = ProductModel.by_shop.query(
        shop_id, scan_index_forward=False, limit=limit + 1, page_size=limit + 1,
        last_evaluated_key=start_key,
    )
    models = list(results)
    if len(models) <= limit:
        return [to_domain(model) for model in models], None
    last = models[limit - 1]
    next_key = {"shop_id": {"S": shop_id}, "product_id": {"S": last.product_id}}
    return [to_domain(model) for model in models[:limit]], next_key


def change_stock(product_id: str, index: int, delta: int) -> int:
    """Add `delta` to one SKU's stock in one conditional update; never below zero.

    Stock moves do not bump the product's revision: checkouts and merchant edits of other fields
    must not conflict with each other.
    """
    stock = ProductModel.skus[index].stock
    condition = stock.exists()
    if delta < 0:
        condition &= stock >= -delta
    model = ProductModel(product_id)
    try:
        model.update(
            actions=[stock.add(delta)],
            condition=condition,
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        current = ProductModel.get(product_id, attributes_to_get=["skus"])
        raise StockWouldGoNegative(int(current.skus[index].stock)) from error
    return int(model.skus[index].stock)


def newest_listings(shop_id: str, limit: int) -> list[tuple[str, int]]:
    """A shop's `limit` newest products as (product_id, created_at), whatever their status (the
    caller checks them live): one Query of the products' by_shop index, ids and times only."""
    results = ProductModel.by_shop.query(
        shop_id, scan_index_forward=False, limit=limit, page_size=limit,
        attributes_to_get=["product_id", "created_at"])
    return [(model.product_id, int(model.created_at)) for model in results]


def all_shop_products(shop_id: str):
    """Every product of one shop, streamed page by page (jobs only, never a request path)."""
    for model in ProductModel.by_shop.query(shop_id, page_size=100):
        yield to_domain(model)


def catalog_page(shard: int, limit: int, start_key: dict | None) -> tuple[list[str], dict | None]:
    """One page of one catalogue shard's product ids (jobs only): (ids, key to go on from)."""
    results = ProductModel.by_catalog_shard.query(
        str(shard), limit=limit, page_size=limit, last_evaluated_key=start_key)
    product_ids = [model.product_id for model in results]
    return product_ids, results.last_evaluated_key


def category_page(category: str, limit: int) -> list[tuple[str, float]]:
    """The best-ranked listed products of a category (jobs only): [(product id, shelf rank)],
    read in pages of at most 1,000 keys."""
    results = ProductModel.by_shelf_category.query(
        category, scan_index_forward=False, limit=limit, page_size=min(limit, 1000))
    return [(model.product_id, float(model.shelf_rank)) for model in results]


def count_listed(category: str) -> int:
    """How many products are listed in a category (a Select COUNT over the keys-only index;
    jobs only)."""
    return ProductModel.by_shelf_category.count(category)


def shelf_listing_actions(category: str | None, rank: float | None) -> list:
    """SET (or REMOVE, when not listed) the keys of the by_shelf_category index."""
    if category is None:
        return [ProductModel.shelf_category.remove(), ProductModel.shelf_rank.remove()]
    return [ProductModel.shelf_category.set(category), ProductModel.shelf_rank.set(rank)]


def set_shelf_listing(product_id: str, category: str | None, rank: float | None) -> bool:
    """Converge a product's by_shelf_category keys (the events consumer, after a score change);
    True when they changed. Nothing is written when they are already so."""
    condition = ProductModel.product_id.exists() & (
        differs(ProductModel.shelf_category, category) | differs(ProductModel.shelf_rank, rank))
    try:
        apply_update(ProductModel(product_id), shelf_listing_actions(category, rank), condition)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def set_score(product_id: str, score: float | None, now_ms: int) -> bool:
    """Copy the product score onto the product item (stock and revision are left alone), with
    a catalogue event in the same transaction (the score moves the product's search rank);
    True when it changed. Nothing is written when it did not."""
    shop_id = ids.shop_of_product(product_id) or ""
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(ProductModel(product_id), actions=[ProductModel.score.set(score)],
                      condition=ProductModel.product_id.exists()
                      & differs(ProductModel.score, score))
            event_table.save_in(tx, product_changed(product_id, shop_id, -1, now_ms))
    except TransactWriteError as error:
        if not any(reason is not None and reason.code == "ConditionalCheckFailed"
                   for reason in error.cancellation_reasons or []):
            raise
        return False
    return True


def set_behaviour_stats(product_id: str, impressions: int, clicks: int, orders: int) -> bool:
    """Copy a product's 30-day behaviour sums onto its `stats` (the rates job); stock, revision
    and the rest are left alone. True when they changed; nothing is written when they did not."""
    stats = ProductModel.stats
    values = ((stats.impressions_30d, impressions), (stats.clicks_30d, clicks),
              (stats.orders_30d, orders))
    changed = differs(values[0][0], values[0][1])
    for path, value in values[1:]:
        changed = changed | differs(path, value)
    try:
        apply_update(ProductModel(product_id), [path.set(value) for path, value in values],
                     ProductModel.product_id.exists() & changed)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


# --- the distribution pool (达人分销) -----------------------------------------------------------

POOL_OPEN = "open"
_RANK_TOP = 10_000  # above any rate (≤ 5000 bps): 10000 − rate sorts the highest rate first


def pool_rank(product_id: str, rate_bps: int) -> str:
    """The pool indexes' sort key: highest rate first, then by product id (unique, so a page
    boundary never splits a tie)."""
    return f"{_RANK_TOP - rate_bps:05d}#{product_id}"


def distribution_keys(product_id: str, rate_bps: int | None) -> dict:
    """The attributes that put a product in the pool (none when it is not open)."""
    if rate_bps is None:
        return {}
    return {"commission_rate_bps": rate_bps, "distribution_pool": POOL_OPEN,
            "pool_rank": pool_rank(product_id, rate_bps)}


def set_distribution(product_id: str, rate_bps: int | None) -> bool:
    """Open the product to distribution at `rate_bps`, or close it (None): one UpdateItem of
    the rate and the pool keys on the product item, so the product and its place in the pool
    change in the same write. Stock, revision and the rest are left alone; nothing is written
    when it is already so. True when it changed. The product must exist."""
    if rate_bps is None:
        actions = [ProductModel.commission_rate_bps.remove(),
                   ProductModel.distribution_pool.remove(), ProductModel.pool_rank.remove()]
    else:
        actions = [ProductModel.commission_rate_bps.set(rate_bps),
                   ProductModel.distribution_pool.set(POOL_OPEN),
                   ProductModel.pool_rank.set(pool_rank(product_id, rate_bps))]
    condition = ProductModel.product_id.exists() & differs(ProductModel.commission_rate_bps,
                                                           rate_bps)
    try:
        apply_update(ProductModel(product_id), actions, condition)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def pool_page(category: str | None, limit: int,
              start_key: dict | None) -> tuple[list[tuple[str, dict]], dict | None]:
    """Up to `limit` product ids of the pool (of one category, or all), highest rate first,
    each with the index key that resumes after it, and the key of the next page (None: the
    end): one Query of a keys-only pool index."""
    if category is None:
        index, hash_name, hash_value = ProductModel.by_distribution, "distribution_pool", (
            POOL_OPEN)
    else:
        index, hash_name, hash_value = ProductModel.by_distribution_category, "category", (
            category)
    results = index.query(hash_value, scan_index_forward=True, limit=limit, page_size=limit,
                          last_evaluated_key=start_key)
    page = [(model.product_id, {"product_id": {"S": model.product_id},
                                hash_name: {"S": hash_value},
                                "pool_rank": {"S": model.pool_rank}})
            for model in results]
    return page, results.last_evaluated_key
