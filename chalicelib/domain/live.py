"""Live sessions, the short videos cut from them, and the post-stream night rule. No I/O.

Sessions
- A session is a shop's self-broadcast (品牌自播, started by the merchant who owns the shop) or
  a creator's own stream: exactly one of `shop_id` / `creator_id`.
- `started_at` may lie at most START_AHEAD_MS in the future (a broadcaster's device clock runs
  ahead of ours) and at most MAX_SESSION_MS in the past (a stream older than that would already
  have been ended automatically). A session records a stream that is on, not a schedule.
- `ended_at` lies in [started_at, started_at + MAX_SESSION_MS] and not after now +
  START_AHEAD_MS. A session still running MAX_SESSION_MS after its start is ended
  automatically, at exactly started_at + MAX_SESSION_MS (the moment it was due, not the moment
  the job got to it, so a test clock that skipped days ends it where it should have ended).
- Stream GMV: paid order lines whose attribution names the session (`attribution.live_id`),
  paid within the stream window [started_at, ended_at] (while it runs, [started_at,
  started_at + MAX_SESSION_MS]). An order counts once per session however many of its lines do.

Videos (短视频)
- 1..MAX_ANCHORS product anchors (挂车), existing and on shelf; optionally a storefront link
  (`shop_id`) and the session it was cut from (直播切片, `live_id`).
- A merchant's video belongs to the one shop its anchors come from, which it must own; it may
  link only a shop it owns, and be cut only from that shop's session. A creator's video may
  anchor and link any shop, and be cut only from the creator's own session.

The night rule (post-stream tail GMV, docs/post-stream.md)
- Night 0 of a session is the rest of the business day (Asia/Shanghai) on which it ended,
  from ended_at to midnight; night n (1..MAX_NIGHT) is the n-th business day after it. A line
  paid before ended_at, or after night MAX_NIGHT, belongs to no night.
- A night's figures for a session: `gmv_fen` and `orders` (distinct orders) of lines attributed
  to videos cut from the session, and `assisted_gmv_fen`: the GMV of orders a video cut from it
  assisted (a store visit from the video), once per order, reported apart and never added to
  gmv_fen. A shop's day sums its own sessions' nights that fall on that day (orders and assisted
  orders counted once per shop).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from chalicelib.domain.clock import DAY_MS, business_day
from chalicelib.domain.orders import Order

MAX_SESSION_MS = DAY_MS  # a stream is ended automatically 24 h after its start
START_AHEAD_MS = 5 * 60 * 1000  # how far ahead of our clock a broadcaster's may run
MAX_SESSION_PRODUCTS = 50
MAX_ANCHORS = 10
MAX_NIGHT = 14  # nights 0..14 after the stream
AUTO = "auto"
OWNER = "owner"


class LiveRuleError(ValueError):
    """A request that breaks a rule above; `field` names the offending request field."""

    def __init__(self, field_name: str, message: str, code: str = "validation_error"):
        super().__init__(message)
        self.field = field_name
        self.code = code


# --- sessions ----------------------------------------------------------------------------------

@dataclass
class LiveSession:
    live_id: str
    title: str
    owner_id: str  # the merchant who owns the shop, or the creator
    products: list[str]
    started_at: int
    created_at: int
    shop_id: str | None = None
    creator_id: str | None = None
    ended_at: int | None = None
    ended_by: str | None = None  # OWNER or AUTO
    # stream GMV, counted by the events consumer
    gmv_fen: int = 0
    orders: int = 0
    last_paid_at: int | None = None  # the latest paid_at counted: an end may not come before it

    @property
    def running(self) -> bool:
        return self.ended_at is None

    @property
    def auto_end_at(self) -> int:
        return auto_end_at(self.started_at)

    @property
    def stream_end(self) -> int:
        """The last instant an order paid counts as stream GMV (known once ended)."""
        return self.auto_end_at if self.ended_at is None else self.ended_at

    def in_stream(self, paid_at: int) -> bool:
        return self.started_at <= paid_at <= self.stream_end


def auto_end_at(started_at: int) -> int:
    return started_at + MAX_SESSION_MS


def check_started_at(started_at: int, now: int) -> None:
    if started_at > now + START_AHEAD_MS:
        raise LiveRuleError("started_at", "started_at may be at most 5 minutes in the future")
    if started_at < now - MAX_SESSION_MS:
        raise LiveRuleError("started_at", "started_at may be at most 24 hours in the past: "
                                          "an older stream has ended automatically")


def check_ended_at(session: LiveSession, ended_at: int, now: int) -> None:
    if ended_at < session.started_at:
        raise LiveRuleError("ended_at", "ended_at is before the session's start")
    if ended_at > now + START_AHEAD_MS:
        raise LiveRuleError("ended_at", "ended_at may be at most 5 minutes in the future")
    if ended_at > session.auto_end_at:
        raise LiveRuleError("ended_at", "a session lasts at most 24 hours")


def check_session_products(shop_id: str | None, product_ids: list[str],
                           found: Iterable[str], shop_of) -> None:
    """Every product exists; a shop's session sells only the shop's products (`shop_of` maps a
    product id to its shop id)."""
    missing = sorted(set(product_ids) - set(found))
    if missing:
        raise LiveRuleError("products", f"unknown products: {', '.join(missing)}",
                            code="products_not_found")
    if shop_id is not None:
        foreign = sorted(pid for pid in product_ids if shop_of(pid) != shop_id)
        if foreign:
            raise LiveRuleError("products", "a shop's session sells only the shop's products",
                                code="products_not_of_shop")


def stream_sales(order: Order) -> dict[str, int]:
    """live_id → GMV (fen) of the order's lines attributed to that session."""
    sales: dict[str, int] = {}
    for line in order.lines:
        live_id = line.attribution.live_id if line.attribution else None
        if live_id:
            sales[live_id] = sales.get(live_id, 0) + line.total_fen
    return sales


# --- videos ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Video:
    video_id: str
    title: str
    creator_id: str | None  # a creator's video
    shop_id_owner: str | None  # a merchant's video: the shop it belongs to
    anchors: list[str]  # product ids (挂车)
    shop_id: str | None  # the storefront link
    live_id: str | None  # the session it was cut from (直播切片)
    created_at: int


@dataclass(frozen=True)
class VideoAuthor:
    """Who posts a video: a merchant (with the shops it owns among those the request names) or
    a creator."""

    user_id: str
    is_merchant: bool
    owned_shops: frozenset[str] = frozenset()


def video_owner_shop(author: VideoAuthor, anchors: list[str], shop_of) -> str | None:
    """The shop a merchant's video belongs to: the one shop its anchors come from, which the
    merchant must own. None for a creator's video."""
    if not author.is_merchant:
        return None
    shops = {shop_of(product_id) for product_id in anchors}
    if len(shops) != 1:
        raise LiveRuleError("anchors", "a merchant's video anchors products of one shop",
                            code="anchors_of_several_shops")
    (shop_id,) = shops
    if shop_id not in author.owned_shops:
        raise LiveRuleError("anchors", "the anchored products belong to another merchant",
                            code="not_owner")
    return shop_id


def check_anchors(anchors: list[str], on_shelf: Iterable[str]) -> None:
    unavailable = sorted(set(anchors) - set(on_shelf))
    if unavailable:
        raise LiveRuleError("anchors", "anchors must be existing products on shelf: "
                                       + ", ".join(unavailable), code="anchors_unavailable")


def check_link(author: VideoAuthor, shop_id: str | None, shop_exists: bool) -> None:
    if shop_id is None:
        return
    if not shop_exists:
        raise LiveRuleError("shop_id", "no such shop", code="shop_not_found")
    if author.is_merchant and shop_id not in author.owned_shops:
        raise LiveRuleError("shop_id", "a merchant links only its own shops", code="not_owner")


def check_cut_from(author: VideoAuthor, owner_shop: str | None,
                   session: LiveSession | None, live_id: str | None) -> None:
    """A video is cut from a session of the same creator or the same shop."""
    if live_id is None:
        return
    if session is None:
        raise LiveRuleError("live_id", "no such live session", code="live_not_found")
    same = (session.shop_id is not None and session.shop_id == owner_shop) if (
        author.is_merchant) else session.creator_id == author.user_id
    if not same:
        raise LiveRuleError("live_id", "a video is cut only from a session of the same "
                                       "creator or shop", code="live_of_another_owner")


# --- the night rule ----------------------------------------------------------------------------

def night_of(ended_at: int, paid_at: int) -> int | None:
    """The night (0..MAX_NIGHT) after a stream that ended at `ended_at` on which a line paid at
    `paid_at` falls, or None (paid before the end, or after the last night)."""
    if paid_at < ended_at:
        return None
    night = days_between(business_day(ended_at), business_day(paid_at))
    return night if night <= MAX_NIGHT else None


def night_number(ended_at: int, day: str) -> int | None:
    """Which night business day `day` is after a stream that ended at `ended_at`, or None."""
    night = days_between(business_day(ended_at), day)
    return night if 0 <= night <= MAX_NIGHT else None


def night_days(ended_at: int, today: str) -> list[str]:
    """The business days of nights 0..MAX_NIGHT that have begun by `today`."""
    first = date.fromisoformat(business_day(ended_at))
    last = min(first + timedelta(days=MAX_NIGHT), date.fromisoformat(today))
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def days_between(first: str, last: str) -> int:
    return (date.fromisoformat(last) - date.fromisoformat(first)).days


def day_range(first: str, last: str) -> list[str]:
    start = date.fromisoformat(first)
    return [(start + timedelta(days=n)).isoformat() for n in range(days_between(first, last) + 1)]


# --- the tail index and its sums ---------------------------------------------------------------

LINE = "line"  # a line attributed to a video
ASSIST = "assist"  # a video that assisted the order (a store visit)


@dataclass(frozen=True)
class TailEntry:
    """One entry of a business day's tail index: an order line attributed to a video, or a
    video that assisted an order (gmv_fen = the order's total)."""

    order_id: str
    kind: str
    video_id: str
    shop_id: str  # the shop that sold the order
    gmv_fen: int
    paid_at: int
    line: int | None = None  # LINE entries


def tail_entries(order: Order, paid_at: int) -> list[TailEntry]:
    """The index entries of a paid order: its video-attributed lines and its assists (one per
    assisting video)."""
    entries = [TailEntry(order.order_id, LINE, line.attribution.video_id, order.shop_id,
                         line.total_fen, paid_at, line.line)
               for line in order.lines if line.attribution and line.attribution.video_id]
    for video_id in dict.fromkeys(assist.video_id for assist in order.assists):
        entries.append(TailEntry(order.order_id, ASSIST, video_id, order.shop_id,
                                 order.total_fen, paid_at))
    return entries


@dataclass
class NightTotals:
    gmv_fen: int = 0
    orders: int = 0
    assisted_gmv_fen: int = 0
    # what has been counted, so an order counts once however many of its entries meet here
    _orders: set[str] = field(default_factory=set, repr=False, compare=False)
    _assisted: set[str] = field(default_factory=set, repr=False, compare=False)

    def add(self, entry: TailEntry) -> None:
        if entry.kind == LINE:
            self.gmv_fen += entry.gmv_fen
            if entry.order_id not in self._orders:
                self._orders.add(entry.order_id)
                self.orders += 1
        elif entry.order_id not in self._assisted:
            self._assisted.add(entry.order_id)
            self.assisted_gmv_fen += entry.gmv_fen


@dataclass(frozen=True)
class EndedSession:
    """What the night sums need of a session."""

    live_id: str
    ended_at: int
    shop_id: str | None


def ended_sessions(sessions: dict[str, LiveSession]) -> dict[str, EndedSession]:
    """The ended ones among `sessions` (a running session has no nights yet)."""
    return {live_id: EndedSession(session.live_id, session.ended_at, session.shop_id)
            for live_id, session in sessions.items() if session.ended_at is not None}


@dataclass
class DayTotals:
    """One business day's post-stream figures: per session (with the night the day is for it)
    and per shop."""

    sessions: dict[str, tuple[int, NightTotals]] = field(default_factory=dict)
    shops: dict[str, NightTotals] = field(default_factory=dict)


def day_totals(entries: Iterable[TailEntry], cut_from: dict[str, str],
               sessions: dict[str, EndedSession]) -> DayTotals:
    """Sum one business day's index entries by the session their video was cut from
    (`cut_from`: video_id → live_id) and by that session's shop; entries of videos cut from no
    session, from a session still running, or outside its nights count nothing."""
    totals = DayTotals()
    for entry in entries:
        session = sessions.get(cut_from.get(entry.video_id, ""))
        night = night_of(session.ended_at, entry.paid_at) if session else None
        if night is None:
            continue
        _, night_totals = totals.sessions.setdefault(session.live_id, (night, NightTotals()))
        night_totals.add(entry)
        if session.shop_id is not None:
            totals.shops.setdefault(session.shop_id, NightTotals()).add(entry)
    return totals
