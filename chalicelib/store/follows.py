"""The follows table: who follows which shop, and each shopper's settings, in one partition
per shopper.

- pk `shopper_id`, sk `target`: "shop#<shop_id>" is a follow edge (with `followed_at`, epoch
  ms); "preferences" is the shopper's settings item (`personalized`).
- LSI `by_followed_at` (shopper_id, followed_at), KEYS_ONLY: the shopper's follows newest
  first. Sparse: the preferences item has no followed_at, so it is never in the index. The keys
  it projects (target and followed_at) are all a follows page needs.

A shop's follower count is not kept here: it lives on the shop item (`shops.follower_count`),
moved by ±1 by the events consumer from the shop_followed / shop_unfollowed events the follow
write emits (see count_follower), so the storefront header reads it with the item it already
reads.
"""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import KeysOnlyProjection, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.domain.events import Event
from chalicelib.domain.follows import (
    DEFAULT_PERSONALIZED,
    Follow,
    distinct_edges,
    follower_counts,
)
from chalicelib.store import events as event_store
from chalicelib.store import shops as shop_store
from chalicelib.store.aggregates import PROCESSED_MARK_DAYS, ProcessedEventModel
from chalicelib.store.base import apply_update, batch_get_items, table_meta
from chalicelib.store.transactions import run_transaction

PREFERENCES = "preferences"
SHOP_PREFIX = "shop#"
# The recommendation job reads at most this many follows (the newest): one Query page, since a
# keys-only index entry is under 100 bytes and a page holds 1 MB.
FOLLOWED_CAP = 1000


class ByFollowedAt(LocalSecondaryIndex):
    class Meta:
        index_name = "by_followed_at"
        projection = KeysOnlyProjection()

    shopper_id = UnicodeAttribute(hash_key=True)
    followed_at = NumberAttribute(range_key=True)


class FollowModel(Model):
    Meta = table_meta("follows")

    shopper_id = UnicodeAttribute(hash_key=True)
    target = UnicodeAttribute(range_key=True)
    followed_at = NumberAttribute(null=True)  # edges only (keeps the index sparse)
    personalized = BooleanAttribute(null=True)  # the preferences item only
    updated_at = NumberAttribute(null=True)

    by_followed_at = ByFollowedAt()


class NotCounted(Exception):
    """The consumer added nothing: the event was counted before, or its shop does not exist."""

    def __init__(self, duplicate: bool):
        super().__init__("already counted" if duplicate else "unknown shop")
        self.duplicate = duplicate


def target_of(shop_id: str) -> str:
    return f"{SHOP_PREFIX}{shop_id}"


def _edge(model: FollowModel) -> Follow:
    return Follow(model.shopper_id, model.target.removeprefix(SHOP_PREFIX),
                  int(model.followed_at))


def edge_key(shopper_id: str, shop_id: str) -> dict:
    return {"shopper_id": {"S": shopper_id}, "target": {"S": target_of(shop_id)}}


# --- edges -------------------------------------------------------------------------------------

def shop_and_edge(shopper_id: str, shop_id: str) -> tuple[bool, Follow | None]:
    """Whether the shop exists, and the shopper's edge to it: one BatchGetItem. The edge is
    read consistently, so an unfollow right after a follow sees the edge it must delete."""
    follows_table, shops_table = FollowModel.Meta.table_name, shop_store.ShopModel.Meta.table_name
    found = batch_get_items({
        shops_table: {"Keys": [shop_store.key(shop_id)], "ProjectionExpression": "shop_id"},
        follows_table: {"Keys": [edge_key(shopper_id, shop_id)], "ConsistentRead": True},
    })
    edges = found.get(follows_table, [])
    edge = _edge(FollowModel.from_raw_data(edges[0])) if edges else None
    return bool(found.get(shops_table)), edge


def get_edge(shopper_id: str, shop_id: str) -> Follow | None:
    try:
        return _edge(FollowModel.get(shopper_id, target_of(shop_id), consistent_read=True))
    except FollowModel.DoesNotExist:
        return None


def add_edge(edge: Follow, event: Event) -> bool:
    """The edge and its shop_followed event in one transaction; False when the edge was already
    there (a concurrent follow won), and then nothing is written."""
    def build(tx) -> None:
        tx.save(FollowModel(edge.shopper_id, target_of(edge.shop_id),
                            followed_at=edge.followed_at),
                condition=FollowModel.target.does_not_exist())
        event_store.save_in(tx, event)

    return _run_guarded(build)


def remove_edge(shopper_id: str, shop_id: str, event: Event) -> bool:
    """Delete the edge and write its shop_unfollowed event in one transaction; False when
    there was no edge (a concurrent unfollow won), and then nothing is written."""
    def build(tx) -> None:
        tx.delete(FollowModel(shopper_id, target_of(shop_id)),
                  condition=FollowModel.target.exists())
        event_store.save_in(tx, event)

    return _run_guarded(build)


class _EdgeChanged(Exception):
    pass


def _run_guarded(build) -> bool:
    """Run an edge transaction; False when the edge was not in the state the caller read."""
    def failed(reasons) -> None:
        raise _EdgeChanged()

    try:
        run_transaction(build, on_condition_failed=failed)
    except _EdgeChanged:
        return False
    return True


def list_follows(shopper_id: str, limit: int,
                 start_key: dict | None) -> tuple[list[Follow], dict | None]:
    """One page of the shopper's follows, newest first: one Query of the keys-only LSI."""
    results = FollowModel.by_followed_at.query(
        shopper_id, scan_index_forward=False, limit=limit + 1, page_size=limit + 1,
        last_evaluated_key=start_key)
    models = list(results)
    page = [_edge(model) for model in models[:limit]]
    if len(models) <= limit:
        return page, None
    last = models[limit - 1]
    return page, {"shopper_id": {"S": shopper_id}, "target": {"S": last.target},
                  "followed_at": {"N": str(int(last.followed_at))}}


def followed_shop_ids(shopper_id: str, limit: int = FOLLOWED_CAP) -> list[str]:
    """The shops the shopper follows, newest follow first (at most `limit`): one Query."""
    results = FollowModel.by_followed_at.query(
        shopper_id, scan_index_forward=False, limit=limit, page_size=limit)
    return [model.target.removeprefix(SHOP_PREFIX) for model in results]


# --- the follower count (events consumer) ------------------------------------------------------

def count_follower(mark_key: str, shop_id: str, delta: int, now_ms: int) -> None:
    """ADD `delta` to the shop's follower_count and mark the event, in one transaction, so a
    replayed event adds nothing. Raises NotCounted when the mark was there or the shop is not.

    Unconditional ADDs commute: an unfollow delivered before its follow (they are on different
    stream shards) dips the stored count by one for a moment and the pair still nets 0; readers
    floor it at 0 (shops.to_domain)."""
    shop_model = shop_store.ShopModel

    def build(tx) -> None:
        tx.save(ProcessedEventModel(mark_key,
                                    expires_at=now_ms // 1000 + PROCESSED_MARK_DAYS * 86400),
                condition=ProcessedEventModel.event_id.does_not_exist())
        tx.update(shop_model(shop_id), actions=[shop_model.follower_count.add(delta)],
                  condition=shop_model.shop_id.exists())

    def failed(reasons) -> None:
        mark = reasons[0] if reasons else None
        raise NotCounted(duplicate=bool(mark and mark.code == "ConditionalCheckFailed"))

    run_transaction(build, on_condition_failed=failed)


# --- preferences -------------------------------------------------------------------------------

def preferences_key(shopper_id: str) -> tuple[str, dict]:
    """Table name and raw key of the shopper's settings, for a caller's shared BatchGetItem."""
    return FollowModel.Meta.table_name, {"shopper_id": {"S": shopper_id},
                                         "target": {"S": PREFERENCES}}


def personalized_from(raw_item: dict | None) -> bool:
    """The personalisation switch from a raw item of that BatchGetItem (None: never set)."""
    if not raw_item or "personalized" not in raw_item:
        return DEFAULT_PERSONALIZED
    return bool(raw_item["personalized"]["BOOL"])


def get_personalized(shopper_id: str) -> bool:
    try:
        model = FollowModel.get(shopper_id, PREFERENCES, consistent_read=True)
    except FollowModel.DoesNotExist:
        return DEFAULT_PERSONALIZED
    return DEFAULT_PERSONALIZED if model.personalized is None else bool(model.personalized)


def set_personalized(shopper_id: str, personalized: bool, now_ms: int) -> None:
    FollowModel(shopper_id, PREFERENCES, personalized=personalized, updated_at=now_ms).save()


# --- bulk load (demo data, bench) --------------------------------------------------------------

def load_follows(edges: Iterable[tuple[str, str, int]],
                 shop_ids: Iterable[str] = ()) -> int:
    """Bulk-load follow edges into an empty follows table (demo data and bench only) and set
    each shop's follower_count to its true number of edges: edges go in with batch writes and
    no events (the stream must not count them again), then one update per shop. Shops named in
    `shop_ids` with no edge get 0. Returns how many edges were written."""
    distinct = distinct_edges(edges)
    with FollowModel.batch_write() as batch:
        for edge in distinct:
            batch.save(FollowModel(edge.shopper_id, target_of(edge.shop_id),
                                   followed_at=edge.followed_at))
    counts = follower_counts(distinct)
    for shop_id in sorted(set(counts) | set(shop_ids)):
        _set_follower_count(shop_id, counts.get(shop_id, 0))
    return len(distinct)


def _set_follower_count(shop_id: str, count: int) -> None:
    from pynamodb.exceptions import UpdateError

    shop_model = shop_store.ShopModel
    try:
        apply_update(shop_model(shop_id), [shop_model.follower_count.set(count)],
                     shop_model.shop_id.exists())
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise ValueError(f"follows name an unknown shop {shop_id!r}") from error
        raise
