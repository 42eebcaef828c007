"""Follow edges (a shopper follows a shop) and the shopper's personalisation switch."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# China's rules on algorithmic recommendation require an off switch; it starts on.
DEFAULT_PERSONALIZED = True


@dataclass(frozen=True)
class Follow:
    shopper_id: str
    shop_id: str
    followed_at: int  # epoch ms


def distinct_edges(edges: Iterable[tuple[str, str, int]]) -> list[Follow]:
    """One edge per (shopper, shop), the latest follow winning: a bulk load writes each key
    once (a batch write refuses duplicate keys) and counts each follower once."""
    latest: dict[tuple[str, str], int] = {}
    for shopper_id, shop_id, followed_at in edges:
        pair = (shopper_id, shop_id)
        latest[pair] = max(followed_at, latest.get(pair, followed_at))
    return [Follow(shopper, shop, at) for (shopper, shop), at in latest.items()]


def follower_counts(edges: Iterable[Follow]) -> Counter[str]:
    return Counter(edge.shop_id for edge in edges)
