"""The shop-window rule of the mall and recommendations: at most 2 products of one shop in any 10
consecutive items, across page boundaries too.

An item that would break the rule is deferred, not dropped: it comes back as soon as it fits
again, ahead of lower-ranked items. Only when no other shop's item is left may it follow anyway
(the end of the list belongs to whoever still has stock). A page boundary carries the shops of
the last 9 items shown and the items still deferred, so the next page goes on exactly as one long
list would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

WINDOW = 10
PER_SHOP = 2
MEMORY = WINDOW - 1  # the shops a page boundary carries

Item = TypeVar("Item")


def fits(recent_shops: Sequence[str], shop_id: str, per_shop: int = PER_SHOP,
         window: int = WINDOW) -> bool:
    """True when one more item of `shop_id` keeps every `window` consecutive items at
    `per_shop` of that shop or fewer (`recent_shops`: the shops shown so far, oldest first)."""
    return list(recent_shops[-(window - 1):]).count(shop_id) < per_shop


@dataclass
class Arrangement(Generic[Item]):
    placed: list[Item] = field(default_factory=list)
    deferred: list[Item] = field(default_factory=list)  # still waiting, best first
    consumed: int = 0  # how many of the incoming items were looked at
    recent_shops: list[str] = field(default_factory=list)  # the last MEMORY shops shown


def arrange(incoming: Iterable[Item], shop_of: Callable[[Item], str], *,
            deferred: Sequence[Item] = (), recent_shops: Sequence[str] = (),
            limit: int | None = None, exhausted: bool = True) -> Arrangement[Item]:
    """Lay out ranked items under the rule, until `limit` are placed.

    `deferred` (items held back earlier, best first) go before any incoming item as soon as
    they fit. `exhausted` says whether `incoming` is the end of the list: only then may an item
    that does not fit follow because nothing else is left; otherwise it stays deferred for the
    next page, which will read more.
    """
    waiting = list(deferred)
    recent = list(recent_shops)[-MEMORY:]
    placed: list[Item] = []
    consumed = 0
    pending = iter(incoming)

    def place(item: Item) -> None:
        placed.append(item)
        recent.append(shop_of(item))
        del recent[:-MEMORY]

    def full() -> bool:
        return limit is not None and len(placed) >= limit

    while not full():
        ready = next((item for item in waiting if fits(recent, shop_of(item))), None)
        if ready is not None:
            waiting.remove(ready)
            place(ready)
            continue
        item = next(pending, None)
        if item is not None:
            consumed += 1
            if fits(recent, shop_of(item)):
                place(item)
            else:
                waiting.append(item)
        elif exhausted and waiting:
            place(waiting.pop(0))  # nothing else is left: the rule cannot be kept
        else:
            break
    return Arrangement(placed, waiting, consumed, recent)
