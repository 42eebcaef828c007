"""Demo shoppers: 90 days of orders, follows, browsing and reviews by a few hundred made-up people.

Pure Python, no I/O, like `local.demo_data`: `build_demo_shoppers(catalog, as_of_ms)` returns
plain dataclasses and tuples, and the loaders (the orders and reviews tables: `local.demo_load`;
the behaviour, purchases and follows tables: their stores' bulk loaders) write them. One seeded
generator drives every choice, so the same catalogue and `as_of_ms` give the same output, ids
included.

Shoppers "u1".."u300" (u1 is the README's `make token ROLE=shopper SUB=u1`) behave as people do:
- tastes: each has a main and a side segment (茶友, 海味, 宝妈, 国风, 新家, 户外, 护肤, 收藏)
  that weights the categories they browse and buy;
- consumables are bought again at the category's interval (茶叶 ~30 days, 海鲜干货 ~45,
  防晒霜 ~60, 零食坚果 ~20, 纸尿裤 ~25: `REPURCHASE_DAYS`), mostly the same product again;
- durables (空调, 洗地机, 翡翠, 国风服饰 …) are bought once per item;
- pairs go together (`PAIRS`): 空调 + 空调防尘罩 or + 洗地机, 洗地机 + 清洁液, 茶叶 + 零食坚果,
  防晒霜 + 防晒帽, 马面裙 + 盘扣衬衫, 纸尿裤 + 湿巾; in one order when the shop sells both,
  else in the same checkout from another shop;
- popularity is Zipf-like within a category (ranked by the catalogue's 30-day stats), so hits
  exist; the new shop gets a handful of recent orders;
- browsing over the last 30 days: impressions and clicks in mall, search, recommendation and
  storefront with click rates of 2–8% that fall with position, by shoppers and by anonymous
  devices, a few of which belong to shoppers (linked when they logged in);
- reviews of delivered order lines, mostly good, some bad with a concrete complaint, each text
  fitting the category; every product with 30-day sales (in stock) has at least one.

Every product an order names is listed, in stock and on sale at the order's time (its SKU too).
`holdouts()` gives the bench each shopper's last purchase and the history without it.
"""

from __future__ import annotations

import math
import random
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from chalicelib.domain.after_sales import Review
from chalicelib.domain.catalog import Product, RatingSummary, Sku
from chalicelib.domain.clock import DAY_MS
from chalicelib.domain.orders import Order, OrderLine, OrderStatus, Scene, Source, StockTake
from local.demo_data import CATALOG_END_MS, DemoCatalog, demo_id

SEED = 77
SHOPPER_COUNT = 300
HISTORY_DAYS = 90
BROWSE_DAYS = 30
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
BUSINESS_OFFSET_MS = 8 * HOUR_MS  # shoppers keep Shanghai hours
DEFAULT_AS_OF_MS = CATALOG_END_MS + 12 * DAY_MS  # 2026-12-01 00:00 UTC, what the tests use
ZIPF_S = 1.05  # popularity within a category: weight 1 / (rank + 1)^s
NEW_SHOP_MAX_ORDERS = 6
NEW_SHOP_RECENT_DAYS = 10
DEVICES = 120  # anonymous devices
LINKED_DEVICES = 25  # of the shoppers, this many also browsed logged out on a device

# Consumables: days between purchases. An item named here overrides its category; a category
# or item not named is a durable, bought once.
REPURCHASE_DAYS: dict[str, float] = {
    "茶叶": 30, "海鲜干货": 45, "零食坚果": 20,
    "清爽防晒霜": 60, "防晒喷雾": 60, "儿童防晒乳": 60,
    "婴儿纸尿裤": 25, "婴儿拉拉裤": 25, "婴儿手口湿巾": 30, "婴儿棉柔巾": 30,
    "洗地机清洁液": 45,
}
# (what was bought: a category or an item, what goes with it, chance per purchase)
PAIRS: tuple[tuple[str, str, float], ...] = (
    ("空调", "空调防尘罩", 0.5),
    ("空调", "洗地机", 0.3),
    ("洗地机", "洗地机清洁液", 0.5),
    ("茶叶", "零食坚果", 0.3),
    ("清爽防晒霜", "大檐防晒帽", 0.4),
    ("防晒喷雾", "大檐防晒帽", 0.3),
    ("马面裙", "新中式盘扣衬衫", 0.45),
    ("婴儿纸尿裤", "婴儿手口湿巾", 0.4),
)
ONCE_PER_SHOPPER = frozenset({"空调", "洗地机"})  # one purchase per shopper, whatever the item
# What a shopper keeps buying: (category, its items in the group, or None for all of them);
# a shopper takes up each group of a category they like on their own.
CONSUMABLE_GROUPS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("茶叶", None), ("海鲜干货", None), ("零食坚果", None),
    ("防晒", ("清爽防晒霜", "防晒喷雾", "儿童防晒乳")),
    ("母婴用品", ("婴儿纸尿裤", "婴儿拉拉裤")),
    ("母婴用品", ("婴儿手口湿巾", "婴儿棉柔巾")),
    ("家电配件", ("洗地机清洁液",)),
)

# segment → (category weights, how likely a shopper has it as the main one)
SEGMENTS: dict[str, tuple[dict[str, float], float]] = {
    "茶友": ({"茶叶": 6, "零食坚果": 2, "海鲜干货": 1}, 0.16),
    "海味": ({"海鲜干货": 6, "零食坚果": 1.5, "茶叶": 1}, 0.14),
    "宝妈": ({"母婴用品": 7, "家纺": 2, "防晒": 1, "零食坚果": 1}, 0.16),
    "国风": ({"国风服饰": 6, "防晒": 2, "美容仪": 2, "翡翠": 1}, 0.14),
    "新家": ({"空调": 4, "洗地机": 3, "家电配件": 2, "家纺": 3}, 0.12),
    "户外": ({"防晒": 6, "零食坚果": 1.5, "海鲜干货": 1}, 0.1),
    "护肤": ({"美容仪": 4, "防晒": 5}, 0.1),
    "收藏": ({"翡翠": 6, "茶叶": 2}, 0.08),
}
FIRST_SCENES = {"search": 0.33, "mall": 0.22, "video": 0.18, "recommendation": 0.15,
                "storefront": 0.12}
REPEAT_SCENES = {"storefront": 0.3, "search": 0.3, "recommendation": 0.25, "mall": 0.1,
                 "video": 0.05}
BROWSE_SCENES = {"mall": 0.3, "search": 0.3, "recommendation": 0.25, "storefront": 0.15}
BASE_CTR = {"mall": 0.02, "search": 0.04, "recommendation": 0.03, "storefront": 0.03}


# --- outputs -----------------------------------------------------------------------------------

@dataclass
class DemoOrder:
    """One paid order (one shop) of a demo shopper. Lines are
    (product_id, sku_id, quantity, unit_price_fen, category)."""

    order_id: str
    buyer_id: str
    shop_id: str
    paid_at: int
    lines: list[tuple[str, str, int, int, str]]
    scene: str

    @property
    def total_fen(self) -> int:
        return sum(quantity * price for _, _, quantity, price, _ in self.lines)

    @property
    def product_ids(self) -> list[str]:
        return [line[0] for line in self.lines]

    def purchase_lines(self) -> list[tuple[str, str, str]]:
        """(product_id, shop_id, category) per line, as chalicelib.domain.purchases.Line."""
        return [(line[0], self.shop_id, line[4]) for line in self.lines]


class BrowseEvent(NamedTuple):
    """An app event as POST /events takes it. actor: "shopper#u1" or "device#d…"."""

    event_id: str
    actor: str
    type: str  # impression | click | store_visit
    scene: str
    product_id: str | None
    shop_id: str | None
    at: int


@dataclass(frozen=True)
class Fulfilment:
    shipped_at: int
    collected_at: int
    delivered_at: int
    completed_at: int


@dataclass
class DemoShoppers:
    as_of_ms: int
    shoppers: list[str]
    segments: dict[str, tuple[str, str]]  # shopper → (main, side) segment
    orders: list[DemoOrder]  # by paid_at
    follows: list[tuple[str, str, int]]  # (shopper_id, shop_id, followed_at)
    events: list[BrowseEvent]  # by at
    devices: list[tuple[str, str, int]]  # (device_id, shopper_id, linked_at)
    reviews: list[Review]
    positions: dict[str, int] = field(default_factory=dict)  # event id → slot shown (0 = top)
    queries: dict[str, str] = field(default_factory=dict)  # search event id → query

    def orders_of(self, shopper_id: str) -> list[DemoOrder]:
        return [order for order in self.orders if order.buyer_id == shopper_id]


def fulfilment(order: DemoOrder) -> Fulfilment:
    """When the order was shipped, collected, delivered and completed: derived from its id, so
    the reviews and the orders loader agree without carrying it around."""
    spread = zlib.crc32(order.order_id.encode())
    shipped = order.paid_at + (4 + spread % 30) * HOUR_MS
    collected = shipped + (2 + (spread >> 5) % 10) * HOUR_MS
    delivered = collected + (20 + (spread >> 9) % 60) * HOUR_MS
    return Fulfilment(shipped, collected, delivered, delivered + 7 * DAY_MS)


def interval_of(category: str, item: str) -> float | None:
    """Days between purchases of a consumable; None for a durable."""
    return REPURCHASE_DAYS.get(item, REPURCHASE_DAYS.get(category))


# --- the world the shoppers shop in --------------------------------------------------------------

class _World:
    """The catalogue as shoppers see it: what can be bought, how popular it is, who sells it."""

    def __init__(self, catalog: DemoCatalog, as_of_ms: int):
        self.catalog = catalog
        self.as_of = as_of_ms
        self.start = as_of_ms - HISTORY_DAYS * DAY_MS
        self.item_of = catalog.items
        self.shops = {shop.shop_id: shop for shop in catalog.shops}
        plans = {shop.shop_id: catalog.plan_of(shop.shop_id) for shop in catalog.shops}
        self.quality = {sid: 0.8 if plan.is_new else plan.quality for sid, plan in plans.items()}
        self.new_shops = {sid for sid, plan in plans.items() if plan.is_new}
        # buyable: listed, some SKU in stock, shown on shelves at least once
        self.buyable = [p for p in catalog.listed_products()
                        if p.total_stock > 0 and p.stats.impressions_30d > 0]
        self.by_id = {p.product_id: p for p in catalog.products}
        self.weight: dict[str, float] = {}
        self.by_category: dict[str, list[Product]] = defaultdict(list)
        for product in self.buyable:
            self.by_category[product.category].append(product)
        for products in self.by_category.values():
            products.sort(key=lambda p: (-p.stats.orders_30d, -p.stats.sales_30d,
                                         -p.stats.clicks_30d, p.product_id))
            for rank, product in enumerate(products):
                self.weight[product.product_id] = 1 / (rank + 1) ** ZIPF_S

    def matches(self, product: Product, name: str) -> bool:
        return product.category == name or self.item_of[product.product_id] == name

    def pool(self, name: str) -> list[Product]:
        """Buyable products of a category or of an item."""
        if name in self.by_category:
            return self.by_category[name]
        return [p for p in self.buyable if self.item_of[p.product_id] == name]

    def interval(self, product: Product) -> float | None:
        return interval_of(product.category, self.item_of[product.product_id])

    def on_sale(self, product: Product, at: int) -> bool:
        return product.created_at + HOUR_MS <= at


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    names = list(weights)
    return rng.choices(names, weights=[weights[n] for n in names])[0]


def _poisson(mean: float, rng: random.Random) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _at_hour(day_start: int, rng: random.Random) -> int:
    """A moment of a shopper's waking hours (08:00–23:59 Shanghai) on the UTC day given."""
    return day_start - BUSINESS_OFFSET_MS + rng.randrange(8 * HOUR_MS, 24 * HOUR_MS)


# --- shoppers and their orders -------------------------------------------------------------------

@dataclass
class _Shopper:
    shopper_id: str
    main: str
    side: str
    activity: float
    tastes: dict[str, float]  # category → share (sums to 1)
    bought_items: set[str] = field(default_factory=set)  # durables bought (items, categories)

    @classmethod
    def draw(cls, shopper_id: str, rng: random.Random) -> _Shopper:
        names = list(SEGMENTS)
        main = rng.choices(names, weights=[SEGMENTS[n][1] for n in names])[0]
        side = rng.choice([n for n in names if n != main])
        tastes: dict[str, float] = defaultdict(float)
        for name, share in ((main, 1.0), (side, 0.3)):
            for category, weight in SEGMENTS[name][0].items():
                tastes[category] += share * weight
        total = sum(tastes.values())
        activity = min(3.0, max(0.3, rng.lognormvariate(0, 0.5)))
        return cls(shopper_id, main, side, activity,
                   {c: w / total for c, w in sorted(tastes.items())})


class _OrderBook:
    """Every order placed so far; a checkout splits into one order per shop, as checkout does."""

    def __init__(self, world: _World, rng: random.Random):
        self.world = world
        self.rng = rng
        self.orders: list[DemoOrder] = []
        self.first_bought: dict[str, int] = {}  # product id → its first order's paid_at
        self.new_shop_orders = 0
        self.must_review: set[str] = set()  # order ids whose lines are all reviewed

    def checkout(self, buyer: str, at: int, scene: str,
                 lines: list[tuple[Product, Sku, int]]) -> list[DemoOrder]:
        by_shop: dict[str, list[tuple[str, str, int, int, str]]] = {}
        for product, sku, quantity in lines:
            shop_lines = by_shop.setdefault(product.shop_id, [])
            if any(line[1] == sku.sku_id for line in shop_lines):
                continue
            shop_lines.append((product.product_id, sku.sku_id, quantity, sku.price_fen,
                               product.category))
            bought = self.first_bought.get(product.product_id, at)
            self.first_bought[product.product_id] = min(bought, at)
        placed = []
        for shop_id, shop_lines in by_shop.items():
            order = DemoOrder(demo_id("o", at, self.rng), buyer, shop_id, at, shop_lines, scene)
            self.orders.append(order)
            placed.append(order)
            self.new_shop_orders += shop_id in self.world.new_shops
        return placed

    def allows(self, product: Product, at: int) -> bool:
        """The new shop opened recently and sells a handful: only that many, only lately."""
        if product.shop_id not in self.world.new_shops:
            return True
        recent = at >= self.world.as_of - NEW_SHOP_RECENT_DAYS * DAY_MS
        return recent and self.new_shop_orders < NEW_SHOP_MAX_ORDERS


def _pick(world: _World, book: _OrderBook, candidates: list[Product], at: int,
          rng: random.Random, *, skip: set[str] = frozenset(), sharpen: float = 1.0,
          ) -> Product | None:
    """One product by popularity among those on sale at `at` (sharpen > 1: the hits even more)."""
    choices = [p for p in candidates if world.on_sale(p, at) and book.allows(p, at)
               and world.item_of[p.product_id] not in skip and p.category not in skip]
    if not choices:
        return None
    weights = [world.weight[p.product_id] ** sharpen for p in choices]
    return rng.choices(choices, weights=weights)[0]


def _sku(product: Product, rng: random.Random) -> Sku:
    return rng.choice([sku for sku in product.skus if sku.stock > 0])


def _quantity(product: Product, world: _World, rng: random.Random) -> int:
    item = world.item_of[product.product_id]
    if item == "挂壁式空调":
        return 2 if rng.random() < 0.2 else 1
    if world.interval(product) is not None:
        return 2 if rng.random() < 0.15 else 1
    return 1


def _buy(shopper: _Shopper, product: Product, sku: Sku, at: int, scene: str, world: _World,
         book: _OrderBook, rng: random.Random, quantity: int | None = None) -> list[DemoOrder]:
    """One checkout: the product, and what usually goes with it (`PAIRS`)."""
    lines = [(product, sku, quantity or _quantity(product, world, rng))]
    for trigger, attach, chance in PAIRS:
        if not world.matches(product, trigger) or rng.random() >= chance:
            continue
        if attach in shopper.bought_items:
            continue
        pool = world.pool(attach)
        extra = _pick(world, book, [p for p in pool if p.shop_id == product.shop_id], at, rng,
                      sharpen=2.0) or _pick(world, book, pool, at, rng, sharpen=1.5)
        if extra is None:
            continue
        lines.append((extra, _sku(extra, rng), 1))
        _mark_durable(shopper, extra, world)
    _mark_durable(shopper, product, world)
    return book.checkout(shopper.shopper_id, at, scene, lines)


def _mark_durable(shopper: _Shopper, product: Product, world: _World) -> None:
    if world.interval(product) is None:
        shopper.bought_items.add(world.item_of[product.product_id])
        if product.category in ONCE_PER_SHOPPER:
            shopper.bought_items.add(product.category)


def _consume(shopper: _Shopper, pool: list[Product], world: _World, book: _OrderBook,
             rng: random.Random) -> None:
    """Buy a consumable again and again at its interval, mostly the same product."""
    first = world.start + rng.uniform(0, 1) * world.interval(pool[0]) * DAY_MS
    at = _at_hour(int(first) // DAY_MS * DAY_MS, rng)
    favourite = _pick(world, book, pool, at, rng)
    if favourite is None:
        return
    sku, scene = _sku(favourite, rng), _weighted(rng, FIRST_SCENES)
    while at < world.as_of - HOUR_MS:
        roll = rng.random()
        product = favourite
        if roll > 0.7:
            same_shop = [p for p in pool if p.shop_id == favourite.shop_id]
            product = _pick(world, book, same_shop if roll < 0.85 else pool, at, rng) or favourite
        chosen_sku = sku if product is favourite else _sku(product, rng)
        quantity = _quantity(product, world, rng)
        _buy(shopper, product, chosen_sku, at, scene, world, book, rng, quantity)
        scene = _weighted(rng, REPEAT_SCENES)
        gap = world.interval(product) * rng.lognormvariate(0, 0.12) * (1 + 0.6 * (quantity - 1))
        at = _at_hour((at + int(gap * DAY_MS)) // DAY_MS * DAY_MS, rng)


def _durables(shopper: _Shopper, category: str, share: float, world: _World, book: _OrderBook,
              rng: random.Random) -> None:
    pool = [p for p in world.by_category[category] if world.interval(p) is None]
    if not pool:
        return
    wanted = min(2, _poisson(share * shopper.activity * 1.6, rng))
    for _ in range(wanted):
        if category in shopper.bought_items:
            return
        at = _at_hour(world.start + rng.randrange(HISTORY_DAYS) * DAY_MS, rng)
        product = _pick(world, book, pool, at, rng, skip=shopper.bought_items)
        if product is not None:
            _buy(shopper, product, _sku(product, rng), at, _weighted(rng, FIRST_SCENES), world,
                 book, rng)


def _simulate(shopper: _Shopper, world: _World, book: _OrderBook, rng: random.Random) -> None:
    taken: set[str] = set()
    for category, items in CONSUMABLE_GROUPS:
        share = shopper.tastes.get(category, 0.0)
        pool = [p for p in world.by_category.get(category, ())
                if items is None or world.item_of[p.product_id] in items]
        chance = share * 1.7 * shopper.activity * (0.6 if category in taken else 1.0)
        if pool and rng.random() < min(0.95, chance):
            taken.add(category)
            _consume(shopper, pool, world, book, rng)
    for category, share in shopper.tastes.items():
        if category in world.by_category:
            _durables(shopper, category, share, world, book, rng)


# --- u1, the README's shopper ------------------------------------------------------------------

def _shop_of(world: _World, owner: str) -> str:
    return next(s.shop_id for s in world.catalog.shops if s.owner_id == owner)


def _top(world: _World, shop_id: str, name: str, at: int) -> Product:
    """The shop's most popular buyable product of a category or item on sale at `at` (another
    shop's when this one had none on sale yet)."""
    pool = [p for p in world.pool(name) if world.on_sale(p, at)]
    return next((p for p in pool if p.shop_id == shop_id), None) or pool[0]


def _script_u1(world: _World, book: _OrderBook, rng: random.Random) -> _Shopper:
    """u1 has every pattern: repeat tea, seafood and sunscreen at their intervals, a tea + snack
    and a sunscreen + hat order, an air conditioner bought alone (so its accessories and the
    floor washer come as 买了又买), and browses 国风服饰 without buying."""
    shopper = _Shopper("u1", "茶友", "国风", 1.5,
                       {"茶叶": 0.3, "海鲜干货": 0.2, "防晒": 0.15, "零食坚果": 0.1,
                        "空调": 0.05, "国风服饰": 0.2})
    day = lambda ago: _at_hour(world.as_of - ago * DAY_MS, rng)  # noqa: E731
    tea_shop, sea_shop, sun_shop, home_shop = (_shop_of(world, owner)
                                               for owner in ("m6", "m2", "m15", "m1"))
    tea = _top(world, tea_shop, "茶叶", day(88))
    snack = _top(world, tea_shop, "零食坚果", day(58))
    seafood = _top(world, sea_shop, "海鲜干货", day(86))
    sunscreen = _top(world, sun_shop, "清爽防晒霜", day(77))
    hat = _top(world, sun_shop, "大檐防晒帽", day(77))
    aircon = _top(world, home_shop, "挂壁式空调", day(52))
    tea_sku, sea_sku, sun_sku = _sku(tea, rng), _sku(seafood, rng), _sku(sunscreen, rng)
    plan = [
        (88, "search", [(tea, tea_sku, 1)]),
        (86, "video", [(seafood, sea_sku, 1)]),
        (77, "search", [(sunscreen, sun_sku, 1), (hat, _sku(hat, rng), 1)]),
        (58, "storefront", [(tea, tea_sku, 1), (snack, _sku(snack, rng), 1)]),
        (52, "search", [(aircon, _sku(aircon, rng), 1)]),
        (42, "recommendation", [(seafood, sea_sku, 1)]),
        (29, "storefront", [(tea, tea_sku, 1)]),
        (17, "recommendation", [(sunscreen, sun_sku, 1)]),
    ]
    for ago, scene, lines in plan:
        placed = book.checkout("u1", day(ago), scene, lines)
        if ago in (86, 58, 52):  # u1 wrote these reviews
            book.must_review.update(order.order_id for order in placed)
    shopper.bought_items |= {"挂壁式空调", "空调", "大檐防晒帽"}
    return shopper


# --- products with sales get a buyer (and a review) -----------------------------------------------

def _cover_sales(shoppers: list[_Shopper], world: _World, book: _OrderBook,
                 rng: random.Random) -> None:
    """A product that sold in the last 30 days and that no demo shopper bought (early enough to
    have it delivered) gets one buyer in that window, someone with a taste for its category (not
    u1, whose history is written by hand); that order is reviewed."""
    for product in world.buyable:
        latest = world.as_of - 8 * DAY_MS
        bought = book.first_bought.get(product.product_id)
        if product.stats.sales_30d <= 0 or (bought is not None and bought < latest):
            continue
        earliest = max(product.created_at + DAY_MS, world.as_of - BROWSE_DAYS * DAY_MS)
        if earliest >= latest:
            earliest, latest = product.created_at + HOUR_MS, world.as_of - 3 * DAY_MS
        if earliest >= latest:
            continue
        item = world.item_of[product.product_id]
        fans = [s for s in shoppers[1:] if product.category in s.tastes
                and not {item, product.category} & s.bought_items] or shoppers[1:]
        buyer = rng.choice(fans)
        at = earliest + rng.randrange(latest - earliest)
        placed = _buy(buyer, product, _sku(product, rng), at, "search", world, book, rng)
        book.must_review.update(order.order_id for order in placed)


# --- follows --------------------------------------------------------------------------------------

def _follows(shoppers: list[_Shopper], world: _World, orders: list[DemoOrder],
             rng: random.Random) -> list[tuple[str, str, int]]:
    first_order: dict[tuple[str, str], int] = {}
    for order in orders:
        first_order.setdefault((order.buyer_id, order.shop_id), order.paid_at)
    edges: dict[tuple[str, str], int] = {}
    for (buyer, shop_id), at in first_order.items():
        if buyer != "u1" and rng.random() < 0.3:
            edges[(buyer, shop_id)] = min(at + rng.randrange(3 * DAY_MS), world.as_of - HOUR_MS)
    sellers: dict[str, list[str]] = defaultdict(list)
    for product in world.buyable:
        if product.shop_id not in sellers[product.category]:
            sellers[product.category].append(product.shop_id)
    for shopper in shoppers:
        if shopper.shopper_id == "u1" or rng.random() >= 0.25:
            continue
        category = _weighted(rng, shopper.tastes)
        shops = sellers.get(category)
        if shops:
            shop_id = rng.choices(shops, weights=[world.shops[s].follower_count for s in shops])[0]
            at = world.start + rng.randrange(HISTORY_DAYS * DAY_MS)
            edges.setdefault((shopper.shopper_id, shop_id), at)
    for owner, ago in (("m2", 80), ("m6", 57), ("m4", 5)):  # u1: seafood, tea, and 国风 lately
        edges[("u1", _shop_of(world, owner))] = world.as_of - ago * DAY_MS
    return sorted(((s, shop, at) for (s, shop), at in edges.items()), key=lambda e: (e[2], e[0]))


# --- browsing -------------------------------------------------------------------------------------

class _Browsing:
    def __init__(self, world: _World, rng: random.Random):
        self.world = world
        self.rng = rng
        self.events: list[BrowseEvent] = []
        self.positions: dict[str, int] = {}
        self.queries: dict[str, str] = {}

    def emit(self, actor: str, kind: str, scene: str, product: Product | None,
             shop_id: str | None, at: int, position: int | None = None,
             query: str | None = None) -> None:
        event_id = f"demo-ev-{len(self.events):06d}"
        self.events.append(BrowseEvent(event_id, actor, kind, scene,
                                       product.product_id if product else None,
                                       product.shop_id if product else shop_id, at))
        if position is not None:
            self.positions[event_id] = position
        if query is not None:
            self.queries[event_id] = query

    def session(self, actor: str, tastes: dict[str, float], at: int, *, scene: str | None = None,
                category: str | None = None, shop_id: str | None = None,
                boost: str | None = None, bought: Product | None = None) -> None:
        """One screen of a scene: 8–16 cards shown top-down, some clicked. `bought` is shown
        near the top and clicked: the visit an order came from."""
        rng, world = self.rng, self.world
        scene = scene or _weighted(rng, BROWSE_SCENES)
        query = None
        if scene == "storefront":
            shop_id = shop_id or rng.choice(world.catalog.shops).shop_id
            candidates = [p for p in world.buyable if p.shop_id == shop_id]
            self.emit(actor, "store_visit", scene, None, shop_id, at)
        elif scene == "recommendation":
            candidates = world.buyable
        else:
            category = category or _weighted(rng, tastes)
            candidates = world.by_category.get(category, world.buyable)
            query = category if scene == "search" else None
        shown = self._rank(candidates, tastes, at, rng.randint(8, 16))
        if bought is not None:
            shown = [p for p in shown if p is not bought]
            shown.insert(rng.randrange(min(6, len(shown) + 1)), bought)
        for position, product in enumerate(shown):
            moment = at + position * 1500
            self.emit(actor, "impression", scene, product, None, moment, position, query)
            liking = 2.0 if product.category == boost else 0.5 + 2.5 * tastes.get(
                product.category, 0.0)
            appeal = 0.6 + 4 * product.stats.clicks_30d / max(product.stats.impressions_30d, 1)
            chance = BASE_CTR[scene] * liking * appeal * 1.8 / (1 + 0.18 * position)
            if product is bought or rng.random() < min(0.9, chance):
                self.emit(actor, "click", scene, product, None, moment + rng.randrange(800, 9000),
                          position, query)

    def _rank(self, candidates: list[Product], tastes: dict[str, float], at: int,
              count: int) -> list[Product]:
        """What the scene showed, top first: drawn by popularity × taste, so the hits and the
        shopper's categories come first more often than not."""
        world = self.world
        shown = [p for p in candidates if world.on_sale(p, at)]
        if len(shown) <= count:
            return shown
        weights = [world.weight[p.product_id] * (0.2 + tastes.get(p.category, 0.0))
                   for p in shown]
        picked: dict[str, Product] = {}
        for product in self.rng.choices(shown, weights=weights, k=count * 3):
            picked.setdefault(product.product_id, product)
            if len(picked) == count:
                break
        return list(picked.values())

    def before_order(self, order: DemoOrder, tastes: dict[str, float]) -> None:
        """The visit a shelf order came from, minutes before it was paid."""
        if order.scene not in BASE_CTR or order.paid_at < self.world.as_of - BROWSE_DAYS * DAY_MS:
            return
        product = self.world.by_id[order.lines[0][0]]
        at = order.paid_at - self.rng.randrange(3, 25) * MINUTE_MS
        self.session(f"shopper#{order.buyer_id}", tastes, at, scene=order.scene,
                     category=product.category, shop_id=product.shop_id, bought=product)


def _browse(shoppers: list[_Shopper], world: _World, orders: list[DemoOrder],
            follows: list[tuple[str, str, int]], rng: random.Random,
            ) -> tuple[_Browsing, list[tuple[str, str, int]]]:
    browsing = _Browsing(world, rng)
    since = world.as_of - BROWSE_DAYS * DAY_MS
    followed: dict[str, list[str]] = defaultdict(list)
    for shopper_id, shop_id, _ in follows:
        followed[shopper_id].append(shop_id)
    linked = {"u1"} | {s.shopper_id for s in rng.sample(shoppers[1:], LINKED_DEVICES - 1)}
    devices: list[tuple[str, str, int]] = []
    for shopper in shoppers:
        actor = f"shopper#{shopper.shopper_id}"
        for _ in range(_poisson(4 * shopper.activity, rng)):
            at = _at_hour(since + rng.randrange(BROWSE_DAYS) * DAY_MS, rng)
            shops = followed.get(shopper.shopper_id)
            browsing.session(actor, shopper.tastes, at,
                             shop_id=rng.choice(shops) if shops else None)
        if shopper.shopper_id in linked:
            device = f"d{rng.getrandbits(48):012x}"
            linked_at = world.as_of - (3 if shopper.shopper_id == "u1"
                                       else rng.randrange(2, 20)) * DAY_MS
            for _ in range(rng.randint(1, 3)):  # logged out, before the link
                at = linked_at - rng.randrange(1, 6) * DAY_MS - rng.randrange(DAY_MS)
                browsing.session(f"device#{device}", shopper.tastes, max(at, since))
            devices.append((device, shopper.shopper_id, linked_at))
    for number in range(DEVICES):
        tastes = _Shopper.draw(f"anon{number}", rng).tastes
        device = f"d{rng.getrandbits(48):012x}"
        for _ in range(rng.randint(1, 3)):
            at = _at_hour(since + rng.randrange(BROWSE_DAYS) * DAY_MS, rng)
            browsing.session(f"device#{device}", tastes, at)
    u1 = shoppers[0]
    for ago in (12, 9, 7, 4, 2, 1):  # u1 has been looking at 国风服饰 lately
        browsing.session("shopper#u1", u1.tastes, _at_hour(world.as_of - ago * DAY_MS, rng),
                         scene="mall" if ago % 2 else "search", category="国风服饰",
                         boost="国风服饰")
    tastes = {shopper.shopper_id: shopper.tastes for shopper in shoppers}
    for order in orders:
        browsing.before_order(order, tastes[order.buyer_id])
    browsing.events.sort(key=lambda e: (e.at, e.event_id))
    return browsing, sorted(devices, key=lambda d: d[2])


# --- reviews --------------------------------------------------------------------------------------

GOOD, FAIR, BAD = "good", "fair", "bad"
# Items whose reviews are not their category's: sun-protection clothing, baby gear.
TEXT_GROUPS = {"冰丝防晒衣": "防晒衣帽", "大檐防晒帽": "防晒衣帽", "冰袖防晒袖套": "防晒衣帽",
               "宽口径PPSU奶瓶": "母婴用具", "可坐可躺婴儿推车": "母婴用具",
               "空调清洗剂": "清洁剂", "洗地机清洁液": "清洁剂"}

# Texts by category (or item group): good (4–5★), fair (3★), bad (1–2★, a concrete complaint).
# Every text fits every item of its key.
REVIEW_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "海鲜干货": {
        GOOD: ("很干，品质很好，做汤特别鲜。", "品相很好，没有杂质，家里老人很喜欢。",
               "第二次回购了，品质稳定，包装也严实。", "味道很正，一点也不咸。",
               "送长辈的，包装很体面，老爸说比超市的好。", "发货快，真空包装，收到时完好无损。",
               "做了一桌菜，全家都说好吃。", "跟直播间说的一样，放心。"),
        FAIR: ("东西还行，就是个头比图片小一点。", "味道可以，价格有点贵，等活动再买。",
               "包装有点简陋，东西本身还不错。"),
        BAD: ("物流太慢了，等了六天才到。", "有股腥臭味，和以前买的不一样，不敢吃。",
              "吃起来很咸，怀疑加了盐。", "袋子里碎渣很多，称了一下分量不足。",
              "客服不回复，问了三次都没人理。"),
    },
    "洗地机": {
        GOOD: ("吸力很大，头发和饭粒一遍就干净。", "自清洁很省心，用完放回底座就不用管了。",
               "比拖把快多了，厨房油渍也能拖干净。", "声音比想象中小，晚上用也不吵。",
               "续航够用，一百多平一次拖完。", "送货很快，客服教得很耐心。",
               "滚刷烘干后没有异味，这点很好。"),
        FAIR: ("好用，就是机身有点重，上楼梯费劲。", "拖得干净，贴边一般，墙角还得手擦。",
               "污水箱有点小，大户型要倒两次。"),
        BAD: ("用了两周就报错，滚刷不转了，售后等了一周。", "污水箱有异味，自清洁后还是臭。",
              "物流慢，说好的两天到，拖了五天。", "客服不回复，售后电话一直占线。",
              "续航没有宣传的那么长，二十分钟就没电了。"),
    },
    "空调": {
        GOOD: ("安装师傅很专业，打孔走线都很整齐。", "制冷很快，十分钟屋里就凉了。",
               "晚上开睡眠模式几乎听不到声音。", "开了一个月，电费没涨多少。",
               "APP 远程开很方便，下班路上就开好了。", "外观简洁，装在家里很好看。",
               "制热也给力，冬天不用开电暖器了。"),
        FAIR: ("效果还行，就是安装预约等了三天。", "制冷可以，外机声音有点大。",
               "辅材另收费，比预想的多花了两百。"),
        BAD: ("安装师傅迟到两小时，还乱收辅材费。", "用了一周就漏水，内机滴水到墙上。",
              "物流慢，下单十天才送到。", "客服不回复，报修三天没人联系。",
              "外机噪音很大，晚上吵得睡不着。"),
    },
    "美容仪": {
        GOOD: ("用了一个月，效果慢慢出来了，会坚持用。", "操作简单，有教程，新手也会用。",
               "做工精致，包装很高级，送女朋友的。", "每天睡前用一会儿，已经养成习惯。",
               "续航不错，充一次电能用很久。", "客服很耐心，教了好几遍怎么用。"),
        FAIR: ("效果要坚持才看得出来，目前感觉一般。", "用着还行，就是有点重，举久了手酸。",
               "价格有点高，活动价买还可以。"),
        BAD: ("用了三次就开不了机，换新还要自己寄回去。", "刚打开有一股塑料异味，放了几天才散。",
              "档位调到最低也不舒服，用完皮肤发红。", "客服不回复，问怎么用一直没人理。",
              "色差有点大，收到的颜色和图片差很多。"),
    },
    "国风服饰": {
        GOOD: ("面料很垂，上身特别显气质。", "做工精致，穿去上班同事都问链接。",
               "版型很好，腰线刚好，不显胖。", "颜色和图片一样，很温柔。", "做工扎实，没有线头。",
               "拍照特别出片，很喜欢。", "尺码标准，按平时尺码买的刚好。"),
        FAIR: ("衣服好看，就是有点薄，秋天要加打底。", "款式喜欢，面料有点容易起皱。",
               "整体不错，稍微长了一点。"),
        BAD: ("尺码偏小，平时穿 M 这次 L 都紧。", "色差太大了，朱红收到像砖红。",
              "有股很重的异味，洗了两遍还有味道。", "线头很多，做工很粗糙。",
              "物流慢，等了一个星期，想穿的场合都过了。"),
    },
    "翡翠": {
        GOOD: ("实物比图片还好看，很通透。", "证书可以查到，是 A 货，放心。",
               "戴上很舒服，每天都舍不得摘。", "送妈妈的，她很喜欢。", "包装很用心，锦盒很高档。",
               "和直播间看到的一样，主播讲得很清楚。"),
        FAIR: ("东西不错，就是有一点小棉絮，可以接受。", "颜色比视频里稍微淡一点。",
               "整体满意，价格略高。"),
        BAD: ("色差明显，视频里很透，到手发灰。", "有一道细纹，问了说是石纹，不太能接受。",
              "尺寸比想象中小很多，和图片不符。", "客服不回复，问证书的事一直没人理。",
              "物流慢，保价件路上走了五天。"),
    },
    "防晒": {
        GOOD: ("很清爽，不油不黏，军训晒了一周没黑。", "不泛白，也不搓泥。",
               "户外骑行一天没晒伤，补涂也方便。", "质地很轻薄，夏天用刚好。",
               "回购第三次了，一直用这款。", "味道很淡，用着舒服。"),
        FAIR: ("防晒效果还行，就是有点搓泥。", "味道有点重，不太喜欢。", "效果可以，容量有点小。"),
        BAD: ("收到就漏液了，盖子没拧紧，洒了一袋子。", "用了长闭口，敏感肌慎入。",
              "有股酒精味，涂了刺刺的。", "物流慢，出门旅游都没赶上。",
              "客服不回复，问能不能孕妇用没人理。"),
    },
    "防晒衣帽": {
        GOOD: ("面料冰冰凉凉的，夏天骑车很舒服。", "很轻，折起来放包里不占地方。",
               "颜色好看，做工也不错。", "戴了一夏天没晒黑，很满意。",
               "遮得很严实，出门安心多了。"),
        FAIR: ("防晒还行，就是不太透气，出汗有点闷。", "有点闷，不如想象中凉快。",
               "质量一般，对得起价格。"),
        BAD: ("面料很薄，透光，感觉防不了晒。", "色差很大，收到的颜色和图片不一样。",
              "有股刺鼻的异味，晾了好几天。", "用了一次就起球了。", "物流慢，夏天都快过去了才到。"),
    },
    "茶叶": {
        GOOD: ("香气很足，回甘明显，口粮茶首选。", "很耐泡，泡好几次还有味道。",
               "汤色清亮，喝着很舒服，已回购。", "包装精致，送人很有面子。",
               "茶叶很新鲜，碎末很少。", "性价比很高，比实体店便宜不少。",
               "每天办公室泡一杯，同事都来要。"),
        FAIR: ("味道还可以，香气没有想象中浓。", "茶叶不错，包装有点简单。",
               "口感偏淡，可能是我习惯喝浓的。"),
        BAD: ("有一股陈味，不新鲜。", "碎末太多了，半袋都是茶渣。",
              "和上次买的味道差很多，品质不稳定。", "物流慢，一周才到。",
              "客服不回复，问产地一直没人理。"),
    },
    "零食坚果": {
        GOOD: ("很新鲜，一口一个停不下来。", "放办公室当零食刚好。", "孩子很爱吃，已经第三次买了。",
               "不太甜，吃着很香。", "性价比高，量很足。", "发货快，包装完好。"),
        FAIR: ("味道还行，就是有几个有点软。", "好吃，就是有点贵。", "口味偏甜，不太适合我。"),
        BAD: ("吃着不新鲜，像是放了很久的。", "袋子漏气了，都受潮了。",
              "分量不足，称了一下少了五十克。", "物流慢，等了五天。",
              "客服不回复，申请退款没人处理。"),
    },
    "母婴用品": {
        GOOD: ("很柔软，宝宝用了没有过敏。", "质量很好，宝宝用着放心。", "整箱买很划算，囤货首选。",
               "一直回购，品质很稳定。", "发货快，宝妈群里都在推荐。", "比母婴店便宜，东西一样。"),
        FAIR: ("还行，就是价格比母婴店稍贵。", "用着可以，快递包装有点破。",
               "东西不错，发货慢了一点。"),
        BAD: ("有股怪味，不敢给宝宝用。", "收到外包装破损，里面的东西也脏了。",
              "物流慢，囤的货都快用完了还没到。", "客服不回复，问适用年龄一直没人回。",
              "和上次买的不一样，薄了很多。"),
    },
    "母婴用具": {
        GOOD: ("做工很好，用着很顺手。", "质量很好，宝宝用着放心。",
               "设计很贴心，宝妈一个人也能搞定。",
               "颜色好看，比实体店便宜。", "发货快，包装完好。"),
        FAIR: ("东西不错，就是有点重。", "还行，说明书写得不太清楚。", "用着可以，价格稍贵。"),
        BAD: ("有股塑料味，洗了几遍还有。", "用了两个月就坏了，售后推来推去。",
              "物流慢，宝宝出生了还没到。", "客服不回复，问怎么安装没人理。",
              "收到有划痕，像是别人退回来的。"),
    },
    "家纺": {
        GOOD: ("睡着很舒服，质量没得说。", "做工很好，没有线头。", "用了一个月，睡得比以前好。",
               "包装很好，送人也合适。", "和图片一样，很满意。", "发货快，顺丰两天就到了。"),
        FAIR: ("还可以，就是比想象的薄一点。", "质量不错，尺寸比预想小一点。",
               "一般般，对得起这个价格。"),
        BAD: ("有很重的异味，晾了三天还有。", "和图片差很多，感觉质量一般。",
              "用了不到一个月就变形了。", "物流慢，等了一个礼拜。", "客服不回复，问尺寸没人理。"),
    },
    "清洁剂": {
        GOOD: ("清洁效果很好，用完家里没有异味了。", "味道很淡，用着放心。",
               "比官方便宜，效果一样。",
               "发货快，包装严实。", "已经回购好几次了。"),
        FAIR: ("效果还行，就是有点贵。", "能用，味道稍微有点重。"),
        BAD: ("漏液了，盒子都湿了。", "味道很刺鼻，开窗通风半天才散。", "物流慢，一周才到。",
              "客服不回复，问怎么用没人回。"),
    },
    "家电配件": {
        GOOD: ("按客服说的型号买的，完全适配。", "比官方便宜，质量一样。", "发货快，包装严实。",
               "用了一段时间，效果不错，还会回购。", "用着放心，家里的机器干净多了。"),
        FAIR: ("还行，就是有点贵。", "能用，和原来的比稍微差一点。"),
        BAD: ("和我的机器不适配，白买了。", "收到就是坏的，外包装都破了。", "物流慢，一周才到。",
              "客服不回复，问适不适配没人回。"),
    },
}


def review_texts(category: str, item: str) -> dict[str, tuple[str, ...]]:
    return REVIEW_TEXTS[TEXT_GROUPS.get(item, category)]


def _rating(quality: float, rng: random.Random) -> int:
    """Mostly 5★ and 4★; 3★ and the bad ones more often at a poorly run shop."""
    roll = rng.random()
    bad = 0.03 + 0.12 * (1 - quality)
    if roll < bad:
        return 1 if rng.random() < 0.6 else 2
    if roll < bad + 0.05 + 0.06 * (1 - quality):
        return 3
    return 5 if rng.random() < 0.72 else 4


def _reviews(orders: list[DemoOrder], world: _World, must: set[str],
             rng: random.Random) -> list[Review]:
    """About 4 in 10 delivered lines get a review (every line of the orders in `must`), then
    every product with 30-day sales that has none gets one from its earliest delivered line."""
    latest = world.as_of - HOUR_MS
    delivered = [order for order in orders if fulfilment(order).delivered_at + DAY_MS <= latest]
    reviews: dict[tuple[str, int], Review] = {}
    for order in delivered:
        for line in range(len(order.lines)):
            if order.order_id in must or rng.random() < 0.42:
                reviews[(order.order_id, line)] = _review(order, line, world, rng)
    reviewed = {review.product_id for review in reviews.values()}
    for order in delivered:
        for line, (product_id, *_) in enumerate(order.lines):
            if product_id not in reviewed and world.by_id[product_id].stats.sales_30d > 0:
                reviews[(order.order_id, line)] = _review(order, line, world, rng)
                reviewed.add(product_id)
    return sorted(reviews.values(), key=lambda r: (r.created_at, r.review_id))


def _review(order: DemoOrder, line: int, world: _World, rng: random.Random) -> Review:
    product_id, sku_id, _, _, category = order.lines[line]
    product = world.by_id[product_id]
    rating = _rating(world.quality[order.shop_id], rng)
    kind = GOOD if rating >= 4 else FAIR if rating == 3 else BAD
    text = rng.choice(review_texts(category, world.item_of[product_id])[kind])
    at = min(fulfilment(order).delivered_at + rng.randrange(DAY_MS, 6 * DAY_MS),
             world.as_of - HOUR_MS)
    images = ([f"https://img.example.com/reviews/{product_id[-6:]}_{n}.jpg"
               for n in range(1, rng.randint(1, 3) + 1)] if rng.random() < 0.2 else [])
    return Review(review_id=demo_id("r", at, rng), product_id=product_id,
                  order_id=order.order_id, line=line, shop_id=order.shop_id,
                  buyer_id=order.buyer_id, rating=rating, text=text, images=images,
                  title=product.title, specs=dict(product.sku(sku_id).specs), created_at=at,
                  sku_id=sku_id)


def rating_summaries(reviews: list[Review]) -> dict[str, RatingSummary]:
    """Each reviewed product's running totals, as post_review keeps them on the product."""
    summaries: dict[str, RatingSummary] = {}
    for review in reviews:
        summary = summaries.setdefault(review.product_id, RatingSummary())
        summary.count += 1
        summary.total_stars += review.rating
        summary.low_count += review.rating <= 2
    return summaries


def apply_ratings(products: list[Product], reviews: list[Review]) -> int:
    """Set the products' rating summaries from the reviews (before seeding them, so the product
    items are written once with the right totals). Returns how many products changed."""
    summaries = rating_summaries(reviews)
    changed = 0
    for product in products:
        summary = summaries.get(product.product_id)
        if summary is not None and product.rating != summary:
            product.rating = RatingSummary(summary.count, summary.total_stars, summary.low_count)
            changed += 1
    return changed


# --- the whole ------------------------------------------------------------------------------------

def build_demo_shoppers(catalog: DemoCatalog, as_of_ms: int = DEFAULT_AS_OF_MS, *,
                        count: int = SHOPPER_COUNT) -> DemoShoppers:
    """Shoppers u1..u<count> and their 90 days up to `as_of_ms` (`make run`: now), which must
    not be before the catalogue's end: they buy what it lists, each product once it is on sale."""
    if as_of_ms < CATALOG_END_MS:
        raise ValueError("as_of_ms is before the demo catalogue's end (CATALOG_END_MS)")
    rng = random.Random(SEED)
    world = _World(catalog, as_of_ms)
    book = _OrderBook(world, rng)
    shoppers = [_script_u1(world, book, rng)]
    for number in range(2, count + 1):
        shopper = _Shopper.draw(f"u{number}", rng)
        shoppers.append(shopper)
        _simulate(shopper, world, book, rng)
    _cover_sales(shoppers, world, book, rng)
    orders = sorted(book.orders, key=lambda o: (o.paid_at, o.order_id))
    follows = _follows(shoppers, world, orders, rng)
    browsing, devices = _browse(shoppers, world, orders, follows, rng)
    reviews = _reviews(orders, world, book.must_review, rng)
    return DemoShoppers(
        as_of_ms=as_of_ms, shoppers=[s.shopper_id for s in shoppers],
        segments={s.shopper_id: (s.main, s.side) for s in shoppers}, orders=orders,
        follows=follows, events=browsing.events, devices=devices, reviews=reviews,
        positions=browsing.positions, queries=browsing.queries)


# --- for the bench and the loaders ---------------------------------------------------------------

@dataclass(frozen=True)
class HeldOut:
    shopper_id: str
    product_id: str  # the first line of the shopper's last order
    order: DemoOrder  # that last order
    history: list[DemoOrder]  # the shopper's orders before it


def holdouts(orders: list[DemoOrder]) -> list[HeldOut]:
    """For each shopper with at least 2 orders: their last purchase, and their history without
    it (the orders of the same checkout, at the same instant in other shops, stay in history)."""
    by_buyer: dict[str, list[DemoOrder]] = defaultdict(list)
    for order in sorted(orders, key=lambda o: (o.paid_at, o.order_id)):
        by_buyer[order.buyer_id].append(order)
    return [HeldOut(buyer, own[-1].lines[0][0], own[-1], own[:-1])
            for buyer, own in sorted(by_buyer.items(), key=lambda kv: _shopper_number(kv[0]))
            if len(own) >= 2]


def training_orders(orders: list[DemoOrder]) -> list[DemoOrder]:
    """Every order but the held-out ones: what the recommender may learn from in the bench."""
    held = {h.order.order_id for h in holdouts(orders)}
    return [order for order in orders if order.order_id not in held]


def _shopper_number(shopper_id: str) -> int:
    return int(shopper_id[1:]) if shopper_id[1:].isdigit() else 0


def summary(shoppers: DemoShoppers) -> dict[str, int]:
    """Sizes, for make run's progress line and the tests."""
    kinds = Counter(event.type for event in shoppers.events)
    return {"shoppers": len(shoppers.shoppers), "orders": len(shoppers.orders),
            "lines": sum(len(o.lines) for o in shoppers.orders),
            "follows": len(shoppers.follows), "impressions": kinds["impression"],
            "clicks": kinds["click"], "store_visits": kinds["store_visit"],
            "devices": len(shoppers.devices), "reviews": len(shoppers.reviews)}


# --- as the orders table holds them ---------------------------------------------------------------

CARRIERS = (("顺丰", "SF"), ("中通", "ZT"), ("京东物流", "JD"), ("圆通", "YT"))


def domain_orders(shoppers: DemoShoppers, catalog: DemoCatalog) -> list[Order]:
    """The demo orders as chalicelib orders, in the state they have reached at `as_of_ms`:
    completed (a week after delivery), delivered, shipped or just paid. Lines copy the
    product's title and specs; one checkout's orders share a checkout id; reviewed lines are
    marked. `local.demo_load.load_orders` writes them."""
    by_id = {p.product_id: p for p in catalog.products}
    shops = {shop.shop_id: shop for shop in catalog.shops}
    reviewed: dict[str, set[int]] = defaultdict(set)
    for review in shoppers.reviews:
        reviewed[review.order_id].add(review.line)
    checkout_of: dict[tuple[str, int], str] = {}
    orders = []
    for demo in shoppers.orders:
        checkout = checkout_of.setdefault((demo.buyer_id, demo.paid_at), f"c{demo.order_id[1:]}")
        orders.append(domain_order(demo, checkout, by_id, shops[demo.shop_id],
                                    shoppers.as_of_ms, sorted(reviewed[demo.order_id])))
    return orders


def domain_order(demo: DemoOrder, checkout_id: str, products: dict[str, Product], shop,
                  as_of: int, reviewed: list[int]) -> Order:
    lines = []
    for number, (product_id, sku_id, quantity, price, _) in enumerate(demo.lines):
        product = products[product_id]
        index = next(i for i, sku in enumerate(product.skus) if sku.sku_id == sku_id)
        lines.append(OrderLine(line=number, title=product.title, quantity=quantity,
                               unit_price_fen=price, specs=dict(product.skus[index].specs),
                               sku_id=sku_id, product_id=product_id,
                               parts=[StockTake(sku_id, product_id, index, 1)]))
    times = fulfilment(demo)
    spread = zlib.crc32(demo.order_id.encode())
    carrier, prefix = CARRIERS[spread % len(CARRIERS)]
    order = Order(
        order_id=demo.order_id, checkout_id=checkout_id, buyer_id=demo.buyer_id,
        shop_id=demo.shop_id, shop_name=shop.name, merchant_id=shop.owner_id,
        status=OrderStatus.PAID, lines=lines, source=Source(scene=Scene(demo.scene)),
        created_at=demo.paid_at - (1 + spread % 9) * MINUTE_MS, updated_at=demo.paid_at,
        total_fen=demo.total_fen, paid_at=demo.paid_at, payment_id=f"pm{demo.order_id[1:]}")
    steps = ((times.shipped_at, OrderStatus.SHIPPED, "shipped_at"),
             (times.collected_at, OrderStatus.SHIPPED, "collected_at"),
             (times.delivered_at, OrderStatus.DELIVERED, "delivered_at"),
             (times.completed_at, OrderStatus.COMPLETED, "completed_at"))
    for at, status, name in steps:
        if at > as_of:
            break
        order.status, order.updated_at = status, at
        setattr(order, name, at)
    if order.shipped_at is not None:
        order.carrier, order.tracking_number = carrier, f"{prefix}{spread % 10**12:012d}"
    if order.delivered_at is not None:
        order.reviewed_lines = reviewed
    return order
