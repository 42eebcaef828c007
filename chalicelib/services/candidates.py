"""One shopper's candidate list (猜你喜欢's read model), rebuilt by the candidates job phase.

Reads, in order (a job, not a request: round trips matter less than cost per shopper):

    1 Query                  the shopper's purchase history (purchases, buyer#<id>)
    1 Query + 1 per device   linked devices and their browse affinities (behaviour)
    1 BatchGetItem           preferences (follows), the current list, the similar lists of the
                             10 most recent purchases, the profiles of the bought categories,
                             the heads of the popular feed and of the 3 top categories' feeds,
                             the Chuanliu boost list
    then, unless personalisation is off (its list is deleted instead):
    1 Query + 1 per shop     followed shops (≤ 20 newest follows) and each one's ≤ 10 newest
                             product ids (the products by_shop index, ids and creation times
                             only)
    1 Query                  the Chuanliu groups targeting the shopper (≤ 5 brands, the
                             chuanliu table's sparse by_targeted_buyer index), then per brand
                             1 BatchGetItem of the shops (their shelf version) and 1 Query of
                             its storefront's 10 best-ranked cards
    1 BatchGetItem per 100   every proposed product, live: anything off the shelves or sold
                             out is dropped before ranking
    ≤ 1 PutItem              the list, only when it changed

The feed heads, the category profiles, the shops' products, the brands' best products, the boost
list and the products' states are shared by the shoppers one container handles in a run
(`RunCache`), so a run reads each at most once
per container and a few minutes: the shared BatchGetItem then carries the shopper's own keys
(preferences, list, similar lists) and only the first shopper's carries the heads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.domain import clock
from chalicelib.domain.clock import DAY_MS
from chalicelib.domain.recommend import (
    CHUANLIU_PER_BRAND,
    NEW_PRODUCT_DAYS,
    Candidate,
    Entry,
    Listed,
    ShopperInputs,
    affinity,
    build_candidates,
    pool,
    recent_purchases,
    top_categories,
)
from chalicelib.store import catalog as catalog_store
from chalicelib.store import chuanliu as chuanliu_store
from chalicelib.store import products as product_store
from chalicelib.store import purchases as purchase_store
from chalicelib.store.base import batch_get, key_id

FOLLOWED_SHOPS = 20
NEW_PER_SHOP = 10
POPULAR_ENTRIES = 60
CATEGORY_ENTRIES = 30
PROFILE_CATEGORIES = 60  # keeps the shared BatchGetItem under 100 keys
CHUANLIU_BRANDS = 5  # the most recently joined groups whose brands are proposed
LIVE_BATCH = 100


@dataclass
class RunCache:
    """What the shoppers of one job run share, within one container: the followed shops' newest
    products and the products' live state (the popular items, the category feeds and the
    co-purchase neighbours are mostly the same products for every shopper). Kept for minutes
    at most (the caller renews it), and only an optimisation: the request path re-reads every
    product it shows."""

    shops: dict = field(default_factory=dict)  # shop → [(product_id, created_at)]
    products: dict = field(default_factory=dict)  # product → (category, listed and in stock)
    feeds: dict = field(default_factory=dict)  # feed name → its first entries, or None
    profiles: dict = field(default_factory=dict)  # category → ConsumableProfile, or None
    brands: dict = field(default_factory=dict)  # Chuanliu brand → its best product ids
    boosts: dict | None = None  # the Chuanliu boost list: product → end (ms)


def refresh_candidates(shopper_id: str, now: int | None = None,
                       cache: RunCache | None = None) -> str:
    """Rebuild the shopper's list: "written", "unchanged", "deleted" (personalisation off, a
    list was there), or "off" (off, nothing to delete)."""
    from chalicelib.store import behaviour, feeds, follows

    now = clock.now_ms() if now is None else now
    cache = cache if cache is not None else RunCache()
    bought = list(purchase_store.buyer_history(shopper_id).live(now).products.values())
    devices = behaviour.devices_of(shopper_id)
    browse = behaviour.category_affinity(
        [f"shopper#{shopper_id}"] + [f"device#{device}" for device in devices])
    top = top_categories(affinity(bought, browse))
    recent = [b.product_id for b in recent_purchases(bought)]
    bought_categories = sorted({b.category for b in bought})[:PROFILE_CATEGORIES]
    feed_names = [feeds.POPULAR_FEED] + [feeds.category_feed(c) for c in top]
    wanted = {
        "preferences": follows.preferences_key(shopper_id),
        "current": purchase_store.candidates_key(shopper_id),
        **{("similar", pid): purchase_store.similar_key(pid) for pid in recent},
        **{("profile", c): purchase_store.profile_key(c) for c in bought_categories
           if c not in cache.profiles},
        **{("feed", name): feeds.head_request(name) for name in feed_names
           if name not in cache.feeds},
        **({"boosts": chuanliu_store.boosts_key()} if cache.boosts is None else {}),
    }
    found = batch_get(list(wanted.values()))

    def raw(name):
        return found.get(key_id(wanted[name]))

    for name in wanted:
        if name[0] == "feed":
            cache.feeds[name[1]] = _entries(feeds.head_from(raw(name)), POPULAR_ENTRIES)
        elif name[0] == "profile":
            cache.profiles[name[1]] = purchase_store.profile_from(raw(name))
    if cache.boosts is None:
        cache.boosts = chuanliu_store.boosts_from(raw("boosts")).boosts
    if not follows.personalized_from(raw("preferences")):
        if raw("current"):
            purchase_store.delete_candidates(shopper_id)
            return "deleted"
        return "off"
    inputs = ShopperInputs(
        history=bought,
        neighbours={pid: purchase_store.similar_from(raw(("similar", pid))) for pid in recent},
        browse_affinity=browse,
        popular_by_category={c: cache.feeds[feeds.category_feed(c)][:CATEGORY_ENTRIES]
                             for c in top},
        popular=cache.feeds[feeds.POPULAR_FEED],
        profiles={c: cache.profiles[c] for c in bought_categories if cache.profiles[c]},
        chuanliu=_brand_products(chuanliu_store.targeted_brands(shopper_id, CHUANLIU_BRANDS),
                                 cache.brands),
        boosted=cache.boosts,
    )
    followed = _followed_new(follows.followed_shop_ids(shopper_id)[:FOLLOWED_SHOPS], now,
                             cache.shops)
    available, categories = _live(sorted(pool(inputs, now) | set(followed)), cache.products)
    inputs.followed_new = [Listed(pid, shop_id, categories[pid], listed_at)
                           for pid, (shop_id, listed_at) in followed.items() if pid in categories]
    candidates = build_candidates(inputs, now, available, categories)
    if candidates == purchase_store.candidates_from(raw("current")):
        return "unchanged"
    purchase_store.write_candidates(shopper_id, candidates, now)
    return "written"


def _entries(head, n: int) -> list[Entry]:
    """A feed head's first n entries as (product, shop, score); none when it is missing."""
    return [(e.product_id, e.shop_id, e.score) for e in head.entries[:n]] if head else []


def _followed_new(shop_ids: list[str], now: int,
                  shop_cache: dict) -> dict[str, tuple[str, int]]:
    """The followed shops' products created in the last 30 days: product → (shop, created)."""
    since = now - NEW_PRODUCT_DAYS * DAY_MS
    found = {}
    for shop_id in shop_ids:
        if shop_id not in shop_cache:
            shop_cache[shop_id] = product_store.newest_listings(shop_id, NEW_PER_SHOP)
        found.update({pid: (shop_id, created_at) for pid, created_at in shop_cache[shop_id]
                      if created_at >= since})
    return found


def _brand_products(shop_ids: list[str], brand_cache: dict) -> dict[str, list[str]]:
    """Each Chuanliu brand's CHUANLIU_PER_BRAND best products as its storefront ranks them (the
    comprehensive sort of its current shelf): one BatchGetItem of the shops not cached, then a
    Query per such shop."""
    from chalicelib.domain.shelf import ALL_CATEGORIES, ShelfSort
    from chalicelib.store import shelves

    missing = [shop_id for shop_id in shop_ids if shop_id not in brand_cache]
    shops = catalog_store.batch_get(shop_ids=missing)["shops"] if missing else {}
    for shop_id in missing:
        shop = shops.get(shop_id)
        cards = [] if shop is None else shelves.query_shelf(
            shelves.shelf_key(shop_id, shop.shelf_version, ALL_CATEGORIES),
            ShelfSort.COMPREHENSIVE, CHUANLIU_PER_BRAND, None)[0]
        brand_cache[shop_id] = [card.product_id for card in cards]
    return {shop_id: brand_cache[shop_id] for shop_id in shop_ids if brand_cache[shop_id]}


def _live(product_ids: list[str], known: dict) -> tuple[set[str], dict[str, str]]:
    """Which products are listed and in stock, and every found product's category: a
    BatchGetItem per 100 not in `known` (product → (category, ok), filled here)."""
    missing = [pid for pid in product_ids if pid not in known]
    for start in range(0, len(missing), LIVE_BATCH):
        chunk = missing[start:start + LIVE_BATCH]
        found = catalog_store.batch_get(product_ids=chunk)["products"]
        for pid in chunk:
            product = found.get(pid)
            known[pid] = None if product is None else (
                product.category, product.listed_on_shelves and product.total_stock > 0)
    states = {pid: known[pid] for pid in product_ids if known.get(pid)}
    return {pid for pid, (_, ok) in states.items() if ok}, {
        pid: category for pid, (category, _) in states.items()}


def candidates_of(shopper_id: str) -> list[Candidate]:
    """The stored list (tests, the bench): one GetItem through the shared-batch helpers."""
    key = purchase_store.candidates_key(shopper_id)
    found = batch_get([key])
    return purchase_store.candidates_from(found.get(key_id(key)))
