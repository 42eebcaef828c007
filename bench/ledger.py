"""`python -m bench.ledger`: what the commission ledger costs per order event, on moto.

One distribution order of 3 lines (three products open to distribution at different rates,
one creator) lives through its events — paid, a partial refund, completed, settled by the job,
refunded after settlement (a clawback) — plus a replay and another order's cancel. Each event
is handed to the ledger's handler as the events consumer hands it (with the order it read
once, not counted here), and the table shows per event:

- DynamoDB calls, counted at botocore by bench.counter (one per round trip);
- write units, estimated from the items as they were before and after each write (read aside,
  not counted as calls): a transactional write is 2 WCU per KB of the larger image, a plain
  one 1; each index row written is 1 WCU per KB of what it projects (2 rows when its key moved:
  the old row is deleted). A refused transaction writes nothing and is shown with 0.

Figures, not a test: nothing is timed and nothing fails.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from bench import env
from bench.counter import Calls, dynamodb_calls

RATES = (1234, 500, 2000)  # bps of the three products
DAY_MS = 86_400_000
_WRITES = frozenset({"TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem"})


# --- write units -------------------------------------------------------------------------------

@dataclass
class WriteUnits:
    table: float = 0.0  # the items themselves
    indexes: float = 0.0  # the GSI rows they moved
    by_table: Counter = field(default_factory=Counter)

    @property
    def total(self) -> float:
        return self.table + self.indexes


def item_size(item: dict | None) -> int:
    """DynamoDB's item size in bytes: attribute names plus values (numbers ~ digits / 2)."""
    if not item:
        return 0
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict) -> int:
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(inner.strip("-").replace(".", "")) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in inner.items())
    if kind in ("SS", "NS", "BS"):
        return sum(len(str(v)) for v in inner)
    return 0


def _kb(size: int) -> int:
    return math.ceil(size / 1024) if size else 0


def _schemas() -> dict[str, dict]:
    """Per table name: its key attribute names and its GSIs (keys, projection)."""
    from chalicelib.store.tables import MODELS, table_definition

    found = {}
    for base_name, model in MODELS.items():
        definition = table_definition(base_name)
        found[model.Meta.table_name] = {
            "keys": [k["AttributeName"] for k in definition["KeySchema"]],
            "indexes": [([k["AttributeName"] for k in index["KeySchema"]],
                         index["Projection"]["ProjectionType"])
                        for index in definition.get("GlobalSecondaryIndexes", [])]}
    return found


def _targets(operation: str, params: dict, schemas: dict) -> list[tuple[str, dict, int]]:
    """(table, key, factor) of every item the write touches; factor 2 in a transaction."""
    if operation == "TransactWriteItems":
        found = []
        for action in params["TransactItems"]:
            (kind, body), = action.items()
            if kind == "ConditionCheck":
                continue
            table = body["TableName"]
            key = body.get("Key") or {k: body["Item"][k] for k in schemas[table]["keys"]}
            found.append((table, key, 2))
        return found
    table = params["TableName"]
    key = params.get("Key") or {k: params["Item"][k] for k in schemas[table]["keys"]}
    return [(table, key, 1)]


def _index_units(before: dict | None, after: dict | None, keys: list[str],
                 projection: str) -> int:
    def key_of(item):
        if not item or any(name not in item for name in keys):
            return None
        return tuple(json.dumps(item[name], sort_keys=True) for name in keys)

    def projected(item):
        return item_size(item) if projection == "ALL" else item_size(
            {name: item[name] for name in keys})

    old, new = key_of(before), key_of(after)
    if old is None and new is None:
        return 0
    if old is None:
        return _kb(projected(after))
    if new is None:
        return 1
    if old != new:
        return 1 + _kb(projected(after))
    return _kb(projected(after)) if projection == "ALL" and before != after else 0


@contextlib.contextmanager
def write_units():
    """Estimate the write units of every DynamoDB write made inside; enter it *outside*
    bench.counter.dynamodb_calls, so the reads it makes to see the items are not counted."""
    from unittest import mock

    from botocore.client import BaseClient

    units, schemas = WriteUnits(), _schemas()
    original = BaseClient._make_api_call

    def read(client, table, key):
        response = original(client, "GetItem", {"TableName": table, "Key": key,
                                                "ConsistentRead": True})
        return response.get("Item")

    def metered(client, operation, params):
        if client.meta.service_model.service_name != "dynamodb" or operation not in _WRITES:
            return original(client, operation, params)
        targets = _targets(operation, params, schemas)
        before = [read(client, table, key) for table, key, _ in targets]
        response = original(client, operation, params)  # a refused write raises: 0 units
        for (table, key, factor), old in zip(targets, before, strict=True):
            new = read(client, table, key)
            written = factor * max(_kb(max(item_size(old), item_size(new))), 1)
            indexed = sum(_index_units(old, new, keys, projection)
                          for keys, projection in schemas[table]["indexes"])
            units.table += written
            units.indexes += indexed
            units.by_table[table.rsplit("-", 1)[-1]] += written + indexed
        return response

    with mock.patch.object(BaseClient, "_make_api_call", metered):
        yield units


# --- the order's life ----------------------------------------------------------------------------

@dataclass
class Row:
    event: str
    posted: int  # entries put or moved
    calls: Calls
    units: WriteUnits

    def as_dict(self) -> dict:
        return {"event": self.event, "entries": self.posted, "calls": self.calls.total,
                "by_operation": dict(sorted(self.calls.by_operation.items())),
                "write_units": self.units.total, "table_wcu": self.units.table,
                "index_wcu": self.units.indexes}


class _World:
    """The app in-process on moto, a clock the bench moves, and API helpers."""

    def __init__(self, client):
        from chalicelib.domain import clock

        self.client = client
        self.moment = {"now": int(time.time() * 1000)}
        clock.source = lambda: self.moment["now"]

    def headers(self, role: str, sub: str) -> dict:
        from chalicelib.auth import issue_token

        return {"Authorization": f"Bearer {issue_token(sub, role)}",
                "Content-Type": "application/json"}

    def call(self, method, path, body=None, headers=None, raw=None, expect=200):
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        response = getattr(self.client.http, method)(path, headers=headers or {}, body=data)
        payload = json.loads(response.body) if response.body else None
        if response.status_code != expect:
            raise RuntimeError(f"{method.upper()} {path}: HTTP {response.status_code} {payload}")
        return payload

    def tick(self, ms: int = 1000) -> None:
        self.moment["now"] += ms


def measure() -> dict:
    """Run one order's life on moto and measure each ledger event."""
    env.apply()
    from chalice.test import Client
    from moto import mock_aws

    from local.moto_server import apply_patches

    apply_patches()
    with mock_aws():
        from chalicelib.store.tables import create_missing_tables

        create_missing_tables(progress=lambda _: None)
        from app import app
        from chalicelib.domain import clock

        try:
            with _quiet_logs(), Client(app) as client:
                return _life(_World(client))
        finally:
            clock.source = None


def _life(world: _World) -> dict:
    from chalicelib.services import commissions as ledger
    from chalicelib.store import commissions as ledger_store

    shop_id, skus = _catalog(world)
    order_id = _paid_order(world, skus, "bench-ledger-1")
    paid = _event(order_id, "order_paid")
    rows = [_measured("paid (3 lines accrue)", ledger.on_paid, paid),
            _measured("paid again (a replay)", ledger.on_paid, paid)]
    _deliver(world, order_id)
    case_id = _refund(world, order_id, line=1, amount_fen=50_001)
    rows.append(_measured("partial refund (line 1)", ledger.on_money_moved,
                          _event(order_id, "after_sales_refunded", case_id)))
    world.tick()
    world.call("post", f"/orders/{order_id}/confirm", None, world.headers("shopper", "u1"))
    rows.append(_measured("completed (due in 15 days)", ledger.on_money_moved,
                          _event(order_id, "order_completed")))
    world.tick(15 * DAY_MS + 1000)
    now = world.moment["now"]

    def settle() -> int:
        from chalicelib.domain.orders import due_bucket

        shard = int(due_bucket("settlement", order_id).split("#")[1])
        due, _ = ledger_store.due_orders(shard, now, 50, None)  # the job's page, shared
        return sum(ledger.settle_order(due_id, now) for due_id, _ in due)

    rows.append(_measured("settled (job: due page + order)", settle, ()))
    case_id = _refund(world, order_id, line=0, amount_fen=100_000)
    moved = _event(order_id, "after_sales_refunded", case_id)
    rows.append(_measured("refund after settlement (clawback)", ledger.on_money_moved, moved))
    rows.append(_measured("the same refund replayed", ledger.on_money_moved, moved))
    other = _paid_order(world, skus, "bench-ledger-2")
    ledger.on_paid(*_event(other, "order_paid"))
    world.tick()
    world.call("post", f"/orders/{other}/cancel", {}, world.headers("shopper", "u1"))
    rows.append(_measured("another order cancelled (3 voids)", ledger.on_money_moved,
                          _event(other, "order_cancelled")))
    with dynamodb_calls() as calls:
        world.call("get", "/creators/c1/commissions", None, world.headers("creator", "c1"))
    return {"order_lines": len(RATES), "rates_bps": list(RATES), "shop_id": shop_id,
            "events": [row.as_dict() for row in rows],
            "ledger_page_calls": dict(sorted(calls.by_operation.items()))}


def _measured(name: str, work, args: tuple) -> Row:
    """`work(*args)` under both meters (the arguments are read before, outside them)."""
    with write_units() as units, dynamodb_calls() as calls:
        posted = work(*args)
    return Row(name, posted, calls, units)


def _event(order_id: str, event_type: str, case_id: str | None = None):
    """The stored event and the order, as the consumer hands them to a handler (read here,
    outside the counters)."""
    from chalicelib.store import orders as order_store
    from chalicelib.store.events import EventModel, to_domain

    events = [to_domain(model) for model in EventModel.scan()
              if model.type == event_type and model.order_id == order_id
              and (case_id is None or model.data["case_id"] == case_id)]
    return events[0], order_store.get_order(order_id)


def _catalog(world: _World) -> tuple[str, list[str]]:
    merchant = world.headers("merchant", "bench-m1")
    shop = world.call("post", "/shops", {"name": "分销样板店"}, merchant, expect=201)
    skus = []
    for n, (title, category, price) in enumerate((("变频空调 1.5匹", "空调", 259_900),
                                                  ("洗地机 X1", "洗地机", 199_900),
                                                  ("净水器 RO", "净水器", 149_900))):
        body = {"title": title, "description": "bench", "category": category,
                "images": ["https://img.example.com/b.jpg"], "attributes": {},
                "status": "on_shelf",
                "skus": [{"specs": {"款": "标准"}, "price_fen": price, "stock": 100}]}
        product = world.call("post", f"/shops/{shop['shop_id']}/products", body, merchant,
                             expect=201)
        world.call("put", f"/products/{product['product_id']}/distribution",
                   {"commission_rate_bps": RATES[n]}, merchant)
        skus.append(product["skus"][0]["sku_id"])
    return shop["shop_id"], skus


def _paid_order(world: _World, skus: list[str], key: str) -> str:
    shopper = world.headers("shopper", "u1")
    body = {"items": [{"sku_id": sku, "quantity": 1 + n % 2} for n, sku in enumerate(skus)],
            "source": {"scene": "distribution", "creator_id": "c1"}}
    result = world.call("post", "/orders", body, {**shopper, "Idempotency-Key": key},
                        expect=201)
    order_id = result["orders"][0]["order_id"]
    world.tick()
    intent = world.call("post", f"/orders/{order_id}/pay", None, shopper)
    simulator = intent["simulator"]
    world.call("post", "/payments/callback", raw=simulator["callback_body"],
               headers={"X-Signature": simulator["signature"]})
    world.tick()
    return order_id


def _deliver(world: _World, order_id: str) -> None:
    from chalicelib.domain.clock import to_iso
    from chalicelib.settings import get_settings
    from chalicelib.signatures import sign

    world.call("post", f"/orders/{order_id}/ship", {"carrier": "顺丰", "tracking_number": "SF1"},
               world.headers("merchant", "bench-m1"))
    world.tick()
    raw = json.dumps({"event_id": f"d-{order_id}", "order_id": order_id,
                      "tracking_number": "SF1", "type": "delivered",
                      "at": to_iso(world.moment["now"])})
    world.call("post", "/carriers/events", raw=raw,
               headers={"X-Signature": sign(get_settings().carrier_secret, raw.encode())})
    world.tick()


def _refund(world: _World, order_id: str, line: int, amount_fen: int) -> str:
    case = world.call("post", f"/orders/{order_id}/after-sales",
                      {"line": line, "type": "refund", "reason": "quality",
                       "amount_fen": amount_fen}, world.headers("shopper", "u1"), expect=201)
    world.call("post", f"/after-sales/{case['case_id']}/approve", None,
               world.headers("merchant", "bench-m1"))
    world.tick()
    return case["case_id"]


@contextlib.contextmanager
def _quiet_logs():
    """Request logs and the metrics Powertools prints go to a buffer, not the table."""
    from chalicelib.observability import logger

    previous = logger.registered_handler.setStream(io.StringIO())
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        logger.registered_handler.setStream(previous)


# --- the table ---------------------------------------------------------------------------------

def report(figures: dict) -> None:
    from bench.table import render

    print(f"\n== Commission ledger per order event (moto in-process; one distribution order "
          f"of {figures['order_lines']} lines at {', '.join(map(str, figures['rates_bps']))} "
          f"bps, one creator)")
    rows = [[e["event"], e["entries"], e["calls"],
             ", ".join(f"{op} {n}" for op, n in e["by_operation"].items()) or "none",
             _units(e["table_wcu"]), _units(e["index_wcu"]), _units(e["write_units"])]
            for e in figures["events"]]
    print(render(["order event", "entries", "calls", "by operation", "table WCU",
                  "index WCU", "WCU"], rows, right={1, 2, 4, 5, 6}))
    page = ", ".join(f"{op} {n}" for op, n in figures["ledger_page_calls"].items())
    print(f"  a creator's ledger page (totals + entries): {page}")
    print("  calls = DynamoDB API calls at botocore (the consumer's one GetItem of the order, "
          "shared by every\n  handler, is not in them); WCU estimated from the item images "
          "(transactional writes 2 per KB,\n  index rows 1 per KB, a moved index key 2 rows); "
          "a refused transaction shows 0.")


def _units(value: float) -> str:
    return f"{value:g}"


def main() -> int:
    report(measure())
    return 0


if __name__ == "__main__":
    sys.exit(main())
