"""One process of the Chuanliu concurrency test, run against the moto server over HTTP.

    python -m tests.integration.chuanliu_worker race SHOP BUYERS THREADS

Hands BUYERS buyers' first orders with SHOP (each brought by the creator c-<SHOP>, 300 yuan,
so 15 credits due at the default λ) to the paid-order handler from THREADS threads at once,
every order twice (a redelivered stream record racing its first delivery), then prints what
the tables hold as JSON: the month's pool, the creator's balance and entries, the group. The
pool cap comes from SHELF_CHUANLIU_POOL_CAP in the environment, as in a deployed stage.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor

from chalicelib.domain import chuanliu as rules
from chalicelib.domain.clock import now_ms
from chalicelib.domain.events import Event, EventType
from chalicelib.domain.orders import (
    Attribution,
    Channel,
    Order,
    OrderLine,
    OrderStatus,
    Scene,
    Source,
)
from chalicelib.services.chuanliu import handle_paid_order
from chalicelib.store import chuanliu as store
from chalicelib.store.base import batch_get, key_id


def _order(shop_id: str, buyer_id: str, creator_id: str, at: int) -> Order:
    line = OrderLine(line=0, title="明前龙井", quantity=1, unit_price_fen=30_000,
                     product_id=f"{shop_id}.p1",
                     attribution=Attribution(Channel.DISTRIBUTION, creator_id=creator_id))
    return Order(order_id=f"o-{shop_id}-{buyer_id}", checkout_id="c", buyer_id=buyer_id,
                 shop_id=shop_id, shop_name="并发品牌", merchant_id="m", status=OrderStatus.PAID,
                 lines=[line], source=Source(Scene.DISTRIBUTION, creator_id=creator_id),
                 created_at=at, updated_at=at, total_fen=30_000, paid_at=at)


def race(shop_id: str, buyers: str, threads: str) -> None:
    at, creator = now_ms(), f"c-{shop_id}"
    orders = [_order(shop_id, f"b{n}", creator, at) for n in range(int(buyers))]
    deliveries = [(Event(f"e-{o.order_id}", EventType.ORDER_PAID, at, shop_id, o.order_id,
                         o.buyer_id), o) for o in orders] * 2
    with ThreadPoolExecutor(max_workers=int(threads)) as pool:
        list(pool.map(lambda delivery: handle_paid_order(*delivery), deliveries))
    entries, _ = store.list_entries(creator, 1000, None)
    stats, pool_key = store.stats_key(shop_id), store.pool_key(shop_id, rules.pool_month(at))
    found = batch_get([stats, pool_key])
    balance = store.get_balance(creator)
    print(json.dumps({
        "pool_issued": store.issued_from(found.get(key_id(pool_key))),
        "balance": balance.balance, "issued": balance.issued,
        "entries": len(entries), "entry_credits": sum(e.credits for e in entries),
        "paid_in_part": sum(1 for e in entries if 0 < e.credits < e.due),
        "group_size": store.stats_from(found.get(key_id(stats))).group_size,
        "credits_issued": store.stats_from(found.get(key_id(stats))).credits_issued,
    }))


COMMANDS = {"race": race}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
