"""Attribution: which click an order line's GMV is credited to, the video store visits that
assisted the order, and the daily reconciliation counters. No I/O. Rules and a worked example:
docs/attribution.md.

Touches. A product click (`click`, `anchor_click` with a product_id) is kept per (actor,
product): only the latest one. A store visit from a video (`store_visit` with a video_id) is
kept per (actor, shop, video). "Latest" is by the event's time, then its id, so replays and
out-of-order delivery converge on the same touch. Touches are kept 8 days (TTL) and count for 7.

Last click. At checkout, a line is credited to the latest click on its product (a bundle line:
on any of its parts) whose time is in [now − 7 days, now + 5 minutes]: the 7-day edge counts, a
click stamped further ahead than a small clock skew is ignored. No such click → the order's own
source. The channel comes from the click: an anchor click or a click carrying a video → video;
a live room → live; a creator or the distribution scene → distribution; else its scene.

Assists. Each store visit from a video to the order's shop within the same window becomes an
assist of the order (one per video). A store visit is never a last-click touch, and assisted
GMV is reported apart: it is never added to attributed GMV.

Only a shopper's own touches decide its orders: touches made on a device that was not signed
in are kept under the device and never move to the shopper when the device signs in.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.behaviour import BehaviourEvent, EventKind
from chalicelib.domain.clock import DAY_MS
from chalicelib.domain.orders import (
    Assist,
    Attribution,
    Channel,
    Order,
    OrderLine,
    Scene,
    Source,
    attribution_from_source,
)

WINDOW_MS = 7 * DAY_MS
MAX_CLOCK_SKEW_MS = 5 * 60 * 1000  # a click stamped later than this ahead of checkout is ignored
TOUCH_TTL_DAYS = 8  # a day longer than the window: TTL deletion lags, reads filter by time
MAX_TOUCHES_READ = 1000  # one Query page (≈ 250 bytes a touch, far under DynamoDB's 1 MB)
REPORT_SHARDS = 8  # a day's report counters are spread so a flash sale never shares one item

CLICK = "click"
VISIT = "visit"
_CLICK_KINDS = frozenset({EventKind.CLICK, EventKind.ANCHOR_CLICK})


@dataclass(frozen=True)
class Touch:
    """A kept click (kind "click") or store visit from a video (kind "visit")."""

    actor: str
    kind: str
    at: int
    event_id: str
    event_type: str  # click | anchor_click | store_visit
    scene: str
    product_id: str | None = None
    shop_id: str | None = None
    video_id: str | None = None
    live_id: str | None = None
    creator_id: str | None = None

    @property
    def key(self) -> str:
        """The touch's sort key under its actor: the latest one per key is kept."""
        if self.kind == CLICK:
            return f"{CLICK}#{self.product_id}"
        return f"{VISIT}#{self.shop_id}#{self.video_id}"

    @property
    def order_key(self) -> tuple[int, str]:
        """What "later" means between two touches: time, then event id (so ties converge)."""
        return self.at, self.event_id


def touch_of(event: BehaviourEvent) -> Touch | None:
    """The touch a behaviour event leaves, if any: a product click, or a store visit from a
    video (a store visit from anywhere else assists nothing)."""
    if event.type in _CLICK_KINDS and event.product_id:
        kind = CLICK
    elif event.type is EventKind.STORE_VISIT and event.video_id and event.shop_id:
        kind = VISIT
    else:
        return None
    return Touch(actor=event.actor, kind=kind, at=event.at, event_id=event.event_id,
                 event_type=event.type.value, scene=event.scene, product_id=event.product_id,
                 shop_id=event.shop_id, video_id=event.video_id, live_id=event.live_id,
                 creator_id=event.creator_id)


def in_window(at: int, now: int) -> bool:
    """A touch at `at` can decide a checkout at `now`: exactly 7 days old counts."""
    return now - WINDOW_MS <= at <= now + MAX_CLOCK_SKEW_MS


def latest_per_key(touches: Iterable[Touch]) -> list[Touch]:
    """One touch per (actor, key): the latest. A batch writes each kept touch once."""
    latest: dict[tuple[str, str], Touch] = {}
    for touch in touches:
        kept = latest.get((touch.actor, touch.key))
        if kept is None or touch.order_key > kept.order_key:
            latest[(touch.actor, touch.key)] = touch
    return list(latest.values())


def worth_keeping(touch: Touch, now: int) -> bool:
    """A touch already out of the window (a late event) can never decide anything."""
    return touch.at >= now - WINDOW_MS


# --- checkout ----------------------------------------------------------------------------------

def click_channel(touch: Touch) -> Channel:
    """The channel a click credits: the most specific promoter it names, else its scene."""
    if touch.event_type == EventKind.ANCHOR_CLICK.value or touch.video_id:
        return Channel.VIDEO
    if touch.live_id:
        return Channel.LIVE
    if touch.creator_id or touch.scene == Scene.DISTRIBUTION.value:
        return Channel.DISTRIBUTION
    return Channel(touch.scene)


def click_attribution(touch: Touch) -> Attribution:
    return Attribution(click_channel(touch), creator_id=touch.creator_id,
                       video_id=touch.video_id, live_id=touch.live_id, touched_at=touch.at)


def last_click(touches: Iterable[Touch], product_ids: Iterable[str], now: int) -> Touch | None:
    """The latest click within the window on any of the products, or None."""
    wanted = set(product_ids)
    clicks = [t for t in touches
              if t.kind == CLICK and t.product_id in wanted and in_window(t.at, now)]
    return max(clicks, key=lambda t: t.order_key, default=None)


def line_attribution(line: OrderLine, source: Source, touches: Iterable[Touch],
                     now: int) -> Attribution:
    """A line's attribution: its last click within 7 days, else the order's own source."""
    click = last_click(touches, line.product_ids, now)
    return click_attribution(click) if click else attribution_from_source(source)


def assists_for(shop_id: str, touches: Iterable[Touch], now: int) -> list[Assist]:
    """The order's assists: each store visit from a video to its shop within the window, one
    per video, oldest first."""
    visits = [t for t in touches
              if t.kind == VISIT and t.shop_id == shop_id and in_window(t.at, now)]
    latest: dict[str, Touch] = {}
    for visit in visits:
        kept = latest.get(visit.video_id)
        if kept is None or visit.order_key > kept.order_key:
            latest[visit.video_id] = visit
    return [Assist(t.video_id, t.at, creator_id=t.creator_id, live_id=t.live_id)
            for t in sorted(latest.values(), key=lambda t: t.order_key)]


# --- the reconciliation report -----------------------------------------------------------------

PAID = "paid_gmv_fen"
ATTRIBUTED = "attributed_gmv_fen"
UNATTRIBUTED = "unattributed_gmv_fen"
ASSISTED = "assisted_gmv_fen"
ORDERS = "orders"
ASSISTED_ORDERS = "assisted_orders"
TOTALS = (ORDERS, PAID, ATTRIBUTED, UNATTRIBUTED, ASSISTED, ASSISTED_ORDERS)


def channel_counter(channel: Channel) -> str:
    return f"{channel.value}_gmv_fen"


CHANNEL_COUNTERS = tuple(channel_counter(channel) for channel in Channel)
COUNTERS = TOTALS + CHANNEL_COUNTERS


def stamped_attribution(order: Order, line: OrderLine) -> Attribution:
    """A line's stamped attribution; an order placed before stamping had its source's."""
    return line.attribution or attribution_from_source(order.source)


def paid_counters(order: Order) -> dict[str, int]:
    """What one paid order adds to its day: every line's GMV once in paid, once in attributed
    or unattributed, once in its channel; the whole order's GMV in assisted when it carries an
    assist (apart: assisted GMV overlaps the others)."""
    counters = dict.fromkeys(COUNTERS, 0)
    counters[ORDERS] = 1
    for line in order.lines:
        attribution = stamped_attribution(order, line)
        counters[PAID] += line.total_fen
        counters[ATTRIBUTED if attribution.attributed else UNATTRIBUTED] += line.total_fen
        counters[channel_counter(attribution.channel)] += line.total_fen
    if order.assists:
        counters[ASSISTED] = counters[PAID]
        counters[ASSISTED_ORDERS] = 1
    return {name: value for name, value in counters.items() if value}


def report_shard(order_id: str) -> int:
    return zlib.crc32(order_id.encode()) % REPORT_SHARDS


def report(day: str, shards: Iterable[dict[str, int]]) -> dict:
    """A day's report from its shards' counters (absent counters are zeros)."""
    summed = dict.fromkeys(COUNTERS, 0)
    for counters in shards:
        for name in COUNTERS:
            summed[name] += int(counters.get(name) or 0)
    return {"day": day, **{name: summed[name] for name in TOTALS},
            "by_channel": {channel.value: summed[channel_counter(channel)]
                           for channel in Channel}}
