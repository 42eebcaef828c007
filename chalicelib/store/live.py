"""The live_sessions table: each session and its post-stream night rows in one partition.

- pk `live_id`, sk `item`: "session" is the session (owner, products, start and end, the
  stream GMV counters); "night#<YYYY-MM-DD>" is one night row of its tail GMV (written by the
  post-stream job, at most MAX_NIGHT + 1 of them). So the tail-GMV read is one Query of the
  partition: the session (for the access check and ended_at) and its nights together.
- sparse GSI `by_due` (`due_bucket`, `due_at`, keys only): only a running session carries the
  keys (due_at = its automatic end), so the auto-end job Queries what is due, never every
  session; ending removes them.
- sparse GSI `by_owner` (`owner_key` = "shop#<shop_id>" / "creator#<creator_id>", `started_at`,
  keys only): only session items carry `owner_key` (written with the session), so a shop's or
  a creator's sessions, newest first, are one Query, never a night row. Keys only because the
  session item takes an ADD per order paid during the stream: an index projecting those
  counters would take a write per sale too, while a keys-only one is written once; the page's
  sessions are then read in one (consistent) BatchGetItem, so its figures are the current ones.

Costs: what a new session or video refers to = 1 BatchGetItem (`references`, projected to
the attributes its checks need); create = 1 transaction (the session; a shop session also sets
the shop's live flag, conditioned on no other session running); end = 1 transaction (the
session, conditioned on not ended; the shop's flag cleared); one stream sale = 1 transaction
(processed mark + ADD); a session read = 1 GetItem; the job's session reads = 1 BatchGetItem
per 100; a page of an owner's sessions = 1 Query + 1 BatchGetItem (none for an empty page).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.domain.catalog import ProductStatus
from chalicelib.domain.live import LiveSession, NightTotals
from chalicelib.store import products as product_store
from chalicelib.store import shops as shop_store
from chalicelib.store.aggregates import PROCESSED_MARK_DAYS, ProcessedEventModel
from chalicelib.store.base import batch_get, batch_get_items, query_page, table_meta
from chalicelib.store.transactions import run_transaction

SESSION = "session"
NIGHT_PREFIX = "night#"
DUE_SHARDS = 4  # auto-end partitions: streams start together at a campaign's hour
SHOP_OWNER, CREATOR_OWNER = "shop", "creator"  # the kinds of `owner_key`


class ByDue(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_due"
        projection = KeysOnlyProjection()

    due_bucket = UnicodeAttribute(hash_key=True)
    due_at = NumberAttribute(range_key=True)


class ByOwner(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_owner"
        projection = KeysOnlyProjection()

    owner_key = UnicodeAttribute(hash_key=True)
    started_at = NumberAttribute(range_key=True)


class LiveSessionModel(Model):
    Meta = table_meta("live_sessions")

    live_id = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    # the session item
    title = UnicodeAttribute(null=True)
    owner_id = UnicodeAttribute(null=True)
    shop_id = UnicodeAttribute(null=True)
    creator_id = UnicodeAttribute(null=True)
    products = ListAttribute(of=UnicodeAttribute, null=True)
    started_at = NumberAttribute(null=True)
    ended_at = NumberAttribute(null=True)
    ended_by = UnicodeAttribute(null=True)
    last_paid_at = NumberAttribute(null=True)
    created_at = NumberAttribute(null=True)
    due_bucket = UnicodeAttribute(null=True)
    due_at = NumberAttribute(null=True)
    owner_key = UnicodeAttribute(null=True)  # by_owner's key: "shop#<id>" / "creator#<id>"
    # the session's stream figures, or a night row's
    gmv_fen = NumberAttribute(default=0)
    orders = NumberAttribute(default=0)
    # night rows only
    night = NumberAttribute(null=True)
    assisted_gmv_fen = NumberAttribute(null=True)
    updated_at = NumberAttribute(null=True)

    by_due = ByDue()
    by_owner = ByOwner()


class ShopAlreadyLive(Exception):
    """The shop is gone, not the caller's, or another of its sessions is running."""


class SessionChanged(Exception):
    """The session was not in the state the caller read (ended, or counted on) meanwhile."""


class AlreadyCounted(Exception):
    """The stream sale was counted before (a replayed event)."""


def due_bucket(live_id: str) -> str:
    return _bucket(zlib.crc32(live_id.encode()) % DUE_SHARDS)


def _bucket(shard: int) -> str:
    return f"end#{shard}"


def owner_key(kind: str, owner_id: str) -> str:
    """The `by_owner` partition of a shop's (SHOP_OWNER) or a creator's sessions."""
    return f"{kind}#{owner_id}"


def _session_owner_key(session: LiveSession) -> str:
    if session.shop_id is not None:
        return owner_key(SHOP_OWNER, session.shop_id)
    return owner_key(CREATOR_OWNER, session.creator_id)


# --- mapping -----------------------------------------------------------------------------------

def to_domain(model: LiveSessionModel) -> LiveSession:
    def number(value):
        return None if value is None else int(value)

    return LiveSession(
        live_id=model.live_id, title=model.title, owner_id=model.owner_id,
        products=list(model.products or ()), started_at=int(model.started_at),
        created_at=int(model.created_at), shop_id=model.shop_id, creator_id=model.creator_id,
        ended_at=number(model.ended_at), ended_by=model.ended_by,
        gmv_fen=int(model.gmv_fen or 0), orders=int(model.orders or 0),
        last_paid_at=number(model.last_paid_at))


def _session_model(session: LiveSession) -> LiveSessionModel:
    return LiveSessionModel(
        session.live_id, SESSION, title=session.title, owner_id=session.owner_id,
        shop_id=session.shop_id, creator_id=session.creator_id, products=session.products,
        started_at=session.started_at, created_at=session.created_at, gmv_fen=0, orders=0,
        due_bucket=due_bucket(session.live_id), due_at=session.auto_end_at,
        owner_key=_session_owner_key(session))


def session_key(live_id: str) -> tuple[str, dict]:
    """(table, raw key) of a session, for a caller's shared BatchGetItem."""
    return LiveSessionModel.Meta.table_name, {"live_id": {"S": live_id},
                                              "item": {"S": SESSION}}


def from_raw(raw_item: dict) -> LiveSession:
    return to_domain(LiveSessionModel.from_raw_data(raw_item))


# --- what a new session or video refers to ---------------------------------------------------

@dataclass(frozen=True)
class References:
    """As read: product id → on shelf?, shop id → owner, and the session asked for (None: not
    asked for, or not found)."""

    products: dict[str, bool]
    shop_owners: dict[str, str]
    session: LiveSession | None = None


def references(product_ids, shop_ids, live_id: str | None = None) -> References:
    """One BatchGetItem (≤ 100 keys: 50 products + 1 shop, or 10 anchors + 11 shops + 1
    session) projecting only what the checks need, so a product item of 50 SKUs costs what its
    status does."""
    products_table = product_store.ProductModel.Meta.table_name
    shops_table = shop_store.ShopModel.Meta.table_name
    request = {}
    if product_ids:
        request[products_table] = {
            "Keys": [product_store.key(pid) for pid in sorted(set(product_ids))],
            "ProjectionExpression": "product_id, #status",
            "ExpressionAttributeNames": {"#status": "status"}}
    if shop_ids:
        request[shops_table] = {"Keys": [shop_store.key(sid) for sid in sorted(set(shop_ids))],
                                "ProjectionExpression": "shop_id, owner_id"}
    if live_id:
        table, key = session_key(live_id)
        request[table] = {"Keys": [key], "ConsistentRead": True}
    found = batch_get_items(request) if request else {}
    sessions = found.get(LiveSessionModel.Meta.table_name, [])
    return References(
        products={item["product_id"]["S"]: item["status"]["S"] == ProductStatus.ON_SHELF.value
                  for item in found.get(products_table, [])},
        shop_owners={item["shop_id"]["S"]: item["owner_id"]["S"]
                     for item in found.get(shops_table, [])},
        session=from_raw(sessions[0]) if sessions else None)


# --- sessions ----------------------------------------------------------------------------------

def create_session(session: LiveSession) -> None:
    """Write a new session; a shop's session also sets the shop's live flag in the same
    transaction. Raises ShopAlreadyLive when the shop's write is refused."""
    def build(tx) -> None:
        tx.save(_session_model(session), condition=LiveSessionModel.live_id.does_not_exist())
        if session.shop_id is not None:
            shop_store.go_live_in(tx, session.shop_id, session.owner_id, session.live_id)

    def refused(reasons) -> None:
        raise ShopAlreadyLive()

    run_transaction(build, on_condition_failed=refused)


def get_session(live_id: str) -> LiveSession | None:
    try:
        return to_domain(LiveSessionModel.get(live_id, SESSION, consistent_read=True))
    except LiveSessionModel.DoesNotExist:
        return None


def batch_get_sessions(live_ids, consistent: bool = False) -> dict[str, LiveSession]:
    """Sessions by id (unknown ids left out): one BatchGetItem per 100."""
    tables = frozenset({LiveSessionModel.Meta.table_name} if consistent else ())
    found = batch_get([session_key(live_id) for live_id in sorted(set(live_ids))], tables)
    return {item["live_id"]["S"]: from_raw(item) for item in found.values()}


def owner_sessions(kind: str, owner_id: str, limit: int,
                   start_key: dict | None) -> tuple[list[LiveSession], dict | None]:
    """One page of a shop's or a creator's sessions, newest start first, and the key of the
    next page: 1 Query of the keys-only `by_owner` index + 1 consistent BatchGetItem of the
    page's sessions (none when the page is empty)."""
    models, next_key = query_page(LiveSessionModel.by_owner, owner_key(kind, owner_id), limit,
                                  start_key)
    found = batch_get_sessions([model.live_id for model in models], consistent=True)
    return [found[model.live_id] for model in models if model.live_id in found], next_key


def end_session(session: LiveSession, ended_at: int, ended_by: str) -> None:
    """Set the end of a running session and clear its shop's live flag, in one transaction.
    Conditioned on the session still running and on no counted stream sale after `ended_at`;
    raises SessionChanged otherwise (the caller reads it again)."""
    model = LiveSessionModel
    not_after_sales = model.last_paid_at.does_not_exist() | (model.last_paid_at <= ended_at)

    def build(tx) -> None:
        tx.update(model(session.live_id, SESSION),
                  actions=[model.ended_at.set(ended_at), model.ended_by.set(ended_by),
                           model.due_bucket.remove(), model.due_at.remove()],
                  condition=model.started_at.exists() & model.ended_at.does_not_exist()
                  & not_after_sales)
        if session.shop_id is not None:
            shop_store.end_live_in(tx, session.shop_id, session.live_id)

    def changed(reasons) -> None:
        raise SessionChanged()

    run_transaction(build, on_condition_failed=changed)


def due_live_ids(shard: int, now: int, limit: int) -> list[str]:
    """Running sessions of one due shard whose automatic end has passed (sparse index)."""
    results = LiveSessionModel.by_due.query(_bucket(shard), LiveSessionModel.due_at <= now,
                                            limit=limit, page_size=limit)
    return [model.live_id for model in results]


def count_stream_sale(mark_key: str, session: LiveSession, gmv_fen: int, paid_at: int,
                      now_ms: int) -> None:
    """ADD one order's GMV to the session's stream counters and write its processed mark, in
    one transaction. Guarded by what the caller read: the session still takes `paid_at` (not
    ended before it) and, when `paid_at` moves last_paid_at forward, last_paid_at is still the
    value read. Raises AlreadyCounted (the mark was there) or SessionChanged."""
    model = LiveSessionModel
    actions = [model.gmv_fen.add(gmv_fen), model.orders.add(1)]
    condition = (model.started_at <= paid_at) & (
        model.ended_at.does_not_exist() | (model.ended_at >= paid_at))
    if session.last_paid_at is None or paid_at > session.last_paid_at:
        actions.append(model.last_paid_at.set(paid_at))
        condition &= (model.last_paid_at.does_not_exist() if session.last_paid_at is None
                      else model.last_paid_at == session.last_paid_at)

    def build(tx) -> None:
        tx.save(ProcessedEventModel(mark_key,
                                    expires_at=now_ms // 1000 + PROCESSED_MARK_DAYS * 86400),
                condition=ProcessedEventModel.event_id.does_not_exist())
        tx.update(model(session.live_id, SESSION), actions=actions, condition=condition)

    def failed(reasons) -> None:
        mark = reasons[0] if reasons else None
        if mark is not None and mark.code == "ConditionalCheckFailed":
            raise AlreadyCounted()
        raise SessionChanged()

    run_transaction(build, on_condition_failed=failed)


# --- night rows (the post-stream job) ----------------------------------------------------------

def night_item(day: str) -> str:
    return f"{NIGHT_PREFIX}{day}"


def put_night_rows(day: str, rows: dict[str, tuple[int, NightTotals]], now_ms: int) -> None:
    """Overwrite the night rows of `day` (live_id → (night, totals)): batch writes of 25."""
    with LiveSessionModel.batch_write() as batch:
        for live_id, (night, totals) in sorted(rows.items()):
            batch.save(LiveSessionModel(
                live_id, night_item(day), night=night, gmv_fen=totals.gmv_fen,
                orders=totals.orders, assisted_gmv_fen=totals.assisted_gmv_fen,
                updated_at=now_ms))


def session_with_nights(live_id: str) -> tuple[LiveSession | None, dict[str, dict]]:
    """The session and its night rows by day: one Query of its partition (≤ 16 items)."""
    session, nights = None, {}
    for model in LiveSessionModel.query(live_id, consistent_read=True):
        if model.item == SESSION:
            session = to_domain(model)
        elif model.item.startswith(NIGHT_PREFIX):
            nights[model.item.removeprefix(NIGHT_PREFIX)] = {
                "gmv_fen": int(model.gmv_fen or 0), "orders": int(model.orders or 0),
                "assisted_gmv_fen": int(model.assisted_gmv_fen or 0)}
    return session, nights

