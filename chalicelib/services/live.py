"""Live sessions: start, end (by the owner, or automatically after 24 h), read, and the
events-consumer handler that counts stream GMV and indexes tail sales.

    create    1 BatchGetItem (products' status, the shop's owner) + 1 transaction (the
              session; a shop session sets the shop's live flag unless another one runs: 409)
    end       1 GetItem + 1 transaction (the session's end; the shop's flag cleared);
              ending an ended session answers it unchanged and writes nothing
    read      1 GetItem
    a shop's sessions (its merchant, ops)  1 GetItem (the shop: owner, 404) + 1 Query of the
              keys-only `by_owner` index + 1 BatchGetItem of the page (none when empty)
    a creator's sessions (that creator, ops)  1 Query + 1 BatchGetItem (none when empty)
    auto-end  DUE_SHARDS Queries of the sparse due index + per bucket 1 BatchGetItem and
              1 transaction per session ended
    paid order (events consumer): nothing for an order with no live or video attribution;
              else 1 BatchGetItem of its sessions + 1 transaction per session it sold for
              (processed mark + ADD), and 1 BatchWriteItem of its tail-index entries
"""

from __future__ import annotations

from chalicelib.auth import Principal, Role, require_role
from chalicelib.domain import ids
from chalicelib.domain.clock import from_datetime, now_ms, to_iso
from chalicelib.domain.events import Event
from chalicelib.domain.live import (
    AUTO,
    OWNER,
    LiveRuleError,
    LiveSession,
    check_ended_at,
    check_session_products,
    check_started_at,
    stream_sales,
)
from chalicelib.domain.orders import Order
from chalicelib.errors import Conflict, Forbidden, NotFound, Unprocessable
from chalicelib.observability import logger
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.store import live as live_store

LIVE_ID_PREFIX = "lv"
_ATTEMPTS = 3  # re-reads of a session a concurrent write changed under us


def rule_error(error: LiveRuleError) -> Exception:
    """The HTTP error of a broken rule: not yours → 403, anything else → 422 on its field."""
    if error.code == "not_owner":
        return Forbidden(str(error), code="not_owner")
    return Unprocessable(str(error), code=error.code,
                         details=[{"field": error.field, "message": str(error)}])


# --- start -------------------------------------------------------------------------------------

def create_session(principal: Principal, request) -> LiveSession:
    require_role(principal, Role.MERCHANT, Role.CREATOR)
    _check_owner_fields(principal, request)
    now = now_ms()
    started_at = from_datetime(request.started_at) if request.started_at else now
    refs = live_store.references(request.products,
                                 [request.shop_id] if request.shop_id else [])
    try:
        check_started_at(started_at, now)
        if request.shop_id is not None:
            _check_shop_owner(principal, request.shop_id, refs.shop_owners)
        check_session_products(request.shop_id, request.products, refs.products,
                               ids.shop_of_product)
    except LiveRuleError as error:
        raise rule_error(error) from error
    session = LiveSession(
        live_id=ids.new_id(LIVE_ID_PREFIX, now), title=request.title,
        owner_id=principal.user_id, products=list(request.products), started_at=started_at,
        created_at=now, shop_id=request.shop_id,
        creator_id=principal.user_id if request.creator_id else None)
    try:
        live_store.create_session(session)
    except live_store.ShopAlreadyLive as error:
        raise Conflict("the shop has a live session running: end it first",
                       code="shop_already_live") from error
    return session


def _check_owner_fields(principal: Principal, request) -> None:
    """A merchant streams for its shop, a creator for itself."""
    if principal.role is Role.MERCHANT and request.shop_id is None:
        raise Forbidden("a merchant starts its shop's session (shop_id)", code="wrong_role")
    if principal.role is Role.CREATOR and request.creator_id != principal.user_id:
        raise Forbidden("a creator starts its own session (creator_id = its id)",
                        code="not_owner")


def _check_shop_owner(principal: Principal, shop_id: str, owners: dict[str, str]) -> None:
    if shop_id not in owners:
        raise NotFound("shop not found", code="shop_not_found")
    if owners[shop_id] != principal.user_id:
        raise Forbidden("this shop belongs to another merchant", code="not_owner")


# --- read --------------------------------------------------------------------------------------

def get_session(live_id: str) -> LiveSession:
    session = live_store.get_session(live_id)
    if session is None:
        raise NotFound("live session not found", code="live_not_found")
    return session


def sees_figures(principal: Principal | None, session: LiveSession) -> bool:
    """Stream GMV is the owner's (and ops') business, not the audience's."""
    return principal is not None and (principal.role is Role.OPS
                                      or principal.user_id == session.owner_id)


def shop_sessions(principal: Principal, shop_id: str, limit: int, cursor: str | None):
    """A shop's self-broadcasts, newest start first, and the next page's cursor: its merchant
    or ops (403 for anyone else, 404 for no such shop)."""
    from chalicelib.services.reports import authorize_shop

    authorize_shop(principal, shop_id)
    return _owner_page(live_store.SHOP_OWNER, shop_id, limit, cursor)


def creator_sessions(principal: Principal, creator_id: str, limit: int, cursor: str | None):
    """A creator's own sessions, newest start first, and the next page's cursor: that creator
    or ops (403 for anyone else)."""
    if principal.role is not Role.OPS:
        require_role(principal, Role.CREATOR)
        if principal.user_id != creator_id:
            raise Forbidden("these are another creator's sessions", code="not_owner")
    return _owner_page(live_store.CREATOR_OWNER, creator_id, limit, cursor)


def _owner_page(kind: str, owner_id: str, limit: int, cursor: str | None):
    scope = f"live-sessions:{live_store.owner_key(kind, owner_id)}"
    sessions, next_key = live_store.owner_sessions(kind, owner_id, limit,
                                                   decode_cursor(scope, cursor))
    return sessions, encode_cursor(scope, next_key)


def authorize_owner(principal: Principal, session: LiveSession) -> None:
    """The session's creator, the merchant of its shop, or ops."""
    if principal.role is Role.OPS:
        return
    if principal.role in (Role.MERCHANT, Role.CREATOR) and (
            principal.user_id == session.owner_id):
        return
    raise Forbidden("this live session belongs to someone else", code="not_owner")


# --- end ---------------------------------------------------------------------------------------

def end_session(principal: Principal, live_id: str, request) -> LiveSession:
    """End a running session (its owner, or ops); an ended one is answered unchanged."""
    session = get_session(live_id)
    authorize_owner(principal, session)
    if not session.running:
        return session
    now = now_ms()
    if request.ended_at is None:  # now; a session overdue for the auto-end ends when it was due
        return _end(session, min(now, session.auto_end_at), OWNER, exact=False)
    ended_at = from_datetime(request.ended_at)
    try:
        check_ended_at(session, ended_at, now)
    except LiveRuleError as error:
        raise rule_error(error) from error
    return _end(session, ended_at, OWNER)


def _end(session: LiveSession, ended_at: int, ended_by: str, exact: bool = True) -> LiveSession:
    """End the session at `ended_at`. A sale counted after that instant (paid a moment after
    the end was asked, or before an explicit past ended_at) makes an `exact` end a 409; an end
    at "now" moves to that sale instead."""
    for _ in range(_ATTEMPTS):
        if not exact and session.last_paid_at is not None:
            ended_at = max(ended_at, session.last_paid_at)
        if session.last_paid_at is not None and session.last_paid_at > ended_at:
            message = "orders paid after that ended_at were counted in the stream"
            raise Conflict(message, code="sales_after_end",
                           details=[{"field": "ended_at", "message": message,
                                     "last_paid_at": to_iso(session.last_paid_at)}])
        try:
            live_store.end_session(session, ended_at, ended_by)
        except live_store.SessionChanged:
            session = get_session(session.live_id)  # ended meanwhile, or a sale counted
            if not session.running:
                return session
            continue
        session.ended_at, session.ended_by = ended_at, ended_by
        return session
    raise Conflict("the session kept changing; try again", code="session_busy")


def end_overdue(now: int, per_bucket: int = 100) -> int:
    """End every session still running 24 h after its start, at start + 24 h; returns how
    many. Idempotent: an ended session is skipped."""
    ended = 0
    for shard in range(live_store.DUE_SHARDS):
        live_ids = live_store.due_live_ids(shard, now, per_bucket)
        if not live_ids:
            continue
        for session in live_store.batch_get_sessions(live_ids).values():
            if session.running and session.auto_end_at <= now:
                after = _end(session, session.auto_end_at, AUTO)
                ended += after.ended_by == AUTO  # not when its owner ended it meanwhile
    return ended


# --- the events consumer -----------------------------------------------------------------------

def count_paid_order(event: Event, order: Order) -> None:
    """Events-consumer handler of a paid order: its lines attributed to live sessions add to
    those sessions' stream GMV (once per order and session: a processed mark)."""
    paid_at = paid_time(event, order)
    sales = stream_sales(order)
    if sales:
        sessions = live_store.batch_get_sessions(sales)
        for live_id, gmv_fen in sorted(sales.items()):
            _count_stream_sale(order.order_id, live_id, sessions.get(live_id), gmv_fen,
                               paid_at)


def paid_time(event: Event, order: Order) -> int:
    """When the order was paid: its own time, else the payment event's."""
    return order.paid_at if order.paid_at is not None else event.at


def _count_stream_sale(order_id: str, live_id: str, session: LiveSession | None,
                       gmv_fen: int, paid_at: int) -> bool:
    """Add one order's GMV to one session's stream figures; False when it does not count (no
    such session, paid outside the stream) or was counted before."""
    mark_key = f"live-sale#{order_id}#{live_id}"
    for _ in range(_ATTEMPTS):
        if session is None or not session.in_stream(paid_at):
            return False
        try:
            live_store.count_stream_sale(mark_key, session, gmv_fen, paid_at, now_ms())
            return True
        except live_store.AlreadyCounted:
            logger.info("stream sale already counted", extra={"mark": mark_key})
            return False
        except live_store.SessionChanged:
            session = live_store.get_session(live_id)  # ended or counted on meanwhile
    raise RuntimeError(f"live session {live_id} kept changing")  # the record is retried
