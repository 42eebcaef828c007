"""Response bodies for follows and preferences."""

from __future__ import annotations

from chalicelib.domain.catalog import Shop
from chalicelib.domain.clock import to_iso
from chalicelib.domain.follows import Follow


def follow_state(shop_id: str, edge: Follow | None) -> dict:
    """The answer to a follow or unfollow: the same body however often it is sent."""
    return {"shop_id": shop_id, "following": edge is not None,
            "followed_at": to_iso(edge.followed_at) if edge else None}


def follow_item(edge: Follow, shop: Shop | None) -> dict:
    return {"shop_id": edge.shop_id, "name": shop.name if shop else None,
            "logo_url": shop.logo_url if shop else None,
            "followed_at": to_iso(edge.followed_at)}


def preferences_view(personalized: bool) -> dict:
    return {"personalized": personalized}
