"""The Chuanliu plan (川流计划): a brand's customer group, its holdout, the creators' traffic
credits, the boosts they buy, and the increment the group reports. Pure (no I/O); the rules
with a worked example are in docs/chuanliu.md.

Group: a buyer joins a brand's (a shop's) group with their FIRST paid order with that shop,
when a line of it is credited to a creator other than the buyer (`line.attribution.creator_id`);
the group remembers that creator (`bringer`: the creator of the largest such line, the first on
a tie) and the join time (the joining order's payment time). A first order that no creator
brought makes the buyer a non-member for good: the group is the buyers creators brought.

Holdout: `holdout_bucket(shop, buyer)` = the first 8 bytes of
SHA-256("chuanliu-holdout|<shop_id>|<buyer_id>") as a big-endian integer, mod 100; the buyer is
held out when the bucket is below HOLDOUT_PERCENT (10). Stable (the same buyer is always in or
out for one brand), independent between brands, uniform. A held-out member gets no `chuanliu`
recommendation and is otherwise a member like any other (credits accrue for them too).

Traffic credits: for every paid order of a member with the brand whose payment is at most
CREDIT_WINDOW_DAYS (30 × 24 h) after joining, the joining order included, the bringer earns
    credits = floor(order GMV fen × λ_bps / 1,000,000)
i.e. λ (basis points) of the GMV, in credits worth one yuan of GMV each: λ = 500 bps (5 %) turns
a 300-yuan order into 15 credits. Credits come from the brand's pool for the business month
(Asia/Shanghai) the order was paid in, capped (DEFAULT_POOL_CAP credits a month, a setting):
`pool_take` pays what is left when the pool is short, so the cap is never overshot.

Boost: a creator spends N ≥ MIN_BOOST_CREDITS credits on one of their videos; every product the
video anchors is boosted by BOOST_FACTOR (its ranking `boost` is multiplied by 1.5) for
N × BOOST_HOURS_PER_CREDIT hours, added after any boost it already has, and never ending more
than MAX_BOOST_DAYS from now. Feeds and candidate lists are rebuilt by the feeds job (nightly),
so a boost shows from the first rebuild inside its window to the first one after it ends; the
minimum of 24 credits (24 h) makes sure a nightly rebuild falls inside every window.

Increment: GMV "with the brand through its storefront and self-broadcast" is the members' paid
GMV on lines (of orders after the joining one) attributed to the brand's own channels:
`storefront`, `recommendation` (where the chuanliu source reaches members) and `live` with no
creator credited (the brand's self-broadcast, 品牌自播; a creator's stream credits its creator).
Per buyer: treated = non-holdout members, holdout = held-out members (intention to treat: a
member who turned personalisation off stays in their arm). increment_pct =
(treated per buyer − holdout per buyer) / holdout per buyer × 100, from the exact ratios,
rounded to one decimal, halves away from zero; None when the holdout is empty or spent
nothing, or nobody is treated.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from chalicelib.domain.clock import business_day
from chalicelib.domain.numbers import PERCENT_DECIMALS
from chalicelib.domain.orders import Channel, Order

DAY_MS = 24 * 60 * 60 * 1000
HOUR_MS = 60 * 60 * 1000

HOLDOUT_PERCENT = 10
CREDIT_WINDOW_DAYS = 30
CREDIT_WINDOW_MS = CREDIT_WINDOW_DAYS * DAY_MS
DEFAULT_LAMBDA_BPS = 500  # 5 % of GMV, in one-yuan credits
DEFAULT_POOL_CAP = 10_000  # credits per brand per business month
_BPS_OF_YUAN = 10_000 * 100  # basis points × fen per yuan

BOOST_FACTOR = 1.5
BOOST_HOURS_PER_CREDIT = 1
MIN_BOOST_CREDITS = 24  # a window of 24 h always holds one nightly rebuild
MAX_BOOST_DAYS = 7
MAX_BOOST_CREDITS = MAX_BOOST_DAYS * 24 // BOOST_HOURS_PER_CREDIT

# The brand's own channels: what the increment compares (see the module docstring)
BRAND_CHANNELS = frozenset({Channel.STOREFRONT, Channel.RECOMMENDATION})


# --- the group -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Membership:
    """What the group knows of a buyer's first paid order with a brand. `creator_id` None: the
    first order came through no creator, so the buyer is not (and never becomes) a member."""

    shop_id: str
    buyer_id: str
    first_order_id: str
    joined_at: int  # the first order's payment time
    creator_id: str | None = None
    holdout: bool = False

    @property
    def member(self) -> bool:
        return self.creator_id is not None


def holdout_bucket(shop_id: str, buyer_id: str) -> int:
    """0..99, stable per (brand, buyer): see the module docstring."""
    digest = hashlib.sha256(f"chuanliu-holdout|{shop_id}|{buyer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


def in_holdout(shop_id: str, buyer_id: str) -> bool:
    return holdout_bucket(shop_id, buyer_id) < HOLDOUT_PERCENT


def bringer(order: Order) -> str | None:
    """The creator credited with the order's largest creator-attributed line (the first on a
    tie), never the buyer; None when no creator brought any line."""
    credited = [line for line in order.lines
                if line.attribution is not None and line.attribution.creator_id
                and line.attribution.creator_id != order.buyer_id]
    if not credited:
        return None
    return max(credited, key=lambda line: line.total_fen).attribution.creator_id


def first_order_membership(order: Order, paid_at: int) -> Membership:
    """The membership a first paid order makes (a non-member one when no creator brought it)."""
    creator = bringer(order)
    return Membership(order.shop_id, order.buyer_id, order.order_id, paid_at, creator,
                      holdout=creator is not None and in_holdout(order.shop_id, order.buyer_id))


# --- credits -------------------------------------------------------------------------------------

def credits_for(gmv_fen: int, lambda_bps: int = DEFAULT_LAMBDA_BPS) -> int:
    """floor(GMV fen × λ_bps / 1,000,000), in integers (no float rounding)."""
    return max(gmv_fen, 0) * lambda_bps // _BPS_OF_YUAN


def in_credit_window(joined_at: int, paid_at: int) -> bool:
    """An order paid from the join up to exactly 30 × 24 h later earns credits."""
    return 0 <= paid_at - joined_at <= CREDIT_WINDOW_MS


def pool_month(at_ms: int) -> str:
    """The business month (Asia/Shanghai) of an instant, "YYYY-MM": the pool it draws from."""
    return business_day(at_ms)[:7]


def pool_take(due: int, issued: int, cap: int) -> int:
    """What a pool that has issued `issued` of `cap` pays towards `due`: all of it, what is
    left, or nothing."""
    return max(0, min(due, cap - issued))


# --- boosts --------------------------------------------------------------------------------------

class BoostTooLong(ValueError):
    """The boost would end more than MAX_BOOST_DAYS from now."""


def boost_until(current_until: int | None, now: int, credits: int) -> int:
    """When a product's boost ends after `credits` more: added after the boost it has (from now
    when it has none left). Raises BoostTooLong past MAX_BOOST_DAYS from now."""
    start = max(now, current_until or 0)
    until = start + credits * BOOST_HOURS_PER_CREDIT * HOUR_MS
    if until > now + MAX_BOOST_DAYS * DAY_MS:
        raise BoostTooLong(until)
    return until


def active(boosts: dict[str, int], now: int) -> dict[str, int]:
    """The boosts (product → end) still running at `now`."""
    return {product_id: until for product_id, until in boosts.items() if until > now}


# --- the increment -------------------------------------------------------------------------------

def is_brand_channel(channel: Channel, creator_id: str | None) -> bool:
    """Storefront, recommendation, or the brand's own live stream (live, no creator)."""
    return channel in BRAND_CHANNELS or (channel is Channel.LIVE and not creator_id)


def brand_gmv(order: Order) -> int:
    """The order's GMV on lines attributed to the brand's own channels (fen)."""
    return sum(line.total_fen for line in order.lines
               if line.attribution is not None
               and is_brand_channel(line.attribution.channel, line.attribution.creator_id))


@dataclass(frozen=True)
class GroupStats:
    """A brand's counters, kept by the paid-order handler."""

    group_size: int = 0
    holdout_size: int = 0
    treated_gmv_fen: int = 0
    holdout_gmv_fen: int = 0
    credits_issued: int = 0

    @property
    def treated_size(self) -> int:
        return self.group_size - self.holdout_size

    @property
    def group_gmv_fen(self) -> int:
        return self.treated_gmv_fen + self.holdout_gmv_fen


def per_buyer_fen(gmv_fen: int, buyers: int) -> int | None:
    """GMV per buyer in whole fen, rounded half up; None for no buyers."""
    if buyers <= 0:
        return None
    return int(_half_up(Fraction(gmv_fen, buyers), Decimal(1)))


def increment_pct(stats: GroupStats) -> float | None:
    """(treated per buyer − holdout per buyer) / holdout per buyer × 100 to one decimal, halves
    away from zero (from the exact ratios, not the rounded per-buyer figures); None when it
    cannot be measured (no holdout, a holdout that spent nothing, nobody treated)."""
    if stats.holdout_size <= 0 or stats.holdout_gmv_fen <= 0 or stats.treated_size <= 0:
        return None
    treated = Fraction(stats.treated_gmv_fen, stats.treated_size)
    holdout = Fraction(stats.holdout_gmv_fen, stats.holdout_size)
    return float(_half_up((treated - holdout) / holdout * 100,
                          Decimal(1).scaleb(-PERCENT_DECIMALS)))


def _half_up(value: Fraction, quantum: Decimal) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(quantum, rounding=ROUND_HALF_UP)
