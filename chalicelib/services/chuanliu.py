"""The Chuanliu plan's use cases: the paid-order handler that keeps groups, counters and credits,
the creator's credits page, boosting a video, and the brand's report (rules:
chalicelib.domain.chuanliu, docs/chuanliu.md; storage and costs: chalicelib.store.chuanliu).

The paid-order handler (`handle_paid_order`, one of the events consumer's paid-order handlers)
is idempotent step by step, so a retried record redoes only what did not land:
    1. the (brand, buyer) first-order marker: read it; when absent, write it conditionally
       (with the group counters for a member). The order that wrote it is the first order,
       on every replay; any other order of that buyer with that brand is a later one.
    2. a member's later order: its brand-channel GMV into the treated or holdout counter
       (processed mark `chuanliu-gmv#<order>` in the same transaction).
    3. an order paid within 30 days of joining (the joining order included): the accrual for
       the member's creator, written once (entry id `a-<order>`), from the capped pool.
Costs: 1 GetItem per paid order of any buyer; more only for first orders and members' orders.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.auth import Principal, Role, require_role
from chalicelib.domain import chuanliu as rules
from chalicelib.domain import clock, ids
from chalicelib.domain.events import Event
from chalicelib.domain.orders import Order
from chalicelib.errors import Conflict, Forbidden, NotFound, Unprocessable
from chalicelib.observability import logger
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.settings import get_settings
from chalicelib.store import chuanliu as store
from chalicelib.store.base import batch_get, key_id

BOOST_ATTEMPTS = 4  # boosts racing on the boost list before the caller is told to retry


@dataclass(frozen=True)
class CreditRules:
    lambda_bps: int
    pool_cap: int


def credit_rules() -> CreditRules:
    """λ and the monthly pool cap, from the settings (SHELF_CHUANLIU_LAMBDA_BPS, _POOL_CAP)."""
    settings = get_settings()
    return CreditRules(settings.chuanliu_lambda_bps, settings.chuanliu_pool_cap)


# --- the paid-order handler ---------------------------------------------------------------------

def handle_paid_order(event: Event, order: Order) -> str:
    """Groups, counters and credits for one paid order (see the module docstring); returns what
    it found: "not_member", "member" (a later order, or one after the window), "joined"."""
    paid_at = order.paid_at or event.at
    membership = _membership(order, paid_at)
    if not membership.member:
        return "not_member"
    joining = membership.first_order_id == order.order_id
    if not joining:
        if paid_at < membership.joined_at:
            return "member"  # paid before the joining order (delivered out of order): not after
        gmv = rules.brand_gmv(order)
        if gmv > 0:
            store.add_group_gmv(order.shop_id, order.order_id, membership.holdout, gmv,
                                clock.now_ms())
    if rules.in_credit_window(membership.joined_at, paid_at):
        _accrue(membership, order, paid_at)
    return "joined" if joining else "member"


def _membership(order: Order, paid_at: int) -> rules.Membership:
    """The buyer's marker with the brand, written by this order when it is the first."""
    found = store.get_membership(order.shop_id, order.buyer_id)
    if found is not None:
        return found
    first = rules.first_order_membership(order, paid_at)
    if store.record_first_order(first):
        if first.member:
            logger.info("chuanliu: buyer joined a group",
                        extra={"shop_id": first.shop_id, "creator_id": first.creator_id,
                               "holdout": first.holdout})
        return first
    return store.get_membership(order.shop_id, order.buyer_id)  # another order's delivery won


def _accrue(membership: rules.Membership, order: Order, paid_at: int) -> int:
    credit = credit_rules()
    due = rules.credits_for(order.total_fen, credit.lambda_bps)
    if due <= 0:
        return 0
    entry = store.Entry(f"a-{order.order_id}", store.ACCRUAL, due, paid_at, due=due,
                        order_id=order.order_id, shop_id=order.shop_id)
    return store.accrue(membership.creator_id, entry, rules.pool_month(paid_at),
                        credit.pool_cap)


# --- the creator's credits ----------------------------------------------------------------------

def traffic_credits(principal: Principal, creator_id: str, limit: int, cursor: str | None):
    """(balance, a page of entries newest first, next cursor): the creator only. 2 round trips
    (the balance GetItem, the entries Query)."""
    require_role(principal, Role.CREATOR)
    if principal.user_id != creator_id:
        raise Forbidden("these are another creator's credits", code="not_owner")
    scope = f"traffic-credits:{creator_id}"
    entries, next_key = store.list_entries(creator_id, limit, decode_cursor(scope, cursor))
    return store.get_balance(creator_id), entries, encode_cursor(scope, next_key)


# --- boosts --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Boost:
    entry: store.Entry
    balance: int


def boost_video(principal: Principal, video_id: str, credits: int) -> Boost:
    """Spend `credits` of the caller's on their video: its anchored products are boosted (see
    domain.chuanliu). 404 unknown video, 403 another's, 409 not enough credits, 422 a boost
    ending more than MAX_BOOST_DAYS ahead. Costs: 1 GetItem (the video), then per attempt 1
    BatchGetItem (balance, boost list) + 1 transaction."""
    from chalicelib.store.videos import get_video

    require_role(principal, Role.CREATOR)
    video = get_video(video_id)
    if video is None:
        raise NotFound("video not found", code="video_not_found")
    if video.creator_id != principal.user_id:
        raise Forbidden("this video is not yours", code="not_video_creator")
    for _ in range(BOOST_ATTEMPTS):
        now = clock.now_ms()
        balance, boost_list = _balance_and_boosts(principal.user_id)
        if balance.balance < credits:
            raise _short(balance.balance, credits)
        boosts = _boosted(boost_list, video.anchors, now, credits)
        entry = store.Entry(ids.new_id("b", now), store.SPEND, -credits, now,
                            video_id=video_id, product_ids=tuple(video.anchors),
                            until=max(boosts[pid] for pid in video.anchors))
        try:
            store.spend(principal.user_id, entry, boost_list, boosts)
        except store.InsufficientCredits:
            raise _short(store.get_balance(principal.user_id).balance, credits) from None
        except store.BoostsMoved:
            continue  # another boost rewrote the list since it was read
        return Boost(entry, balance.balance - credits)
    raise Conflict("other boosts are being written right now; try again", code="contended")


def _balance_and_boosts(creator_id: str) -> tuple[store.Balance, store.BoostList]:
    balance, boosts = store.balance_key(creator_id), store.boosts_key()
    found = batch_get([balance, boosts], consistent=frozenset({balance[0]}))
    return (store.balance_from(found.get(key_id(balance))),
            store.boosts_from(found.get(key_id(boosts))))


def _boosted(boost_list: store.BoostList, anchors: list[str], now: int,
             credits: int) -> dict[str, int]:
    """The list after this boost: the running boosts, each anchor's extended (expired ones are
    dropped here, so the list holds what is running)."""
    boosts = rules.active(boost_list.boosts, now)
    try:
        for product_id in anchors:
            boosts[product_id] = rules.boost_until(boosts.get(product_id), now, credits)
    except rules.BoostTooLong as error:
        message = f"a boost may end at most {rules.MAX_BOOST_DAYS} days from now"
        raise Unprocessable(message, code="boost_too_long",
                            details=[{"field": "credits", "message": message}]) from error
    return boosts


def _short(balance: int, wanted: int) -> Conflict:
    return Conflict(f"not enough traffic credits: {balance} left, {wanted} asked",
                    code="insufficient_credits",
                    details=[{"field": "credits", "balance": balance, "wanted": wanted}])


# --- the brand's report -------------------------------------------------------------------------

def report(principal: Principal, shop_id: str) -> dict:
    """The brand's group, its GMV against the holdout, and credits (the owning merchant): the
    shop's GetItem (ownership), then one BatchGetItem of the counters and this month's pool."""
    from chalicelib.services.catalog import owned_shop

    owned_shop(principal, shop_id)
    month = rules.pool_month(clock.now_ms())
    stats_key, pool_key = store.stats_key(shop_id), store.pool_key(shop_id, month)
    found = batch_get([stats_key, pool_key])
    stats = store.stats_from(found.get(key_id(stats_key)))
    return {
        "shop_id": shop_id,
        "group_size": stats.group_size,
        "holdout_size": stats.holdout_size,
        "treated_size": stats.treated_size,
        "group_gmv_fen": stats.group_gmv_fen,
        "treated_gmv_fen": stats.treated_gmv_fen,
        "holdout_gmv_fen": stats.holdout_gmv_fen,
        "gmv_per_buyer_fen": {
            "treated": rules.per_buyer_fen(stats.treated_gmv_fen, stats.treated_size),
            "holdout": rules.per_buyer_fen(stats.holdout_gmv_fen, stats.holdout_size),
        },
        "increment_pct": rules.increment_pct(stats),
        "credits_issued": stats.credits_issued,
        "pool": {"month": month, "cap": credit_rules().pool_cap,
                 "issued": store.issued_from(found.get(key_id(pool_key)))},
    }
