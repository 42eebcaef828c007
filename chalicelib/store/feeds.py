"""The mall_feeds table: ranked feeds as read models, versioned and swapped atomically.

A feed ("mall#<category>", "mall#*" for all categories, "popular" for the non-personal
recommendations) is a list of at most MAX_ITEMS entries in final order (the shop-window rule
already applied). Items of version v live in partition "<feed>#v<v>", one item per position; the
head item (partition "<feed>", position 0) names the current version and carries the first
HEAD_ENTRIES entries, so a first page is one GetItem (or none, from the container's cache) and
a later page one Query from the cursor's position. A rebuild writes version v+1, then swaps the
head in one conditional PutItem, then deletes the version before v: a cursor handed out on v
keeps working until the rebuild after next. Versions are numbered by build time.

Two more items: "categories" (the mall's category list with counts, written by the rebuild) and
"registry" (every category a product was ever listed in: the rebuild's shards).
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.store.base import apply_update, table_meta

MAX_ITEMS = 1000
HEAD_ENTRIES = 100
HEAD_POSITION = 0
ALL_CATEGORIES_FEED = "mall#*"
POPULAR_FEED = "popular"


@dataclass(frozen=True)
class FeedEntry:
    product_id: str
    shop_id: str
    score: float


@dataclass(frozen=True)
class FeedHead:
    feed: str
    version: int
    length: int
    count: int  # listed products the feed was chosen from (a category's size)
    built_at: int
    entries: list[FeedEntry]  # the first HEAD_ENTRIES
    previous: int | None = None  # the version before, kept for cursors handed out on it


class EntryMap(MapAttribute):
    p = UnicodeAttribute()  # product id
    s = UnicodeAttribute()  # shop id
    v = NumberAttribute()  # score


class CategoryCountMap(MapAttribute):
    category = UnicodeAttribute()
    count = NumberAttribute()


class FeedModel(Model):
    Meta = table_meta("mall_feeds")

    feed = UnicodeAttribute(hash_key=True)
    position = NumberAttribute(range_key=True)
    # an entry (partition "<feed>#v<version>")
    product_id = UnicodeAttribute(null=True)
    shop_id = UnicodeAttribute(null=True)
    score = NumberAttribute(null=True)
    # the head (partition "<feed>")
    version = NumberAttribute(null=True)
    previous = NumberAttribute(null=True)
    length = NumberAttribute(null=True)
    count = NumberAttribute(null=True)
    built_at = NumberAttribute(null=True)
    entries = ListAttribute(of=EntryMap, null=True)
    # "categories" and "registry"
    categories = ListAttribute(of=CategoryCountMap, null=True)
    names = UnicodeSetAttribute(null=True)


def category_feed(category: str) -> str:
    return f"mall#{category}"


def _version_partition(feed: str, version: int) -> str:
    return f"{feed}#v{version}"


# --- reads --------------------------------------------------------------------------------------

def head_request(feed: str) -> tuple[str, dict]:
    """The head's table and key, for a caller's shared BatchGetItem."""
    return FeedModel.Meta.table_name, {"feed": {"S": feed},
                                       "position": {"N": str(HEAD_POSITION)}}


def head_from(raw_item: dict | None) -> FeedHead | None:
    if not raw_item:
        return None
    return _head(FeedModel.from_raw_data(raw_item))


def read_head(feed: str) -> FeedHead | None:
    """One GetItem."""
    try:
        return _head(FeedModel.get(feed, HEAD_POSITION))
    except FeedModel.DoesNotExist:
        return None


def _head(model: FeedModel) -> FeedHead:
    return FeedHead(
        feed=model.feed, version=int(model.version), length=int(model.length),
        count=int(model.count or 0), built_at=int(model.built_at),
        entries=[FeedEntry(e.p, e.s, float(e.v)) for e in model.entries or []],
        previous=None if model.previous is None else int(model.previous))


def read_entries(feed: str, version: int, start: int, limit: int) -> list[FeedEntry]:
    """Entries at positions start, start+1, … of one version: one Query."""
    results = FeedModel.query(_version_partition(feed, version), FeedModel.position >= start,
                              limit=limit, page_size=limit)
    return [FeedEntry(m.product_id, m.shop_id, float(m.score)) for m in results]


def top_entries(feed: str, n: int) -> list[FeedEntry]:
    """The first `n` entries of the current version (jobs: the popular fill of candidate
    lists): the head, and a Query when more than it holds are asked for."""
    head = read_head(feed)
    if head is None:
        return []
    if n <= len(head.entries) or head.length <= len(head.entries):
        return head.entries[:n]
    return read_entries(feed, head.version, 0, min(n, head.length))


def read_categories() -> list[tuple[str, int]]:
    """The mall's categories with their counts: one GetItem."""
    try:
        model = FeedModel.get("categories", HEAD_POSITION)
    except FeedModel.DoesNotExist:
        return []
    return [(c.category, int(c.count)) for c in model.categories or []]


def registered_categories() -> list[str]:
    try:
        model = FeedModel.get("registry", HEAD_POSITION, consistent_read=True)
    except FeedModel.DoesNotExist:
        return []
    return sorted(model.names or [])


# --- writes (the feed rebuild, and the catalogue consumer's registry) ---------------------------

def register_categories(categories: set[str]) -> None:
    """ADD categories to the registry (a string set: registering one twice is harmless)."""
    if categories:
        apply_update(FeedModel("registry", HEAD_POSITION), [FeedModel.names.add(categories)])


def write_version(feed: str, version: int, entries: list[FeedEntry]) -> None:
    """Every entry of a new version, with batch writes (25 per call)."""
    partition = _version_partition(feed, version)
    with FeedModel.batch_write() as batch:
        for position, entry in enumerate(entries):
            batch.save(FeedModel(partition, position, product_id=entry.product_id,
                                 shop_id=entry.shop_id, score=entry.score))


def swap_head(feed: str, current: FeedHead | None, version: int, entries: list[FeedEntry],
              count: int, built_at: int) -> bool:
    """Point the feed at `version` in one conditional PutItem, if nobody swapped it since the
    rebuild read `current` (None: the feed had no head); False when someone did."""
    model = FeedModel(feed, HEAD_POSITION, version=version, length=len(entries), count=count,
                      built_at=built_at, previous=current.version if current else None,
                      entries=[EntryMap(p=e.product_id, s=e.shop_id, v=e.score)
                               for e in entries[:HEAD_ENTRIES]])
    condition = (FeedModel.feed.does_not_exist() if current is None
                 else FeedModel.version == current.version)
    try:
        model.save(condition=condition)
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def delete_version(feed: str, version: int) -> int:
    """Delete every entry of an old version; returns how many."""
    deleted = 0
    if version < 1:
        return deleted
    with FeedModel.batch_write() as batch:
        for model in FeedModel.query(_version_partition(feed, version),
                                     attributes_to_get=["feed", "position"]):
            batch.delete(model)
            deleted += 1
    return deleted


def write_categories(counts: list[tuple[str, int]], built_at: int) -> None:
    FeedModel("categories", HEAD_POSITION, built_at=built_at,
              categories=[CategoryCountMap(category=c, count=n) for c, n in counts]).save()
