"""Distribution (达人分销) on moto: opening products to creators, the pool, and the commission
ledger an order's life posts through the events stream (pay, cancel, refunds, completion,
settlement by the job with the clock moved, clawback), replays, and who may read a ledger."""

from __future__ import annotations

import pytest

from chalicelib.domain.clock import to_iso
from chalicelib.domain.commissions import commission_fen
from chalicelib.domain.orders import AUTO_COMPLETE_AFTER_MS
from chalicelib.jobs import settlement
from chalicelib.services import commissions as ledger_service
from chalicelib.settings import get_settings
from chalicelib.store.commissions import CommissionModel
from chalicelib.store.events import EventModel
from chalicelib.store.events import to_domain as event_of
from chalicelib.store.orders import get_order
from chalicelib.store.products import ProductModel
from local.pumps import drain_job_queue
from tests.api.test_after_sales import act, open_case
from tests.api.test_orders import signed
from tests.api.test_reviews import deliver, pay, ship
from tests.support import bearer, dynamodb_calls, product_body, pump_stream, sku

DAY_MS = 86_400_000
RATE = 1234  # 12.34 %
AC_PRICE, MOP_PRICE = 259900, 199900


def merchant(sub="m1"):
    return bearer("merchant", sub)


def creator(sub="c1"):
    return bearer("creator", sub)


def shopper(sub="u1"):
    return bearer("shopper", sub)


@pytest.fixture
def shelf(api, frozen_clock):
    shop = api.create_shop()
    ac = api.create_product(shop["shop_id"], product_body(
        skus=[sku(AC_PRICE, 50, 匹数="1.5匹"), sku(329900, 50, 匹数="2匹")]))
    mop = api.create_product(shop["shop_id"], product_body(
        title="洗地机 X1", category="洗地机", skus=[sku(MOP_PRICE, 50)]))
    return {"shop_id": shop["shop_id"], "ac": ac["product_id"], "mop": mop["product_id"],
            "ac_sku": f"{ac['product_id']}.0", "mop_sku": f"{mop['product_id']}.0"}


def open_product(api, product_id, rate=RATE, who=None):
    return api.call("put", f"/products/{product_id}/distribution",
                    {"commission_rate_bps": rate}, who or merchant())


def place(api, items, key, creator_id="c1", buyer="u1"):
    body = {"items": items, "source": {"scene": "distribution", "creator_id": creator_id}}
    status, result = api.call("post", "/orders", body,
                              {**shopper(buyer), "Idempotency-Key": key})
    assert status == 201, result
    return result["orders"][0]["order_id"]


def deliver_now(api, order_id, clock):
    """Shipped, then delivered at the frozen clock's time."""
    ship(api, order_id)
    event = {"event_id": f"d-{order_id}", "order_id": order_id,
             "tracking_number": f"SF{order_id[-6:]}", "type": "delivered",
             "at": to_iso(clock["now"])}
    status, body = signed(api, "/carriers/events", event, get_settings().carrier_secret)
    assert (status, body["status"]) == (200, "delivered"), body


def tick(clock, ms=1000):
    """Events are ordered by their time-ordered ids: move the frozen clock between steps."""
    clock["now"] += ms


def ledger(api, creator_id="c1", who=None, query=""):
    status, body = api.call("get", f"/creators/{creator_id}/commissions{query}", None,
                            who or creator(creator_id))
    assert status == 200, body
    return body


def entries():
    return [item for item in CommissionModel.scan() if item.sk.startswith("entry#")]


def settle_all():
    """The scheduled body, then the jobs queue worked as Lambda would."""
    started = settlement.start_scheduled()
    assert started["started"], started
    drain_job_queue()
    return started


# --- opening products ----------------------------------------------------------------------

def test_a_merchant_opens_and_closes_its_product(api, shelf):
    with dynamodb_calls() as calls:
        status, body = open_product(api, shelf["ac"])
    assert (status, body) == (200, {"product_id": shelf["ac"], "open": True,
                                    "commission_rate_bps": RATE})
    assert calls == {"BatchGetItem": 1, "UpdateItem": 1}  # ownership read + one write
    stored = ProductModel.get(shelf["ac"])
    assert (int(stored.commission_rate_bps), stored.distribution_pool) == (RATE, "open")
    assert stored.pool_rank == f"{10000 - RATE:05d}#{shelf['ac']}"
    assert open_product(api, shelf["ac"]) == (200, body)  # again: the same answer
    assert int(ProductModel.get(shelf["ac"]).skus[0].stock) == 50  # stock untouched
    closed = {"product_id": shelf["ac"], "open": False, "commission_rate_bps": None}
    for _ in range(2):  # closing is idempotent
        assert api.call("delete", f"/products/{shelf['ac']}/distribution", None,
                        merchant()) == (200, closed)
    stored = ProductModel.get(shelf["ac"])
    assert (stored.commission_rate_bps, stored.distribution_pool, stored.pool_rank) == (
        None, None, None)


@pytest.mark.parametrize("rate", [0, 5001, -1, "x", "1000", 12.5, True, None])
def test_a_rate_outside_1_to_5000_is_422(api, shelf, rate):
    status, error = open_product(api, shelf["ac"], rate)
    assert (status, error["error"]["code"]) == (422, "validation_error")
    assert error["error"]["details"][0]["field"] == "commission_rate_bps"
    assert ProductModel.get(shelf["ac"]).commission_rate_bps is None


def test_only_the_products_merchant_opens_it(api, shelf):
    assert open_product(api, shelf["ac"], who=merchant("m2"))[0] == 403
    assert api.call("delete", f"/products/{shelf['ac']}/distribution", None,
                    merchant("m2"))[0] == 403
    assert open_product(api, shelf["ac"], who=creator())[0] == 403
    assert open_product(api, f"{shelf['shop_id']}.p0000000000nosuchprod")[0] == 404
    assert open_product(api, "nope")[0] == 404
    status, _ = api.call("put", f"/products/{shelf['ac']}/distribution",
                         {"commission_rate_bps": 100, "extra": 1}, merchant())
    assert status == 422
    assert ProductModel.get(shelf["ac"]).commission_rate_bps is None


# --- the pool --------------------------------------------------------------------------------

def test_the_pool_lists_open_on_shelf_products_by_rate_and_category(api, shelf):
    shop_id = shelf["shop_id"]
    extra = [api.create_product(shop_id, product_body(title=f"空调 {n}", skus=[
        sku(100000 + n, 5), sku(200000 + n, 5, 匹数="2匹")]))["product_id"] for n in range(4)]
    draft = api.create_product(shop_id, product_body(title="草稿", status="draft"))
    rates = {shelf["ac"]: 800, extra[0]: 3000, extra[1]: 1500, extra[2]: 1500,
             extra[3]: 200, shelf["mop"]: 2000, draft["product_id"]: 4000}
    for product_id, rate in rates.items():
        assert open_product(api, product_id, rate)[0] == 200
    # off shelf after opening: it stays in the index and is dropped by the live read
    assert api.call("patch", f"/products/{extra[3]}", {"status": "off_shelf"},
                    merchant())[0] == 200

    with dynamodb_calls() as calls:
        status, page = api.call("get", "/distribution/products?category=空调", None,
                                creator())
    assert status == 200, page
    assert calls == {"Query": 1, "BatchGetItem": 1}
    assert [(c["product_id"], c["commission_rate_bps"]) for c in page["items"]] == [
        (extra[0], 3000), *sorted([(extra[1], 1500), (extra[2], 1500)]), (shelf["ac"], 800)]
    assert page["next_cursor"] is None
    first = page["items"][0]
    assert first == {"product_id": extra[0], "shop_id": shop_id, "title": "空调 0",
                     "category": "空调", "cover_image": "https://img.example.com/ac.jpg",
                     "min_price_fen": 100000, "max_price_fen": 200000,
                     "commission_rate_bps": 3000}

    # every category, two at a time, for ops too
    seen, cursor = [], None
    for _ in range(5):
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        status, page = api.call("get", f"/distribution/products{query}", None,
                                bearer("ops", "ops1"))
        assert status == 200, page
        assert len(page["items"]) <= 2
        seen += [card["product_id"] for card in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen[:2] == [extra[0], shelf["mop"]]
    assert sorted(seen) == sorted(set(rates) - {extra[3], draft["product_id"]})

    assert api.call("delete", f"/products/{extra[0]}/distribution", None, merchant())[0] == 200
    _, page = api.call("get", "/distribution/products?category=洗地机", None, creator())
    assert [card["product_id"] for card in page["items"]] == [shelf["mop"]]
    _, page = api.call("get", "/distribution/products?category=空调&limit=1", None, creator())
    assert [card["product_id"] for card in page["items"]] == [min(extra[1], extra[2])]


def test_the_pool_is_for_creators_and_ops(api, shelf):
    assert api.call("get", "/distribution/products", None, shopper())[0] == 403
    assert api.call("get", "/distribution/products", None, merchant())[0] == 403
    assert api.call("get", "/distribution/products")[0] == 401
    for query in ("?limit=0", "?limit=51", "?sort=x", "?cursor=forged.sig"):
        status, _ = api.call("get", f"/distribution/products{query}", None, creator())
        assert status in (400, 422), query


# --- the ledger, event by event ------------------------------------------------------------------

def test_a_paid_distribution_order_accrues_and_its_cancel_voids(api, shelf, frozen_clock):
    open_product(api, shelf["ac"])
    order_id = place(api, [{"sku_id": shelf["ac_sku"], "quantity": 2}], "dist-key-01")
    tick(frozen_clock)
    pay(api, order_id, shopper())
    assert get_order(order_id).lines[0].commission_rate_bps == RATE  # stamped at checkout
    pump_stream()
    expected = commission_fen(RATE, 2 * AC_PRICE)
    assert expected == 2 * AC_PRICE * RATE // 10000
    body = ledger(api)
    assert body["totals"] == {"pending": expected, "settled": 0, "void": 0, "clawback": 0}
    (item,) = body["items"]
    assert item == {"entry_id": f"{order_id}.0.accrual", "order_id": order_id, "line": 0,
                    "state": "pending", "amount_fen": expected,
                    "at": item["at"]}
    shop = api.call("get", f"/shops/{shelf['shop_id']}/commissions", None, merchant())[1]
    assert (shop["totals"], shop["items"]) == (body["totals"], body["items"])

    tick(frozen_clock)
    assert api.call("post", f"/orders/{order_id}/cancel", {}, shopper())[0] == 200
    pump_stream()
    body = ledger(api)
    assert body["totals"] == {"pending": 0, "settled": 0, "void": expected, "clawback": 0}
    assert [(i["state"], i["amount_fen"]) for i in body["items"]] == [("void", expected)]
    assert ledger(api, query="?state=pending")["items"] == []
    assert [i["entry_id"] for i in ledger(api, query="?state=void")["items"]] == [
        item["entry_id"]]


def test_an_orders_life_pending_settled_and_clawed_back(api, shelf, frozen_clock, queue,
                                                        monkeypatch):
    monkeypatch.delenv("SHELF_SETTLEMENT_DAYS", raising=False)  # the default: 15 days
    open_product(api, shelf["ac"])
    open_product(api, shelf["mop"], 500)
    order_id = place(api, [{"sku_id": shelf["ac_sku"], "quantity": 1},
                           {"sku_id": shelf["mop_sku"], "quantity": 1}], "dist-key-02")
    tick(frozen_clock)
    pay(api, order_id, shopper())
    tick(frozen_clock)
    deliver(api, order_id)  # ships, then the carrier says delivered
    tick(frozen_clock)
    status, case = open_case(api, order_id, line=1, amount_fen=50001, shopper=shopper())
    assert status == 201, case
    assert act(api, case["case_id"], "approve", who=merchant())[0] == 200
    tick(frozen_clock)
    assert api.call("post", f"/orders/{order_id}/confirm", None, shopper())[0] == 200
    pump_stream()
    ac_fen, mop_fen = commission_fen(RATE, AC_PRICE), commission_fen(500, MOP_PRICE)
    mop_after = commission_fen(500, MOP_PRICE, 50001)
    body = ledger(api)
    assert body["totals"] == {"pending": ac_fen + mop_after, "settled": 0, "void": 0,
                              "clawback": 0}
    assert sorted((i["line"], i["amount_fen"], i["state"]) for i in body["items"]) == [
        (0, ac_fen, "pending"), (1, mop_after - mop_fen, "pending"), (1, mop_fen, "pending")]

    # the settlement period has not passed: the job settles nothing
    frozen_clock["now"] += 15 * DAY_MS - 10_000
    settle_all()
    assert ledger(api)["totals"]["settled"] == 0
    frozen_clock["now"] += 60_000  # now it has
    settle_all()
    body = ledger(api)
    assert body["totals"] == {"pending": 0, "settled": ac_fen + mop_after, "void": 0,
                              "clawback": 0}
    assert {i["state"] for i in body["items"]} == {"settled"}
    assert CommissionModel.get(f"order#{order_id}", "head").due_at is None  # left the index

    # a refund after settlement: a clawback, the settled entries stay as they were
    tick(frozen_clock)
    status, case = open_case(api, order_id, line=0, amount_fen=AC_PRICE, shopper=shopper())
    assert status == 201, case
    assert act(api, case["case_id"], "approve", who=merchant())[0] == 200
    pump_stream()
    body = ledger(api)
    assert body["totals"] == {"pending": 0, "settled": ac_fen + mop_after, "void": 0,
                              "clawback": -ac_fen}
    newest = body["items"][0]
    assert (newest["entry_id"], newest["state"], newest["amount_fen"]) == (
        f"{order_id}.0.refund.{case['case_id']}", "clawback", -ac_fen)
    assert [i["amount_fen"] for i in ledger(api, query="?state=clawback")["items"]] == [
        -ac_fen]
    shop = api.call("get", f"/shops/{shelf['shop_id']}/commissions?state=settled", None,
                    merchant())[1]
    assert shop["totals"] == body["totals"] and len(shop["items"]) == 3

    # the same stream again, twice: nothing is added or moved
    before = sorted((e.entry_id, e.state, int(e.amount_fen)) for e in entries())
    items = CommissionModel.count()
    pump_stream()
    pump_stream()
    assert sorted((e.entry_id, e.state, int(e.amount_fen)) for e in entries()) == before
    assert CommissionModel.count() == items
    assert ledger(api)["totals"] == body["totals"]


def test_one_settlement_run_after_a_long_skip_settles_everything_due(api, shelf, frozen_clock,
                                                                     queue):
    open_product(api, shelf["ac"])
    orders = []
    for n in range(3):
        order_id = place(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], f"skip-key-{n}")
        tick(frozen_clock)
        pay(api, order_id, shopper())
        deliver_now(api, order_id, frozen_clock)
        tick(frozen_clock)
        orders.append(order_id)
    pump_stream()
    # the orders complete themselves 7 days after delivery; 30 days later, one run settles all
    frozen_clock["now"] += AUTO_COMPLETE_AFTER_MS + 1000
    from chalicelib.jobs.orders import complete_delivered_orders

    assert complete_delivered_orders() == {"completed": 3}
    pump_stream()
    frozen_clock["now"] += 30 * DAY_MS
    settle_all()
    totals = ledger(api)["totals"]
    assert totals == {"pending": 0, "settled": 3 * commission_fen(RATE, AC_PRICE), "void": 0,
                      "clawback": 0}
    assert settlement.start_scheduled()["started"] is False  # the same minute: one run


def test_the_settlement_period_is_configurable(api, shelf, frozen_clock, queue, monkeypatch):
    monkeypatch.setenv("SHELF_SETTLEMENT_DAYS", "3")
    open_product(api, shelf["ac"])
    order_id = place(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "period-key")
    tick(frozen_clock)
    pay(api, order_id, shopper())
    deliver(api, order_id)
    assert api.call("post", f"/orders/{order_id}/confirm", None, shopper())[0] == 200
    pump_stream()
    completed_at = get_order(order_id).completed_at
    head = CommissionModel.get(f"order#{order_id}", "head")
    assert int(head.due_at) == completed_at + 3 * DAY_MS
    frozen_clock["now"] = completed_at + 3 * DAY_MS
    settle_all()
    assert ledger(api)["totals"]["settled"] == commission_fen(RATE, AC_PRICE)


def test_self_purchases_closed_products_and_unpaid_orders_earn_nothing(api, shelf,
                                                                       frozen_clock):
    open_product(api, shelf["ac"])
    own = place(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "self-buy-key", buyer="c1")
    tick(frozen_clock)
    pay(api, own, shopper("c1"))
    unopened = place(api, [{"sku_id": shelf["mop_sku"], "quantity": 1}], "mop-only-key")
    tick(frozen_clock)
    pay(api, unopened, shopper())
    unpaid = place(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "unpaid-key")
    tick(frozen_clock)
    assert api.call("post", f"/orders/{unpaid}/cancel", {}, shopper())[0] == 200
    pump_stream()
    assert CommissionModel.count() == 0
    assert ledger(api)["totals"] == {"pending": 0, "settled": 0, "void": 0, "clawback": 0}


def test_dynamodb_calls_per_ledger_event(api, shelf, frozen_clock):
    """Handlers called as the consumer calls them, with the order it read once."""
    open_product(api, shelf["ac"])
    order_id = place(api, [{"sku_id": shelf["ac_sku"], "quantity": 3}], "calls-key")
    tick(frozen_clock)
    pay(api, order_id, shopper())
    (paid,) = [event_of(e) for e in EventModel.scan()
               if e.type == "order_paid" and e.order_id == order_id]
    order = get_order(order_id)
    with dynamodb_calls() as calls:
        assert ledger_service.on_paid(paid, order) == 1
    assert calls == {"TransactWriteItems": 1}
    with dynamodb_calls() as calls:  # replayed: the refused write, then the Query shows why
        assert ledger_service.on_paid(paid, order) == 0
    assert calls == {"TransactWriteItems": 1, "Query": 1}
    tick(frozen_clock)
    assert api.call("post", f"/orders/{order_id}/cancel", {}, shopper())[0] == 200
    (cancelled,) = [event_of(e) for e in EventModel.scan()
                    if e.type == "order_cancelled" and e.order_id == order_id]
    order = get_order(order_id)
    with dynamodb_calls() as calls:
        assert ledger_service.on_money_moved(cancelled, order) == 1
    assert calls == {"Query": 1, "TransactWriteItems": 1}
    with dynamodb_calls() as calls:  # replayed: the Query, no write
        assert ledger_service.on_money_moved(cancelled, order) == 0
    assert calls == {"Query": 1}
    with dynamodb_calls() as calls:
        ledger(api)
    assert calls == {"BatchGetItem": 1, "Query": 1}


# --- who may read a ledger ---------------------------------------------------------------------

def test_someone_elses_ledger_is_refused(api, shelf):
    assert api.call("get", "/creators/c1/commissions", None, creator("c2"))[0] == 403
    assert api.call("get", "/creators/c1/commissions", None, shopper("c1"))[0] == 403
    assert api.call("get", "/creators/c1/commissions", None, merchant())[0] == 403
    assert api.call("get", "/creators/c1/commissions")[0] == 401
    assert ledger(api, who=bearer("ops", "ops1"))["items"] == []
    shop_path = f"/shops/{shelf['shop_id']}/commissions"
    assert api.call("get", shop_path, None, merchant("m2"))[0] == 403
    assert api.call("get", shop_path, None, creator())[0] == 403
    assert api.call("get", shop_path, None, merchant())[0] == 200
    assert api.call("get", shop_path, None, bearer("ops", "ops1"))[0] == 200
    assert api.call("get", "/shops/s0000000000nosuchshop/commissions", None,
                    merchant())[0] == 404
    status, error = api.call("get", "/creators/c1/commissions?state=paid", None, creator())
    assert (status, error["error"]["details"][0]["field"]) == (422, "state")


def test_ledger_pages_newest_first(api, shelf, frozen_clock):
    open_product(api, shelf["ac"], 100)
    for n in range(5):
        order_id = place(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], f"page-key-{n}")
        tick(frozen_clock)
        pay(api, order_id, shopper())
        tick(frozen_clock)
    pump_stream()
    for query in ("?limit=2", "?state=pending&limit=2"):
        seen, cursor, cursors = [], None, []
        while True:
            page = ledger(api, query=query + (f"&cursor={cursor}" if cursor else ""))
            seen += [item["entry_id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            cursors.append(cursor)
        assert len(seen) == len(set(seen)) == 5, query
        ats = [CommissionModel.get(f"order#{entry_id.split('.')[0]}",
                                   "entry#000#accrual#").at for entry_id in seen]
        assert ats == sorted(ats, reverse=True)
    other = api.call("get", f"/creators/c1/commissions?state=void&cursor={cursors[0]}", None,
                     creator())
    assert other[0] == 400  # a cursor is bound to its list
