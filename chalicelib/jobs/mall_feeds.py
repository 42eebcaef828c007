"""The mall feeds' rebuild: each category's feed from its best-ranked listed products, then the
all-categories feed and the popular list from the category feeds (two phases of the feeds job,
chalicelib/jobs/feeds.py). A rebuild reads a feed's capped length, never a whole category, and
the Chuanliu boost list once (one GetItem): a boosted product ranks ×1.5 from the first
rebuild inside its boost's window (docs/chuanliu.md).
"""

from __future__ import annotations

from chalicelib.domain import feeds as feed_rules
from chalicelib.domain import ids
from chalicelib.domain.clock import now_ms
from chalicelib.domain.orders import Scene
from chalicelib.domain.scene_stats import Counts
from chalicelib.jobs.runner import Phase, RunContext
from chalicelib.store import catalog as catalog_store
from chalicelib.store import feeds as feed_store
from chalicelib.store import products as product_store

SELECTION = 1500  # listed products read per category: the cap plus room for the sold-out
_KEYS_PER_READ = 100


# --- category feeds ------------------------------------------------------------------------------

def _categories(ctx: RunContext) -> list[str]:
    return feed_store.registered_categories()


def _one(ctx: RunContext, shard, cursor, limit: int):
    return [(shard, None)], None


def build_category_feed(ctx: RunContext | None, category: str) -> int:
    """Rebuild one category's feed from its best-ranked listed products; returns its length."""
    moment = now_ms()
    selected = [product_id for product_id, _ in
                product_store.category_page(category, SELECTION)]
    candidates = _candidates(selected, _mall_counts(category), _boosts())
    entries = feed_rules.category_feed(candidates, _mall_prior(category), moment)
    publish(feed_store.category_feed(category), entries, product_store.count_listed(category),
            moment)
    return len(entries)


def _candidates(product_ids: list[str], counts: dict,
                boosts: dict[str, int] | None = None) -> list[feed_rules.Candidate]:
    boosts = boosts or {}
    products = {}
    for start in range(0, len(product_ids), _KEYS_PER_READ):
        chunk = product_ids[start:start + _KEYS_PER_READ]
        products.update(catalog_store.batch_get(product_ids=chunk)["products"])
    shop_ids = sorted({ids.shop_of_product(product_id) for product_id in products} - {None})
    shops = {}
    for start in range(0, len(shop_ids), _KEYS_PER_READ):
        shops.update(catalog_store.batch_get(
            shop_ids=shop_ids[start:start + _KEYS_PER_READ])["shops"])
    return [
        feed_rules.Candidate(
            product_id=product.product_id, shop_id=product.shop_id,
            price_fen=product.min_price_fen, product_score=product.score,
            shop_score=shops[product.shop_id].score, created_at=product.created_at,
            in_stock=product.total_stock > 0,
            counts=counts.get(product.product_id) or Counts(),
            boosted_until=boosts.get(product.product_id))
        for product in products.values()
        if product.listed_on_shelves and product.shop_id in shops
    ]


def _boosts() -> dict[str, int]:
    """Every product's Chuanliu boost end (the boost list, one GetItem)."""
    from chalicelib.store import chuanliu

    return chuanliu.read_boosts().boosts


def _mall_counts(category: str) -> dict:
    from chalicelib.store import scene_stats

    return scene_stats.category_rates(Scene.MALL.value, category)


def _mall_prior(category: str):
    """The mall's fitted Beta priors for the category (its own fit, else the scene's, else the
    ranking defaults: scene_stats.prior_for)."""
    from chalicelib.store import scene_stats

    return scene_stats.prior_for(Scene.MALL.value, category)


def publish(feed: str, ranked: list[feed_rules.Ranked], count: int, moment: int) -> bool:
    """Write a new version, swap the head to it, delete the version before the previous one.
    A version is named by its build time, so two builds never write the same partition; the
    one that loses the swap deletes its own."""
    head = feed_store.read_head(feed)
    entries = [feed_store.FeedEntry(r.product_id, r.shop_id, r.score) for r in ranked]
    version = max(moment, (head.version + 1) if head else 0)
    feed_store.write_version(feed, version, entries)
    if not feed_store.swap_head(feed, head, version, entries, count, moment):
        feed_store.delete_version(feed, version)
        return False
    if head is not None and head.previous is not None:
        feed_store.delete_version(feed, head.previous)
    return True


# --- the all-categories feed and the popular list ------------------------------------------------

def _merged_feeds(ctx: RunContext) -> list[str]:
    return [feed_store.ALL_CATEGORIES_FEED, feed_store.POPULAR_FEED]


def build_merged_feed(ctx: RunContext | None, feed: str) -> int:
    moment = now_ms()
    heads = {category: feed_store.read_head(feed_store.category_feed(category))
             for category in feed_store.registered_categories()}
    heads = {category: head for category, head in heads.items() if head is not None}
    feeds = {category: [feed_rules.Ranked(e.product_id, e.shop_id, e.score)
                        for e in feed_store.read_entries(head.feed, head.version, 0,
                                                         head.length)]
             for category, head in heads.items()}
    merge = (feed_rules.merged_feed if feed == feed_store.ALL_CATEGORIES_FEED
             else feed_rules.popular_feed)
    entries = merge(feeds)
    publish(feed, entries, sum(head.count for head in heads.values()), moment)
    if feed == feed_store.ALL_CATEGORIES_FEED:
        counts = sorted(((category, head.count) for category, head in heads.items()
                         if head.count > 0), key=lambda item: (-item[1], item[0]))
        feed_store.write_categories(counts, moment)
    return len(entries)


CATEGORY_PHASE = Phase("category", _categories, _one, build_category_feed)
MERGED_PHASE = Phase("merged", _merged_feeds, _one, build_merged_feed)
