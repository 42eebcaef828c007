"""Paging a ranked list under the shop-window rule, with live products: what the mall and the
recommendations share.

A list (a mall feed, the popular list, one shopper's candidates) is read in its stored order. A
page takes the items the cursor deferred plus the next few, reads them all live in ONE
BatchGetItem (products and their shops: anything hidden, sold out or of a closed shop drops out
here, even while a rebuilt list is still on its way), and lays them out under the rule from the
shops of the last 9 items shown. The cursor then carries the position read up to, the items
still deferred and those 9 shops, so the next page goes on as one long list would and no item is
shown twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from chalicelib.domain.catalog import Product, Shop
from chalicelib.domain.shop_window import MEMORY, arrange
from chalicelib.store import catalog as catalog_store

SPARE = 20  # read this many more than the page, so dropped or deferred items leave no hole
MAX_KEYS = 100  # one BatchGetItem: products and shops together
MAX_DEFERRED = 30  # a cursor carries at most this many held-back items


@dataclass(frozen=True)
class Slot:
    product_id: str
    shop_id: str
    reason: str | None = None


@dataclass
class PageState:
    position: int = 0
    deferred: list[Slot] = field(default_factory=list)
    recent_shops: list[str] = field(default_factory=list)

    def to_cursor(self, **extra) -> dict:
        return {"p": self.position, "r": self.recent_shops,
                "d": [[s.product_id, s.shop_id, s.reason] for s in self.deferred], **extra}

    @classmethod
    def from_cursor(cls, state: dict | None) -> PageState:
        if not state:
            return cls()
        return cls(int(state["p"]), [Slot(*entry) for entry in state["d"]],
                   list(state["r"]))


@dataclass
class Page:
    cards: list[tuple[Product, Shop, Slot]]
    state: PageState | None  # None: the list is done


def read_size(limit: int) -> int:
    """How many new items a page asks its list for."""
    return limit + SPARE


def next_page(new_slots: Sequence[Slot], state: PageState, limit: int,
              exhausted: bool) -> Page:
    """One page from the cursor's deferred items and `new_slots` (the list's next items from
    `state.position`; `exhausted`: they reach the list's end). One BatchGetItem."""
    slots = _within_one_read(state.deferred, new_slots)
    exhausted = exhausted and len(slots) == len(new_slots)
    found = _live(state.deferred + slots)
    available = [index for index, slot in enumerate(slots) if found(slot)]
    arrangement = arrange(
        (slots[index] for index in available), lambda slot: slot.shop_id,
        deferred=[slot for slot in state.deferred if found(slot)],
        recent_shops=state.recent_shops, limit=limit, exhausted=exhausted)
    read_up_to = (len(slots) if arrangement.consumed == len(available)
                  else available[arrangement.consumed])
    cards = [(*found(slot), slot) for slot in arrangement.placed]
    done = exhausted and read_up_to == len(slots) and not arrangement.deferred
    if done:
        return Page(cards, None)
    return Page(cards, PageState(state.position + read_up_to,
                                 arrangement.deferred[:MAX_DEFERRED],
                                 arrangement.recent_shops[-MEMORY:]))


def _within_one_read(deferred: Sequence[Slot], new_slots: Sequence[Slot]) -> list[Slot]:
    """The longest prefix of `new_slots` whose products and shops, with the deferred items',
    fit one BatchGetItem."""
    keys = {("p", s.product_id) for s in deferred} | {("s", s.shop_id) for s in deferred}
    taken = []
    for slot in new_slots:
        wanted = keys | {("p", slot.product_id), ("s", slot.shop_id)}
        if len(wanted) > MAX_KEYS:
            break
        keys = wanted
        taken.append(slot)
    return taken


def _live(slots: Sequence[Slot]):
    """Read the slots' products and shops in one BatchGetItem; returns slot → (product, shop)
    when the product may be shown now (listed, in stock, its shop there), else None."""
    if not slots:
        return lambda slot: None
    found = catalog_store.batch_get(shop_ids={s.shop_id for s in slots},
                                    product_ids={s.product_id for s in slots})

    def lookup(slot: Slot):
        product = found["products"].get(slot.product_id)
        shop = found["shops"].get(slot.shop_id)
        if product is None or shop is None or product.shop_id != slot.shop_id:
            return None
        if not product.listed_on_shelves or product.total_stock <= 0:
            return None
        return product, shop

    return lookup
