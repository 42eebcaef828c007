"""Following shops, the shopper's follows list, the personalisation switch, and the consumer
handler that keeps each shop's follower_count true.

A follow costs one BatchGetItem (the shop exists? the edge already there?) and one transaction
(edge + shop_followed event); it never writes the shop item, so a shop that thousands follow
during a live stream takes no write contention from its followers. The events consumer then
moves follower_count by ±1 per event (with a processed mark), serially per stream shard.
"""

from __future__ import annotations

from chalicelib.auth import Principal, Role, require_role
from chalicelib.domain import clock
from chalicelib.domain import events as domain_events
from chalicelib.domain.events import Event
from chalicelib.domain.follows import Follow
from chalicelib.errors import NotFound
from chalicelib.observability import logger
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.store import catalog as catalog_store
from chalicelib.store import follows as follow_store


def follow(principal: Principal, shop_id: str) -> Follow | None:
    """Follow a shop; following again changes nothing and answers the existing edge."""
    require_role(principal, Role.SHOPPER)
    edge = _existing_edge(principal.user_id, shop_id)
    if edge is not None:
        return edge
    at = clock.now_ms()
    edge = Follow(principal.user_id, shop_id, at)
    if follow_store.add_edge(edge, domain_events.follow_changed(shop_id, edge.shopper_id,
                                                               True, at)):
        return edge
    return follow_store.get_edge(principal.user_id, shop_id)  # a concurrent follow won


def unfollow(principal: Principal, shop_id: str) -> None:
    """Unfollow a shop; unfollowing when not following changes nothing."""
    require_role(principal, Role.SHOPPER)
    if _existing_edge(principal.user_id, shop_id) is None:
        return
    event = domain_events.follow_changed(shop_id, principal.user_id, False, clock.now_ms())
    follow_store.remove_edge(principal.user_id, shop_id, event)  # False: already gone


def _existing_edge(shopper_id: str, shop_id: str) -> Follow | None:
    shop_exists, edge = follow_store.shop_and_edge(shopper_id, shop_id)
    if not shop_exists:
        raise NotFound("shop not found", code="shop_not_found")
    return edge


def my_follows(principal: Principal, limit: int, cursor: str | None):
    """A page of the shopper's follows, newest first, with each shop's name and logo: one
    Query of the index and one BatchGetItem of the shops."""
    require_role(principal, Role.SHOPPER)
    scope = f"my-follows:{principal.user_id}"
    edges, next_key = follow_store.list_follows(principal.user_id, limit,
                                                decode_cursor(scope, cursor))
    shops = catalog_store.batch_get(shop_ids=[edge.shop_id for edge in edges])["shops"] if (
        edges) else {}
    return [(edge, shops.get(edge.shop_id)) for edge in edges], encode_cursor(scope, next_key)


def get_personalized(principal: Principal) -> bool:
    require_role(principal, Role.SHOPPER)
    return follow_store.get_personalized(principal.user_id)


def set_personalized(principal: Principal, personalized: bool) -> bool:
    require_role(principal, Role.SHOPPER)
    follow_store.set_personalized(principal.user_id, personalized, clock.now_ms())
    return personalized


def count_follow(event: Event) -> bool:
    """Events-consumer handler for shop_followed / shop_unfollowed: move the shop's
    follower_count by ±1; False when the event had been counted before (a replay) or its shop
    is gone. The mark key is namespaced, so no other handler's mark for the same event id can
    be mistaken for this one."""
    try:
        follow_store.count_follower(f"followers#{event.event_id}", event.shop_id,
                                    domain_events.follower_delta(event), clock.now_ms())
    except follow_store.NotCounted as why:
        logger.info("follow event not counted",
                    extra={"event_id": event.event_id, "reason": str(why)})
        return False
    return True
