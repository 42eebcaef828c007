"""The demo around live streams: a brand's stream some nights ago, the short videos cut from it
and the orders they brought night by night, creators' distribution orders with their commission
ledger, and the brand's Chuanliu (川流计划) group.

`plan_streams(catalog, as_of_ms)` is pure (one seeded generator, like the other demo modules):
what happened and when. `load_streams(plan, catalog, progress)` makes it happen through the
service's own code, each step at the moment it happened (chalicelib's clock is moved there, as
the bench does), so nothing here restates a rule:
- the distribution openings, the live session and the videos: the services the API calls;
- the orders: written in bulk like the other demo orders (`local.demo_load`), each line stamped
  by checkout's own `stamp_line` from its source; then each order's business events (paid, and
  completed when it got that far) go to the events consumer's router (`handle_event`), so the
  scene counters, purchase patterns, attribution report, stream GMV, tail-GMV index, ledger and
  Chuanliu group are what the stream would have derived;
- a cancel and two refunds: the order and after-sales services, their events read back from the
  stream and handed to the consumer like Lambda would;
- then the settlement and post-stream jobs, at the real time.

What comes out (the README's curl session shows it):
- 阿海渔铺 (m2) streamed five nights ago (19:30–21:30 Shanghai); three videos cut from it sell
  night after night, fewer each night (`TAIL_ORDERS`), and some viewers who entered the store
  from a video bought something else there (assisted GMV);
- 小鱼说海味 (c1) brought 80 new buyers to 阿海渔铺 at 15 % commission: the oldest orders'
  commissions are settled, recent ones pending, one cancelled order's is void, a partial refund
  posted a negative pending entry and a refund after settlement a clawback; 阿茶的茶席 (c2)
  sells 峰顶茶园's tea at 10 %;
- those 80 buyers are 阿海渔铺's Chuanliu group: 10 % held out by the plan's hash; the demo's
  treated members come back to the storefront more often than the holdout (half against two in
  five: an assumption of this demo, in line with what the plan reports in the field, not a
  measurement), so the brand's report shows an increment; c1 earned traffic credits on their
  orders.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from chalicelib.domain.clock import DAY_MS, business_day, business_day_start_ms
from chalicelib.domain.orders import Assist, Order, Scene, Source
from local.demo_data import DemoCatalog, demo_id
from local.demo_shoppers import DemoOrder

SEED = 10
HOUR_MS = 3_600_000
MINUTE_MS = 60_000

BRAND_OWNER = "m2"  # 阿海渔铺: streams every night at 8
TEA_OWNER = "m22"  # 峰顶茶园: sold by 阿茶的茶席
BRAND_RATE_BPS = 1500
TEA_RATE_BPS = 1000
STREAM_NIGHTS_AGO = 5
STREAM_START_H, STREAM_HOURS = 19.5, 2  # Shanghai time
STREAM_ORDERS = 16
# orders the videos bring on night 0 (the rest of the stream's day), night 1, …: a tail decays
TAIL_ORDERS = (6, 18, 13, 9, 6, 4)
ASSIST_SHARE = 0.2  # of tail orders: the viewer also bought something else in the store
COHORT = 80  # new buyers c1 brought to the brand (u301…)
COHORT_DAYS = 44
COMEBACK_SHARE = {"treated": 0.5, "holdout": 0.4}  # the demo's assumption, see above
TEA_ORDERS = 10


@dataclass
class PlannedOrder:
    demo: DemoOrder
    source: Source
    assists: list[Assist] = field(default_factory=list)
    video: int | None = None  # index into the plan's videos, for a tail order


@dataclass(frozen=True)
class PlannedVideo:
    title: str
    anchors: tuple[str, ...]
    at: int


@dataclass
class StreamPlan:
    as_of_ms: int
    brand_shop_id: str
    rates: dict[str, int]  # product id → commission rate opened to distribution
    stream_title: str
    stream_products: list[str]
    started_at: int
    ended_at: int
    videos: list[PlannedVideo]
    orders: list[PlannedOrder]
    cancel: str  # order ids of the money moves
    partial_refund: str
    refund_after_settlement: str

    def demo_orders(self) -> list[DemoOrder]:
        """The orders as the shoppers' bulk loaders take them (purchase patterns, counters)."""
        return [planned.demo for planned in self.orders]


def plan_streams(catalog: DemoCatalog, as_of_ms: int) -> StreamPlan:
    rng = random.Random(SEED)
    brand = _shop_of(catalog, BRAND_OWNER)
    tea = _shop_of(catalog, TEA_OWNER)
    brand_products = _sellable(catalog, brand)[:6]
    tea_products = _sellable(catalog, tea)[:3]
    rates = {p.product_id: BRAND_RATE_BPS for p in brand_products}
    rates |= {p.product_id: TEA_RATE_BPS for p in tea_products}
    stream_day = business_day(as_of_ms - STREAM_NIGHTS_AGO * DAY_MS)
    started_at = business_day_start_ms(stream_day) + int(STREAM_START_H * HOUR_MS)
    ended_at = started_at + STREAM_HOURS * HOUR_MS
    videos = [PlannedVideo(f"直播切片｜{p.title[:18]}", (p.product_id,), ended_at + 40 * MINUTE_MS)
              for p in brand_products[:3]]
    book = _Book(rng, catalog, as_of_ms)
    for _ in range(STREAM_ORDERS):  # bought in the live room while it ran
        at = started_at + rng.randrange(STREAM_HOURS * HOUR_MS)
        book.order(f"u{rng.randint(2, 300)}", rng.choice(brand_products[:5]), at,
                   Source(Scene.LIVE, live_id="{live}"))
    _tail(book, rng, brand_products, stream_day, ended_at, videos)
    comeback = _cohort(book, rng, brand, brand_products)
    for _ in range(TEA_ORDERS):
        at = _evening(as_of_ms - rng.randint(1, 40) * DAY_MS, rng)
        book.order(f"u{rng.randint(2, 300)}", rng.choice(tea_products), at,
                   Source(Scene.DISTRIBUTION, creator_id="c2"))
    firsts = sorted(comeback, key=lambda o: o.demo.paid_at)
    # delivered by now (four days suffice), not yet completed (a week after delivery)
    recent = [o for o in firsts if 4 * DAY_MS < as_of_ms - o.demo.paid_at < 8 * DAY_MS]
    settled = [o for o in firsts if as_of_ms - o.demo.paid_at > 30 * DAY_MS]
    # a last order through c1, just paid and cancelled before shipping (its commission: void)
    cancelled = book.order("u380", brand_products[1], as_of_ms - 90 * MINUTE_MS,
                           Source(Scene.DISTRIBUTION, creator_id="c1"))
    return StreamPlan(
        as_of_ms=as_of_ms, brand_shop_id=brand.shop_id, rates=rates,
        stream_title=f"{brand.name} 晚8点 海鲜干货专场", stream_products=[
            p.product_id for p in brand_products[:5]],
        started_at=started_at, ended_at=ended_at, videos=videos,
        orders=sorted(book.orders, key=lambda o: o.demo.paid_at),
        cancel=cancelled.demo.order_id, partial_refund=recent[0].demo.order_id,
        refund_after_settlement=settled[0].demo.order_id)


def _tail(book, rng, brand_products, stream_day, ended_at, videos) -> None:
    """The nights after the stream: orders through the videos' anchors, and assists."""
    for night, count in enumerate(TAIL_ORDERS):
        day_start = business_day_start_ms(stream_day) + night * DAY_MS
        start = ended_at if night == 0 else day_start + 18 * HOUR_MS
        end = day_start + DAY_MS - HOUR_MS
        for number in range(count):
            index = number % len(videos)  # each video's share alike, so GMV follows the count
            at = start + rng.randrange(max(end - start, HOUR_MS))
            if at >= book.as_of - HOUR_MS:
                continue  # tonight has not come yet
            buyer = f"u{rng.randint(2, 300)}"
            video_source = Source(Scene.VIDEO, video_id=f"{{video{index}}}", live_id="{live}")
            book.order(buyer, _product(brand_products, videos[index].anchors[0]), at,
                       video_source, video=index)
            if rng.random() < ASSIST_SHARE:  # entered the store from the video, bought more
                other = rng.choice([p for p in brand_products
                                    if p.product_id not in videos[index].anchors])
                assist = Assist(f"{{video{index}}}", at - 5 * MINUTE_MS, live_id="{live}")
                book.order(buyer, other, at + 3 * MINUTE_MS, Source(Scene.STOREFRONT),
                           assists=[assist])


def _cohort(book, rng, brand, brand_products) -> list[PlannedOrder]:
    """New buyers c1 brought to the brand, and who of them came back to its storefront: a
    fixed share of each arm (`COMEBACK_SHARE`), all for the brand's first product, so the
    report's increment is the shares' ratio rather than which items a handful bought."""
    from chalicelib.domain.chuanliu import in_holdout

    firsts, arms = [], {"treated": [], "holdout": []}
    for number in range(301, 301 + COHORT):
        buyer = f"u{number}"
        at = _evening(book.as_of - rng.uniform(1, COHORT_DAYS) * DAY_MS, rng)
        firsts.append(book.order(buyer, rng.choice(brand_products), at,
                                 Source(Scene.DISTRIBUTION, creator_id="c1")))
        arms["holdout" if in_holdout(brand.shop_id, buyer) else "treated"].append((buyer, at))
    for arm, members in arms.items():
        members.sort(key=lambda member: zlib.crc32(member[0].encode()))
        for buyer, joined in members[:round(COMEBACK_SHARE[arm] * len(members))]:
            back = min(joined + int(rng.uniform(4, 27) * DAY_MS), book.as_of - 2 * HOUR_MS)
            if back > joined + HOUR_MS:
                scene = rng.choice((Scene.STOREFRONT, Scene.RECOMMENDATION))
                book.order(buyer, brand_products[0], back, Source(scene), quantity=1)
    return firsts


class _Book:
    def __init__(self, rng: random.Random, catalog: DemoCatalog, as_of_ms: int):
        self.rng, self.as_of, self.orders = rng, as_of_ms, []
        self.category = {p.product_id: p.category for p in catalog.products}

    def order(self, buyer: str, product, at: int, source: Source,
              assists: list[Assist] | None = None, video: int | None = None,
              quantity: int | None = None) -> PlannedOrder:
        sku = next(s for s in product.skus if s.stock > 0)
        quantity = quantity or (2 if self.rng.random() < 0.2 else 1)
        demo = DemoOrder(demo_id("o", at, self.rng), buyer, product.shop_id, at,
                         [(product.product_id, sku.sku_id, quantity, sku.price_fen,
                           product.category)], source.scene.value)
        planned = PlannedOrder(demo, source, assists or [], video)
        self.orders.append(planned)
        return planned


def _shop_of(catalog: DemoCatalog, owner_id: str):
    return next(shop for shop in catalog.shops if shop.owner_id == owner_id)


def _sellable(catalog: DemoCatalog, shop) -> list:
    return sorted((p for p in catalog.listed_products()
                   if p.shop_id == shop.shop_id and any(s.stock > 0 for s in p.skus)),
                  key=lambda p: p.product_id)


def _product(products, product_id: str):
    return next(p for p in products if p.product_id == product_id)


def _evening(moment_ms: int, rng: random.Random) -> int:
    """19:00–23:00 Shanghai on the business day of `moment_ms`."""
    start = business_day_start_ms(business_day(int(moment_ms))) + 19 * HOUR_MS
    return start + rng.randrange(4 * HOUR_MS)


# --- loading -----------------------------------------------------------------------------------

def load_streams(plan: StreamPlan, catalog: DemoCatalog,
                 progress: Callable[[str], object] = print) -> dict[str, int]:
    """Make the plan happen, each step at its time; returns what it wrote."""
    import time

    from chalicelib.domain import clock

    started = time.monotonic()
    brand = next(shop for shop in catalog.shops if shop.shop_id == plan.brand_shop_id)
    caller_source = clock.source  # a test's clock, put back afterwards
    try:
        clock.source = lambda: plan.started_at - DAY_MS
        _open_distribution(plan, catalog)
        live_id, video_ids = _stream_and_videos(plan, brand.owner_id)
        orders = _orders(plan, catalog, live_id, video_ids)
        handled = _events(orders)
        clock.source = lambda: plan.as_of_ms - 2 * HOUR_MS
        settled = _run_job("settlement")
        clock.source = lambda: plan.as_of_ms - 30 * MINUTE_MS
        moved = _money_moves(plan, orders, brand.owner_id)
    finally:
        clock.source = caller_source
    tails = _run_job("post-stream")
    progress(f"  demo streams: 1 live session, {len(video_ids)} videos, {len(orders)} orders "
             f"({handled} business events, {moved} after-sales and cancel events), "
             f"settlement {settled} and post-stream {tails} items in "
             f"{time.monotonic() - started:.1f}s")
    return {"orders": len(orders), "events": handled + moved}


def _open_distribution(plan: StreamPlan, catalog: DemoCatalog) -> None:
    from chalicelib.auth import Principal, Role
    from chalicelib.services import distribution

    owners = {shop.shop_id: shop.owner_id for shop in catalog.shops}
    shop_of = {p.product_id: p.shop_id for p in catalog.products}
    for product_id, rate in plan.rates.items():
        merchant = Principal(owners[shop_of[product_id]], Role.MERCHANT)
        distribution.open_product(merchant, product_id, rate)


def _stream_and_videos(plan: StreamPlan, merchant_id: str) -> tuple[str, list[str]]:
    """The brand's self-broadcast, from its start to its end, and the videos cut from it."""
    from chalicelib.auth import Principal, Role
    from chalicelib.domain import clock
    from chalicelib.domain.clock import to_iso
    from chalicelib.schemas.live import LiveSessionCreate, LiveSessionEnd, VideoCreate
    from chalicelib.services import live, videos

    merchant = Principal(merchant_id, Role.MERCHANT)
    clock.source = lambda: plan.started_at
    session = live.create_session(merchant, LiveSessionCreate.model_validate({
        "title": plan.stream_title, "shop_id": plan.brand_shop_id,
        "products": plan.stream_products}))
    clock.source = lambda: plan.ended_at
    live.end_session(merchant, session.live_id, LiveSessionEnd.model_validate(
        {"ended_at": to_iso(plan.ended_at)}))
    video_ids = []
    for video in plan.videos:
        clock.source = lambda at=video.at: at
        created = videos.create_video(merchant, VideoCreate.model_validate({
            "title": video.title, "anchors": list(video.anchors),
            "shop_id": plan.brand_shop_id, "live_id": session.live_id}))
        video_ids.append(created.video_id)
    return session.live_id, video_ids


def _orders(plan: StreamPlan, catalog: DemoCatalog, live_id: str,
            video_ids: list[str]) -> list[Order]:
    """The planned orders as stored, attributed as checkout would have, written in bulk."""
    from chalicelib.domain.orders import attribution_from_source, stamp_line
    from local.demo_load import load_orders
    from local.demo_shoppers import domain_order

    products = {p.product_id: replace(p, commission_rate_bps=plan.rates.get(p.product_id))
                for p in catalog.products}
    shops = {shop.shop_id: shop for shop in catalog.shops}

    def real(text: str | None) -> str | None:
        if text == "{live}":
            return live_id
        if text and text.startswith("{video"):
            return video_ids[int(text[6:-1])]
        return text

    orders = []
    for planned in plan.orders:
        demo = planned.demo
        order = domain_order(demo, f"c{demo.order_id[1:]}", products, shops[demo.shop_id],
                             plan.as_of_ms, [])
        source = replace(planned.source, video_id=real(planned.source.video_id),
                         live_id=real(planned.source.live_id))
        order.source = source
        order.assists = [replace(a, video_id=real(a.video_id), live_id=real(a.live_id))
                         for a in planned.assists]
        for line in order.lines:
            stamp_line(line, attribution_from_source(source), products)
        orders.append(order)
    load_orders(orders)
    return orders


def _events(orders: list[Order]) -> int:
    """Each order's paid event, and its completed one once it got there, in time order, each
    handled at its own time by the consumer's handlers that follow attribution (the scene
    counters and purchase patterns of these orders were bulk-loaded with the shoppers' own:
    `local.seed.load_shopper_world`, whose loaders write what those consumers would)."""
    from chalicelib.domain import clock
    from chalicelib.domain.events import EventType, order_event
    from chalicelib.jobs.events import money_move_handlers, paid_order_handlers

    events = []
    for order in orders:
        events.append((order_event(EventType.ORDER_PAID, order, order.paid_at,
                                   payment_id=order.payment_id), order, paid_order_handlers()))
        if order.completed_at is not None:
            events.append((order_event(EventType.ORDER_COMPLETED, order, order.completed_at,
                                       by="auto"), order, money_move_handlers()))
    for event, order, handlers in sorted(events, key=lambda entry: entry[0].at):
        clock.source = lambda at=event.at: at
        for handle in handlers:
            handle(event, order)
    return len(events)


def _money_moves(plan: StreamPlan, orders: list[Order], merchant_id: str) -> int:
    """A cancel before shipping, a partial refund and a refund after settlement, through the
    services; the events they wrote are read back and handed to the consumer, as the stream
    would (a scan of the events table, which holds a few hundred catalogue events here)."""
    from chalicelib.auth import Principal, Role
    from chalicelib.jobs.events import handle_event
    from chalicelib.schemas.aftercare import AfterSalesCreate
    from chalicelib.services import after_sales
    from chalicelib.services import orders as order_service
    from chalicelib.store.events import EventModel, to_domain

    by_id = {order.order_id: order for order in orders}
    before = {model.event_id for model in EventModel.scan()}
    cancelled = by_id[plan.cancel]
    order_service.cancel(Principal(cancelled.buyer_id, Role.SHOPPER), cancelled.order_id,
                         "拍错了规格")
    merchant = Principal(merchant_id, Role.MERCHANT)
    for order_id, share, reason in ((plan.partial_refund, 3, "damaged"),
                                    (plan.refund_after_settlement, 2, "quality")):
        order = by_id[order_id]
        case = after_sales.request_case(
            Principal(order.buyer_id, Role.SHOPPER), order_id, AfterSalesCreate.model_validate(
                {"line": 0, "type": "refund", "reason": reason,
                 "amount_fen": order.lines[0].total_fen // share,
                 "description": "到货有几包漏气受潮，申请部分退款。"}))
        after_sales.approve(merchant, case.case_id)
    written = sorted((to_domain(model) for model in EventModel.scan()
                      if model.event_id not in before), key=lambda event: event.at)
    for event in written:
        handle_event(event)
    return len(written)


def _run_job(name: str) -> int:
    """Start a run of a runner job now and work the jobs queue until it is done."""
    from chalicelib.jobs import runner
    from chalicelib.store import job_runs
    from local.pumps import drain_job_queue

    run = runner.start(name, {}, force=True)
    drain_job_queue()
    return int(job_runs.get(run["run_id"])["items_done"])
