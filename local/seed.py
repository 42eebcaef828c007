"""Load the demo catalog into an empty database, through the same store writes the API uses.

Each product goes through `save_product` (product item, shelf cards and the shop's tab counts in
one transaction) and each bundle through `save_bundle`, so the seeded data is exactly what the
API would have written: nothing here knows the tables' layout.

Set the environment (stage, table prefix, endpoint) before importing this module: the store's
table names are fixed when `chalicelib.store` is imported.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain.clock import DAY_MS, now_ms
from chalicelib.store import aggregates as aggregate_store
from chalicelib.store import campaigns as campaign_store
from chalicelib.store import catalog as catalog_store
from chalicelib.store import creators as creator_store
from chalicelib.store.base import connection
from chalicelib.store.shops import ShopModel
from local.demo_data import BASE_MS, DemoCatalog, build_demo_catalog
from local.demo_history import CREATORS, build_demo_history
from local.demo_shoppers import DemoOrder, DemoShoppers, apply_ratings, build_demo_shoppers

if TYPE_CHECKING:
    from local.demo_streams import StreamPlan

PROGRESS_EVERY = 50


def shops_table_is_empty() -> bool:
    """One Scan with Limit=1 (a local tool's check, never a request path)."""
    response = connection().client.scan(
        TableName=ShopModel.Meta.table_name, Limit=1, ProjectionExpression="shop_id"
    )
    return not response.get("Items")


@dataclass
class DemoSeed:
    """What an empty database gets: the catalogue, the shoppers' 90 days and the streams' plan
    (None without streams), drawn up front so each step below loads its part."""

    catalog: DemoCatalog
    shoppers: DemoShoppers
    stream_plan: StreamPlan | None


def plan_seed(catalog: DemoCatalog | None = None, shoppers: DemoShoppers | None = None,
              streams: bool = True) -> DemoSeed | None:
    """The demo world for an empty shops table; None when it has items already."""
    if not shops_table_is_empty():
        return None
    catalog = catalog or build_demo_catalog()
    shoppers = shoppers or build_demo_shoppers(catalog, now_ms())
    apply_ratings(catalog.products, shoppers.reviews)  # products carry their reviews' ratings
    stream_plan = None
    if streams:
        from local.demo_streams import plan_streams

        stream_plan = plan_streams(catalog, shoppers.as_of_ms)
    return DemoSeed(catalog, shoppers, stream_plan)


def seed_if_empty(progress: Callable[[str], object] = print, *,
                  catalog: DemoCatalog | None = None, search_index: bool = True,
                  shoppers: DemoShoppers | None = None, streams: bool = True) -> bool:
    """Load the demo catalog when the shops table is empty; True when it loaded. With
    `search_index` False the caller loads the search index itself (`load_search_index`), once
    what it runs next (the score job) has changed the products. With `streams` (the default)
    the demo around live streams, creators and the Chuanliu plan follows (`local.demo_streams`);
    the recommendation bench leaves it out, as its world ends before them. `make run` runs the
    same steps, two at a time where they are independent (`local.prepare`).

    One writer, on purpose: moto's TransactWriteItems is not thread-safe (it deep-copies whole
    tables while other requests change them, and concurrent transactions fail with HTTP 500), so
    loading on several threads breaks against the moto server `make run` starts. The collector
    is paused while loading: the items hold no cycles, and its full passes over millions of
    objects cost seconds.

    If loading stops halfway (Ctrl-C), the shops table is no longer empty and the next run will
    not complete it: start from a fresh database (the runner's in-memory moto always is one).
    """
    seed = plan_seed(catalog, shoppers, streams)
    if seed is None:
        progress("  demo data: the shops table has items already, not seeding")
        return False
    started = time.monotonic()
    with collector_paused():
        create_shops(seed, progress)
        load_catalog(seed, progress)
        if search_index:
            load_search_index(seed.catalog, progress)
        load_scores_world(seed, progress)
        load_shopper_world(seed, progress)
        load_stream_world(seed, progress)
    report_seeded(seed, progress, started)
    return True


@contextmanager
def collector_paused():
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def report_seeded(seed: DemoSeed, progress: Callable[[str], object], started: float) -> None:
    catalog = seed.catalog
    listed = len(catalog.listed_products())
    progress(
        f"  demo data: {len(catalog.products)} products ({listed} on shelves, "
        f"{len(catalog.products) - listed} draft/off-shelf/live-only), "
        f"{len(catalog.bundles)} bundles loaded in {time.monotonic() - started:.1f}s"
    )


def create_shops(seed: DemoSeed, progress: Callable[[str], object]) -> None:
    for shop in seed.catalog.shops:
        catalog_store.create_shop(shop)
    progress(f"  demo data: {len(seed.catalog.shops)} shops created")


def load_catalog(seed: DemoSeed, progress: Callable[[str], object]) -> None:
    """The products and bundles of the shops `create_shops` made."""
    catalog = seed.catalog
    shops = {shop.shop_id: shop for shop in catalog.shops}
    total = len(catalog.products)
    for loaded, product in enumerate(catalog.products, start=1):
        # The demo shop is the stored one: shelf_version stays 1 while seeding and the owner
        # matches, so save_product's conditions hold without re-reading the shop.
        catalog_store.save_product(None, product, shops[product.shop_id])
        if loaded % PROGRESS_EVERY == 0 or loaded == total:
            progress(f"  demo data: {loaded}/{total} products")
    for bundle in catalog.bundles:
        catalog_store.save_bundle(bundle, catalog.bundle_summary(bundle), shops[bundle.shop_id])


def load_stream_world(seed: DemoSeed, progress: Callable[[str], object]) -> None:
    """The live session, its videos, orders and money moves (`local.demo_streams`), if planned."""
    if seed.stream_plan is not None:
        from local.demo_streams import load_streams

        load_streams(seed.stream_plan, seed.catalog, progress)


def load_search_index(catalog: DemoCatalog, progress: Callable[[str], object]) -> None:
    """The demo catalogue's search index in bulk, from the products and shops as stored now.
    The products' catalogue events still reach the stream consumer, which finds each product
    indexed as it is and writes nothing."""
    from chalicelib.services.search_index import load_index
    from chalicelib.store import products as product_store
    from chalicelib.store import shops as shop_store

    started = time.monotonic()
    shops = {shop.shop_id: shop_store.get_shop(shop.shop_id) for shop in catalog.shops}
    products = [product for shop_id in shops
                for product in product_store.all_shop_products(shop_id)]
    loaded = load_index(products, shops, now_ms())
    progress(f"  demo data: search index of {loaded['products']} products "
             f"({loaded['postings']} postings over {loaded['terms']} terms) "
             f"in {time.monotonic() - started:.1f}s")


def load_scores_world(seed: DemoSeed, progress: Callable[[str], object]) -> None:
    """Creators, two campaigns, and 90 days of history up to yesterday (the day the score job
    scores as of), as daily counters."""
    from chalicelib.jobs.scores import last_complete_day

    catalog = seed.catalog
    for creator_id, name, bio in CREATORS:
        creator_store.create(creator_store.Creator(creator_id, name, bio, None, BASE_MS))
    for campaign in demo_campaigns():
        campaign_store.create(campaign)
    history = build_demo_history(catalog, last_complete_day())
    written = aggregate_store.load_history(
        ((entity, day, counters) for (entity, day), counters in history.counters.items()),
        history.entities.values())
    progress(f"  demo data: {len(CREATORS)} creators, 2 campaigns, 90 days of history "
             f"({history.events} events as {written} counter and entity items)")


def _as_orders(demo_orders: list[DemoOrder], catalog: DemoCatalog, as_of_ms: int) -> list:
    """Demo orders as chalicelib orders (their scene, shop, lines and paid time are what the
    scene counters read)."""
    from local.demo_shoppers import domain_order

    products = {product.product_id: product for product in catalog.products}
    shops = {shop.shop_id: shop for shop in catalog.shops}
    return [domain_order(demo, f"c{demo.order_id[1:]}", products, shops[demo.shop_id],
                         as_of_ms, []) for demo in demo_orders]


def load_shopper_world(seed: DemoSeed, progress: Callable[[str], object]) -> None:
    """The demo shoppers' 90 days, in bulk: their orders and reviews, follows (true follower
    counts), linked devices, browse events and paid orders as the per-scene counters and
    affinities, the purchase patterns recommendations learn from, and the mall's categories.
    Each loader writes what its live consumer would have (their tests prove it).
    The stream plan's orders join the purchase patterns and the scene counters here; their
    order items are written, attributed, by the streams loader (`load_stream_world`)."""
    from chalicelib.services import purchases as purchase_service
    from chalicelib.services import scene_stats
    from chalicelib.store import behaviour as behaviour_store
    from chalicelib.store import feeds as feed_store
    from chalicelib.store import follows as follow_store
    from local.demo_load import load_orders, load_reviews
    from local.demo_shoppers import domain_orders

    started = time.monotonic()
    catalog, shoppers = seed.catalog, seed.shoppers
    stream_orders = seed.stream_plan.demo_orders() if seed.stream_plan else []
    orders = domain_orders(shoppers, catalog)
    load_orders(orders)
    load_reviews(shoppers.reviews, catalog.products)
    follow_store.load_follows(shoppers.follows, shop_ids=[shop.shop_id for shop in catalog.shops])
    for device_id, shopper_id, linked_at in shoppers.devices:
        behaviour_store.link_device(shopper_id, device_id, linked_at)
    # first: it writes the shoppers' activity items whole, which load_events then moves on
    learnt = purchase_service.load_history(
        (order.buyer_id, order.order_id, order.paid_at, order.purchase_lines())
        for order in [*shoppers.orders, *stream_orders])
    categories = {product.product_id: product.category for product in catalog.products}
    counted = scene_stats.load_events(
        (browse_event(event, shoppers) for event in shoppers.events),
        [*orders, *_as_orders(stream_orders, catalog, shoppers.as_of_ms)], categories)
    feed_store.register_categories({p.category for p in catalog.listed_products()})
    progress(f"  demo data: {len(shoppers.shoppers)} shoppers, {len(orders)} orders, "
             f"{len(shoppers.reviews)} reviews, {len(shoppers.follows)} follows, "
             f"{len(shoppers.events)} browse events ({counted} counter items), "
             f"{learnt['items']} purchase-pattern items in {time.monotonic() - started:.1f}s")


def browse_event(event, shoppers: DemoShoppers):
    """A demo browse event as POST /events would have taken it."""
    from chalicelib.domain.behaviour import BehaviourEvent, EventKind

    return BehaviourEvent(event_id=event.event_id, type=EventKind(event.type),
                          scene=event.scene, at=event.at, actor=event.actor,
                          product_id=event.product_id, shop_id=event.shop_id,
                          position=shoppers.positions.get(event.event_id),
                          query=shoppers.queries.get(event.event_id))


def demo_campaigns() -> list[campaign_store.Campaign]:
    """A regular campaign (shops ≥ 4.0) and a major promotion (≥ 4.5), open for 60 days."""
    starts = now_ms() - DAY_MS
    ends = starts + 61 * DAY_MS
    return [
        campaign_store.Campaign("cp-demo-regular", "年终好物节", "regular", 4.0, None, 4.5,
                                starts, ends, BASE_MS),
        campaign_store.Campaign("cp-demo-major", "双12 大促", "major", 4.5, 4.6, 4.5,
                                starts, ends, BASE_MS),
    ]
