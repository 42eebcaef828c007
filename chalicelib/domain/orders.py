"""Orders: the checkout plan, the order state machine and the order's own rules. No I/O."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.domain import ids
from chalicelib.domain.catalog import Bundle, Product, Shop
from chalicelib.domain.clock import to_iso

MAX_LINE_QUANTITY = 99
MAX_CHECKOUT_LINES = 25
# DynamoDB allows 100 actions in one TransactWriteItems; a checkout is one transaction.
MAX_TRANSACTION_ACTIONS = 100
PAYMENT_WINDOW_MS = 30 * 60 * 1000
AUTO_COMPLETE_AFTER_MS = 7 * 24 * 60 * 60 * 1000
DUE_SHARDS = 8  # due-work index partitions, so a flash sale's deadlines do not share one key
# How far past our clock a carrier's event time may lie. Clocks drift by seconds and a feed
# entry leaves after the scan it reports, so a few minutes cover honest senders; beyond that the
# time is wrong, and taking it would push the auto-complete deadline out and file the delivery
# under a day that has not come (the store experience score counts deliveries by day).
MAX_CARRIER_CLOCK_SKEW_MS = 5 * 60 * 1000


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Scene(StrEnum):
    MALL = "mall"
    SEARCH = "search"
    STOREFRONT = "storefront"
    RECOMMENDATION = "recommendation"
    VIDEO = "video"
    LIVE = "live"
    DISTRIBUTION = "distribution"
    DIRECT = "direct"  # orders only: the shopper came with no traffic source (a typed link)


class Channel(StrEnum):
    """Where an order line's GMV is credited (attribution): the last click's channel, else the
    order's own source. `direct` is unattributed GMV."""

    VIDEO = "video"
    LIVE = "live"
    SEARCH = "search"
    MALL = "mall"
    STOREFRONT = "storefront"
    RECOMMENDATION = "recommendation"
    DISTRIBUTION = "distribution"
    DIRECT = "direct"


class Action(StrEnum):
    PAY = "pay"
    CANCEL = "cancel"
    SHIP = "ship"
    DELIVER = "deliver"
    COMPLETE = "complete"


# action → (states it may start from, state it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[OrderStatus], OrderStatus]] = {
    Action.PAY: (frozenset({OrderStatus.PENDING_PAYMENT}), OrderStatus.PAID),
    Action.CANCEL: (frozenset({OrderStatus.PENDING_PAYMENT, OrderStatus.PAID}),
                    OrderStatus.CANCELLED),
    Action.SHIP: (frozenset({OrderStatus.PAID}), OrderStatus.SHIPPED),
    Action.DELIVER: (frozenset({OrderStatus.SHIPPED}), OrderStatus.DELIVERED),
    Action.COMPLETE: (frozenset({OrderStatus.DELIVERED}), OrderStatus.COMPLETED),
}


class IllegalTransition(Exception):
    def __init__(self, status: OrderStatus, action: Action):
        super().__init__(f"an order that is {status.value} cannot {action.value}")
        self.status = status
        self.action = action


def next_status(status: OrderStatus, action: Action) -> OrderStatus:
    allowed_from, target = TRANSITIONS[action]
    if status not in allowed_from:
        raise IllegalTransition(status, action)
    return target


def due_bucket(kind: str, order_id: str) -> str:
    """A sparse-index partition for work due on this order ("payment" or "completion")."""
    return f"{kind}#{zlib.crc32(order_id.encode()) % DUE_SHARDS}"


class EventTimeError(ValueError):
    """A carrier's event time that contradicts the order: `code` says how."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


COLLECTED, DELIVERED = "collected", "delivered"  # what a carrier reports


def check_carrier_time(order: Order, event_type: str, at: int, now: int) -> None:
    """A carrier event at `at` must keep shipped ≤ collected ≤ delivered and lie no more than
    MAX_CARRIER_CLOCK_SKEW_MS past `now`; raises EventTimeError otherwise. A repeat of an event
    already taken passes (its time was checked the first time against the same order)."""
    if at > now + MAX_CARRIER_CLOCK_SKEW_MS:
        raise EventTimeError("event_time_in_future",
                             f"{event_type} at {to_iso(at)} is more than "
                             f"{MAX_CARRIER_CLOCK_SKEW_MS // 60_000} minutes in the future")
    earliest = [("shipped", order.shipped_at)]
    if event_type == DELIVERED:
        earliest.append(("collected", order.collected_at))
    latest = [("delivered", order.delivered_at)] if event_type == COLLECTED else []
    for name, moment in earliest:
        if moment is not None and at < moment:
            raise EventTimeError("event_time_out_of_order",
                                 f"{event_type} at {to_iso(at)} is before the order was "
                                 f"{name} at {to_iso(moment)}")
    for name, moment in latest:
        if moment is not None and at > moment:
            raise EventTimeError("event_time_out_of_order",
                                 f"{event_type} at {to_iso(at)} is after the order was "
                                 f"{name} at {to_iso(moment)}")


@dataclass(frozen=True)
class Source:
    scene: Scene
    video_id: str | None = None
    live_id: str | None = None
    creator_id: str | None = None


@dataclass(frozen=True)
class Attribution:
    """Who and what an order line's GMV is credited to, stamped at checkout and never changed.
    `touched_at` is the last click's time; None when the order's own source decided it."""

    channel: Channel
    creator_id: str | None = None
    video_id: str | None = None
    live_id: str | None = None
    touched_at: int | None = None

    @property
    def attributed(self) -> bool:
        return self.channel is not Channel.DIRECT


@dataclass(frozen=True)
class Assist:
    """A store visit from a video, within the attribution window, to the shop that sold the
    order: the video is credited "video-guided store GMV", reported apart from attribution."""

    video_id: str
    at: int
    creator_id: str | None = None
    live_id: str | None = None


def attribution_from_source(source: Source) -> Attribution:
    """The attribution of a line no click decided: the most specific promoter the order's
    source names (a video, a live room, a creator's link), else the scene it was placed in."""
    if source.video_id:
        channel = Channel.VIDEO
    elif source.live_id:
        channel = Channel.LIVE
    elif source.creator_id or source.scene is Scene.DISTRIBUTION:
        channel = Channel.DISTRIBUTION
    else:
        channel = Channel(source.scene.value)
    return Attribution(channel, creator_id=source.creator_id, video_id=source.video_id,
                       live_id=source.live_id)


@dataclass(frozen=True)
class StockTake:
    """Units of one SKU a line takes from stock (a bundle line takes several SKUs)."""

    sku_id: str
    product_id: str
    index: int
    quantity: int


@dataclass
class OrderLine:
    line: int
    title: str
    quantity: int
    unit_price_fen: int
    specs: dict[str, str] = field(default_factory=dict)
    sku_id: str | None = None
    bundle_id: str | None = None
    product_id: str | None = None
    # per ONE unit of the line: what it takes from stock
    parts: list[StockTake] = field(default_factory=list)
    # stamped at checkout: who the line's GMV is credited to, and the distribution commission
    # rate in force then (None: the product was not open to distribution)
    attribution: Attribution | None = None
    commission_rate_bps: int | None = None

    @property
    def total_fen(self) -> int:
        return self.unit_price_fen * self.quantity

    def stock_takes(self) -> list[StockTake]:
        return [StockTake(p.sku_id, p.product_id, p.index, p.quantity * self.quantity)
                for p in self.parts]

    @property
    def product_ids(self) -> list[str]:
        """The products a click on which can decide this line: its own, or a bundle's parts."""
        if self.product_id:
            return [self.product_id]
        return list(dict.fromkeys(part.product_id for part in self.parts))


@dataclass
class Order:
    order_id: str
    checkout_id: str
    buyer_id: str
    shop_id: str
    shop_name: str
    merchant_id: str
    status: OrderStatus
    lines: list[OrderLine]
    source: Source
    created_at: int
    updated_at: int
    total_fen: int = 0
    paid_at: int | None = None
    shipped_at: int | None = None
    collected_at: int | None = None
    delivered_at: int | None = None
    completed_at: int | None = None
    cancelled_at: int | None = None
    cancel_reason: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    payment_id: str | None = None
    reviewed_lines: list[int] = field(default_factory=list)
    assists: list[Assist] = field(default_factory=list)

    def stock_takes(self) -> list[StockTake]:
        return [take for line in self.lines for take in line.stock_takes()]

    def line(self, number: int) -> OrderLine | None:
        return self.lines[number] if 0 <= number < len(self.lines) else None

    @property
    def credited_creator_id(self) -> str | None:
        """The one creator the order counts for in the creator's selling-reputation score: the
        attributed creator of its largest line by GMV (the first on a tie), the same creator
        the commission ledger pays for that line. Orders placed before attribution was stamped
        fall back to their source."""
        stamped = [line for line in self.lines if line.attribution is not None]
        if not stamped:
            return self.source.creator_id
        largest = max(stamped, key=lambda line: line.total_fen)  # max keeps the first on ties
        return largest.attribution.creator_id


@dataclass(frozen=True)
class LineRequest:
    sku_id: str | None
    bundle_id: str | None
    quantity: int

    @property
    def key(self) -> str:
        return self.sku_id or self.bundle_id or ""


class CheckoutError(Exception):
    """A line that cannot be bought: unknown, hidden, or more than the per-line maximum."""

    def __init__(self, message: str, details: list[dict]):
        super().__init__(message)
        self.details = details


def merge_lines(requests: list[LineRequest]) -> list[LineRequest]:
    """Duplicate lines become one line with the summed quantity (first-seen order kept)."""
    merged: dict[str, LineRequest] = {}
    for request in requests:
        seen = merged.get(request.key)
        quantity = request.quantity + (seen.quantity if seen else 0)
        merged[request.key] = LineRequest(request.sku_id, request.bundle_id, quantity)
    too_many = [{"line": key, "quantity": line.quantity, "max": MAX_LINE_QUANTITY}
                for key, line in merged.items() if line.quantity > MAX_LINE_QUANTITY]
    if too_many:
        raise CheckoutError(f"at most {MAX_LINE_QUANTITY} of one item per order", too_many)
    return list(merged.values())


def referenced_ids(lines: list[LineRequest]) -> tuple[set[str], set[str], set[str]]:
    """(product ids, bundle ids, shop ids) a checkout must read, derived from the ids alone."""
    product_ids, bundle_ids, shop_ids = set(), set(), set()
    for line in lines:
        if line.sku_id and (parsed := ids.parse_sku_id(line.sku_id)):
            product_ids.add(parsed[0])
            shop_ids.add(ids.shop_of_product(parsed[0]))
        if line.bundle_id and (shop_id := ids.shop_of_bundle(line.bundle_id)):
            bundle_ids.add(line.bundle_id)
            shop_ids.add(shop_id)
    return product_ids, bundle_ids, shop_ids


def build_order_lines(
    lines: list[LineRequest], products: dict[str, Product], bundles: dict[str, Bundle]
) -> dict[str, list[OrderLine]]:
    """Order lines grouped by shop id, priced from the server's catalog, never the client's."""
    by_shop: dict[str, list[OrderLine]] = {}
    missing = []
    for request in lines:
        built = (_sku_line(request, products) if request.sku_id
                 else _bundle_line(request, bundles, products))
        if built is None:
            missing.append({"line": request.key, "reason": "not_available"})
            continue
        shop_id, line = built
        by_shop.setdefault(shop_id, []).append(line)
    if missing:
        raise CheckoutError("some items cannot be bought", missing)
    for shop_lines in by_shop.values():
        for number, line in enumerate(shop_lines):
            line.line = number
    return by_shop


def _sku_line(request: LineRequest, products: dict[str, Product]):
    parsed = ids.parse_sku_id(request.sku_id or "")
    product = products.get(parsed[0]) if parsed else None
    if product is None or not product.visible_to_shoppers or parsed[1] >= len(product.skus):
        return None
    sku = product.skus[parsed[1]]
    take = StockTake(sku.sku_id, product.product_id, parsed[1], 1)
    return product.shop_id, OrderLine(
        line=0, title=product.title, quantity=request.quantity, unit_price_fen=sku.price_fen,
        specs=dict(sku.specs), sku_id=sku.sku_id, product_id=product.product_id, parts=[take],
    )


def _bundle_line(request: LineRequest, bundles: dict[str, Bundle], products: dict[str, Product]):
    bundle = bundles.get(request.bundle_id or "")
    if bundle is None:
        return None
    parts = []
    for part in bundle.parts:
        _, index = ids.parse_sku_id(part.sku_id)
        parts.append(StockTake(part.sku_id, part.product_id, index, part.quantity))
    return bundle.shop_id, OrderLine(
        line=0, title=bundle.name, quantity=request.quantity, unit_price_fen=bundle.price_fen,
        bundle_id=bundle.bundle_id, parts=parts,
    )


def plan_orders(buyer_id: str, checkout_id: str, lines_by_shop: dict[str, list[OrderLine]],
                shops: dict[str, Shop], source: Source, now: int) -> list[Order]:
    """One order per shop, each copying the shop and its lines' prices at order time."""
    orders = []
    for shop_id, lines in lines_by_shop.items():
        shop = shops.get(shop_id)
        if shop is None:
            raise CheckoutError("some items cannot be bought",
                                [{"line": shop_id, "reason": "shop_not_found"}])
        orders.append(Order(
            order_id=ids.new_id("o", now), checkout_id=checkout_id, buyer_id=buyer_id,
            shop_id=shop_id, shop_name=shop.name, merchant_id=shop.owner_id,
            status=OrderStatus.PENDING_PAYMENT, lines=lines, source=source,
            created_at=now, updated_at=now, total_fen=sum(line.total_fen for line in lines),
        ))
    return orders


def stamp_line(line: OrderLine, attribution: Attribution,
               products: dict[str, Product]) -> None:
    """Fix a line's attribution and, when a creator is credited with a product open to
    distribution, the commission rate in force now (bundles are not open to distribution)."""
    line.attribution = attribution
    product = products.get(line.product_id or "")
    if attribution.creator_id and product is not None:
        line.commission_rate_bps = product.commission_rate_bps


def stock_by_product(takes: list[StockTake]) -> dict[str, dict[int, int]]:
    """Units per SKU index per product: a product's SKUs move in one update action."""
    grouped: dict[str, dict[int, int]] = {}
    for take in takes:
        per_sku = grouped.setdefault(take.product_id, {})
        per_sku[take.index] = per_sku.get(take.index, 0) + take.quantity
    return grouped


def shortages(products: dict[str, Product], wanted: dict[str, dict[int, int]]) -> list[dict]:
    """Every SKU whose stock (as read) is below what the checkout takes."""
    short = []
    for product_id, per_sku in wanted.items():
        product = products.get(product_id)
        for index, quantity in sorted(per_sku.items()):
            if product is None or index >= len(product.skus):
                continue
            left = product.skus[index].stock
            if left < quantity:
                short.append({"sku_id": product.skus[index].sku_id, "requested": quantity,
                              "stock_left": max(left, 0)})
    return short
