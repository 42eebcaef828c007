"""The mall scene: a platform-wide feed per category (and one of all categories), and paging any
stored feed, which the non-personal recommendations read too.

Cost per page (docs/data-model.md, M1–M3): a first page is the feed's head, which carries the
first entries (one GetItem, or none while the container's copy is under HEAD_TTL_SECONDS old),
and one BatchGetItem of the page's products and shops. A later page is one Query of the feed
version its cursor names (none when the cached head still holds those positions) and that
BatchGetItem: at most 2 round trips.
"""

from __future__ import annotations

import time

from chalicelib.errors import Conflict
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.services.feed_pages import Page, PageState, Slot, next_page, read_size
from chalicelib.store import feeds as feed_store
from chalicelib.store.feeds import FeedHead

HEAD_TTL_SECONDS = 60

_heads: dict[str, tuple[FeedHead | None, float]] = {}


def feed_for(category: str | None) -> str:
    return feed_store.category_feed(category) if category else feed_store.ALL_CATEGORIES_FEED


def cached_head(feed: str) -> FeedHead | None:
    """The feed's head, read at most once per HEAD_TTL_SECONDS per container."""
    head, read_at = _heads.get(feed, (None, float("-inf")))
    if time.monotonic() - read_at > HEAD_TTL_SECONDS:
        head = feed_store.read_head(feed)
        remember_head(feed, head)
    return head


def remember_head(feed: str, head: FeedHead | None) -> None:
    _heads[feed] = (head, time.monotonic())


def has_fresh_head(feed: str) -> bool:
    return time.monotonic() - _heads.get(feed, (None, float("-inf")))[1] <= HEAD_TTL_SECONDS


def categories() -> list[dict]:
    return [{"category": category, "count": count}
            for category, count in feed_store.read_categories()]


def feed_page(feed: str, limit: int, cursor: str | None, *, scope: str | None = None,
              reason: str | None = None,
              head: FeedHead | None = None) -> tuple[Page, str | None]:
    """One page of a stored feed: (page, next cursor). `head`: one the caller already read."""
    scope = scope or f"feed:{feed}"
    saved = decode_cursor(scope, cursor)
    if saved is None:
        head = head or cached_head(feed)
        if head is None:
            return Page([], None), None
        version, length = head.version, head.length
    else:
        version, length = int(saved["v"]), int(saved["n"])
    state = PageState.from_cursor(saved)
    count = min(read_size(limit), length - state.position)
    entries = _entries(feed, version, state.position, count, head)
    if not entries and state.position < length:
        raise Conflict("the feed was rebuilt since this cursor; start from the first page",
                       code="cursor_expired")
    slots = [Slot(entry.product_id, entry.shop_id, reason) for entry in entries]
    page = next_page(slots, state, limit,
                     exhausted=state.position + len(entries) >= length)
    next_cursor = (encode_cursor(scope, page.state.to_cursor(v=version, n=length))
                   if page.state else None)
    return page, next_cursor


def _entries(feed: str, version: int, start: int, count: int, head: FeedHead | None):
    """The entries at [start, start + count) of a version: from a head that holds them (the
    caller's, or the cached one), else one Query."""
    if count <= 0:
        return []
    if head is None and has_fresh_head(feed):
        head = _heads[feed][0]
    if head is not None and head.version == version and (
            start + count <= len(head.entries) or len(head.entries) >= head.length):
        return head.entries[start:start + count]
    return feed_store.read_entries(feed, version, start, count)
