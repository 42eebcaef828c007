"""The recommendation scene (猜你喜欢): one shopper's candidates, else the popular list; and a
product's "买了又买" list.

A shopper's page costs 2 round trips: one BatchGetItem of their candidate list, their
preferences and (unless the container has it) the popular list's head, then the page's live
products and shops. The candidate list is built by the feeds job (chalicelib/jobs/recommend.py);
a shopper who turned personalisation off (PUT /me/preferences), an anonymous caller, or a
shopper without a list yet gets the popular list, each item with reason `popular`.
"""

from __future__ import annotations

from chalicelib.domain.catalog import Product, Shop
from chalicelib.errors import NotFound
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.services import mall
from chalicelib.services.feed_pages import Page, PageState, Slot, next_page, read_size
from chalicelib.store import catalog as catalog_store
from chalicelib.store import feeds as feed_store
from chalicelib.store import follows as follow_store
from chalicelib.store import purchases as purchase_store
from chalicelib.store.base import batch_get, key_id

POPULAR = "popular"


def recommendations(shopper_id: str | None, limit: int,
                    cursor: str | None) -> tuple[Page, str | None, bool]:
    """(page, next cursor, whether the list is the shopper's own)."""
    if shopper_id is None:
        return (*mall.feed_page(feed_store.POPULAR_FEED, limit, cursor, reason=POPULAR), False)
    candidates, head = _shopper_reads(shopper_id)
    scope = f"recommendations:{shopper_id}"
    if not candidates:
        return (*mall.feed_page(feed_store.POPULAR_FEED, limit, cursor,
                                scope=f"{scope}:popular", reason=POPULAR, head=head), False)
    saved = decode_cursor(f"{scope}:personal", cursor)
    state = PageState.from_cursor(saved)
    slots = [Slot(c.product_id, c.shop_id, c.reason.value) for c in candidates]
    new = slots[state.position:state.position + read_size(limit)]
    page = next_page(new, state, limit,
                     exhausted=state.position + len(new) >= len(slots))
    next_cursor = (encode_cursor(f"{scope}:personal", page.state.to_cursor())
                   if page.state else None)
    return page, next_cursor, True


def _shopper_reads(shopper_id: str):
    """The shopper's candidates (empty when personalisation is off) and, unless the container
    holds a fresh one, the popular list's head: one BatchGetItem."""
    preferences = follow_store.preferences_key(shopper_id)
    candidates = purchase_store.candidates_key(shopper_id)
    wanted = [preferences, candidates]
    cached = mall.has_fresh_head(feed_store.POPULAR_FEED)
    if not cached:
        wanted.append(feed_store.head_request(feed_store.POPULAR_FEED))
    # consistent on the preferences: a switch turned off must hold from the very next request
    found = batch_get(wanted, consistent=frozenset({preferences[0]}))
    head = None
    if not cached:
        head = feed_store.head_from(found.get(key_id(wanted[2])))
        mall.remember_head(feed_store.POPULAR_FEED, head)
    if not follow_store.personalized_from(found.get(key_id(preferences))):
        return [], head
    return purchase_store.candidates_from(found.get(key_id(candidates))), head


def similar(product_id: str, limit: int) -> list[tuple[Product, Shop, Slot]]:
    """The co-purchase neighbours of a product (reason `co_purchase`), live, filled from its
    category's mall feed (reason `same_category`) when it has fewer: a new or rarely bought
    product. 404 for an unknown or hidden product."""
    product = catalog_store.batch_get(product_ids=[product_id])["products"].get(product_id)
    if product is None or not product.visible_to_shoppers:
        raise NotFound("product not found", code="product_not_found")
    neighbours = [Slot(pid, sid, "co_purchase")
                  for pid, sid, _ in purchase_store.similar(product_id) if pid != product_id]
    cards = next_page(neighbours[:read_size(limit)], PageState(), limit, exhausted=True).cards
    if len(cards) < limit:
        shown = {card[0].product_id for card in cards} | {product_id}
        fill = [Slot(entry.product_id, entry.shop_id, "same_category")
                for entry in _category_entries(product.category)
                if entry.product_id not in shown]
        recent = [card[1].shop_id for card in cards]
        cards += next_page(fill[:read_size(limit)], PageState(recent_shops=recent),
                           limit - len(cards), exhausted=True).cards
    return cards


def _category_entries(category: str):
    head = mall.cached_head(feed_store.category_feed(category))
    return head.entries if head else []
