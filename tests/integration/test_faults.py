"""DynamoDB faults, survived: the service behind a proxy that throttles, answers 500 and drops
connections on 10 % and 30 % of DynamoDB calls, before a call reaches DynamoDB and after it
took effect (tests/integration/faults.py; what the retry budget and the tokens do:
docs/faults.md).

Clients are concurrent threads over HTTP against `chalice local`, retrying as a careful client
does (PatientClient). Every answer is checked (no traceback, the one error shape, 503 only as
`dynamodb_unavailable` with Retry-After); then the stored state is read straight from moto,
past the proxy. Consumers run in worker processes (fault_worker.py) whose DynamoDB calls go
through the proxy too, with Lambda's redeliveries. Each test prints what the proxy injected
(`pytest -s`). SHELF_FAULT_RATES picks the rates ("0.1" in CI, "0.1,0.3" by default).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from tests.integration.conftest import REPO, token
from tests.integration.faults import REPORTS, FaultStack, PatientClient, assert_well_formed

RATES = tuple(float(rate) for rate in os.environ.get("SHELF_FAULT_RATES", "0.1,0.3").split(","))
DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def faults():
    stack = FaultStack().start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(params=RATES, ids=lambda rate: f"{round(rate * 100)}pct")
def rate(request, faults):
    """The share of faulty DynamoDB calls for one test, seeded by it; 0 again afterwards."""
    failed_before = request.session.testsfailed
    faults.proxy.configure(request.param, seed=round(request.param * 1000))
    yield request.param
    faults.proxy.configure(0.0, seed=0)
    if request.session.testsfailed > failed_before:  # what the server said, for the failure
        print(f"chalice local's last lines:\n{faults.api_log()}")


def report(name: str, rate: float, injected: dict, client: PatientClient | None = None,
           **extra):
    """What one test injected and saw: printed (`pytest -s`) and kept for `make faults`' table."""
    summary = {"test": name, "rate": rate, **injected, **extra}
    if client is not None:
        summary["answers"] = dict(sorted(client.statuses().items()))
    REPORTS.append(summary)
    print(f"faults: {json.dumps(summary, sort_keys=True)}")


# --- reading the stored state past the proxy ---------------------------------------------------

def scan(faults: FaultStack, table: str) -> list[dict]:
    client = boto3.client("dynamodb", endpoint_url=faults.moto_url, region_name="us-east-1")
    pages = client.get_paginator("scan").paginate(TableName=FaultStack.PREFIX + table)
    return [item for page in pages for item in page["Items"]]


def text(item: dict, name: str) -> str | None:
    return item.get(name, {}).get("S")


def events_of(faults: FaultStack, kind: str) -> list[dict]:
    return [event for event in scan(faults, "events") if text(event, "type") == kind]


# --- the service's writes ---------------------------------------------------------------------

def new_shop(client: PatientClient, merchant: str) -> str:
    answer = client.send("post", "/shops", json={"name": "故障小店"},
                         headers=token("merchant", merchant))
    assert answer.status_code == 201, answer.text
    return answer.json()["shop_id"]


def new_product(client: PatientClient, merchant: str, shop_id: str, title: str,
                category: str, stocks: tuple[int, ...]) -> dict:
    body = {"title": title, "category": category, "status": "on_shelf",
            "skus": [{"specs": {"款": str(n)}, "price_fen": 19900 + n, "stock": stock}
                     for n, stock in enumerate(stocks)]}
    answer = client.send("post", f"/shops/{shop_id}/products", json=body,
                         headers=token("merchant", merchant))
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_catalog_writes_leave_no_product_without_its_cards(faults, rate):
    client = PatientClient(faults.api_url)
    merchant = f"faults-m-{uuid.uuid4().hex[:8]}"
    shop_id = new_shop(client, merchant)
    categories = ("茶叶", "茶具", "茶叶", "香道", "茶叶", "茶具")
    with ThreadPoolExecutor(max_workers=3) as pool:
        created = list(pool.map(
            lambda n: new_product(client, merchant, shop_id, f"故障测试 {n}", categories[n],
                                  (5, 3)), range(len(categories))))
    assert_well_formed(client.answers)

    products = [p for p in scan(faults, "products") if text(p, "shop_id") == shop_id]
    product_ids = {text(p, "product_id") for p in products}
    # a creation whose every answer was lost is created again by the merchant's retry (it has
    # no idempotency key): more products than answers, never fewer, each one whole
    assert {p["product_id"] for p in created} <= product_ids
    cards = [c for c in scan(faults, "shelf_cards") if text(c, "shop_id") == shop_id]
    carded = {text(c, "product_id") for c in cards}
    assert carded == product_ids  # no product without its cards, no card without its product
    changed = {pid["S"] for e in events_of(faults, "product_changed")
               for pid in e.get("product_ids", {}).get("L", [])}
    assert product_ids <= changed  # every product's event went with it
    (shop,) = [s for s in scan(faults, "shops") if text(s, "shop_id") == shop_id]
    tab_counts = {name: int(value["N"]) for name, value in shop["category_counts"]["M"].items()}
    assert tab_counts == dict(Counter(text(p, "category") for p in products))
    report("catalog_writes", rate, faults.proxy.summary(), client, products=len(products),
           answered=len(created))


def buy(client: PatientClient, buyer: str, sku_id: str):
    headers = {**token("shopper", buyer), "Idempotency-Key": f"fk-{uuid.uuid4().hex}"}
    body = {"items": [{"sku_id": sku_id, "quantity": 1}], "source": {"scene": "live"}}
    return client.send("post", "/orders", json=body, headers=headers)


def test_fifty_buyers_for_ten_units_end_with_ten_orders_and_no_stock(faults, rate):
    setup = PatientClient(faults.api_url)
    merchant = f"faults-m-{uuid.uuid4().hex[:8]}"
    shop_id = new_shop(setup, merchant)
    product = new_product(setup, merchant, shop_id, "限量 紫砂壶", "茶具", (10,))
    sku_id = f"{product['product_id']}.0"
    buyers = PatientClient(faults.api_url)
    # the first buyer, alone: its "in progress" record and its transaction take effect and
    # every answer to them is lost (all 4 attempts of each). The record is recognised by its
    # `put_by`; the transaction fails the request (503), and the buyer's retry finds the key's
    # claim and is answered with the order the first try placed.
    faults.proxy.rate = 0.0  # only the forced faults, for this one buyer
    faults.proxy.force("PutItem", *["drop_after"] * 4)
    faults.proxy.force("TransactWriteItems", *["error_500_after"] * 4)
    first = (f"fb-{shop_id}-0", buy(buyers, f"fb-{shop_id}-0", sku_id))
    assert [a.status_code for a in buyers.answers] == [503, 201]
    faults.proxy.rate = rate
    with ThreadPoolExecutor(max_workers=25) as pool:
        answers = [first, *pool.map(
            lambda n: (f"fb-{shop_id}-{n}", buy(buyers, f"fb-{shop_id}-{n}", sku_id)),
            range(1, 50))]
    assert_well_formed(setup.answers + buyers.answers)
    statuses = Counter(answer.status_code for _, answer in answers)
    assert statuses == {201: 10, 409: 40}, statuses
    assert {a.json()["error"]["code"] for _, a in answers if a.status_code == 409} == {
        "insufficient_stock"}
    answered = {a.json()["orders"][0]["order_id"]: buyer for buyer, a in answers
                if a.status_code == 201}

    orders = [o for o in scan(faults, "orders") if text(o, "shop_id") == shop_id]
    # exactly the orders the buyers were told of: one per key at most, none unanswered
    assert {text(o, "order_id"): text(o, "buyer_id") for o in orders} == answered
    placed = {text(e, "order_id") for e in events_of(faults, "order_placed")}
    assert set(answered) <= placed  # no order without its event
    (stored,) = [p for p in scan(faults, "products") if text(p, "product_id") ==
                 product["product_id"]]
    assert stored["skus"]["L"][0]["M"]["stock"]["N"] == "0"  # stock taken = orders placed

    payments = PatientClient(faults.api_url)
    with ThreadPoolExecutor(max_workers=5) as pool:
        paid = list(pool.map(lambda item: pay(payments, *item), answered.items()))
    assert paid == [200] * 10
    assert_well_formed(payments.answers)
    orders = [o for o in scan(faults, "orders") if text(o, "shop_id") == shop_id]
    assert {text(o, "status") for o in orders} == {"paid"}
    assert set(answered) <= {text(e, "order_id") for e in events_of(faults, "order_paid")}
    report("fifty_buyers", rate, faults.proxy.summary(), buyers,
           payments=dict(payments.statuses()))


def pay(client: PatientClient, order_id: str, buyer: str) -> int:
    intent = client.send("post", f"/orders/{order_id}/pay", headers=token("shopper", buyer))
    assert intent.status_code == 200, intent.text
    simulator = intent.json()["simulator"]
    callback = client.send("post", "/payments/callback", data=simulator["callback_body"],
                           headers={"X-Signature": simulator["signature"],
                                    "Content-Type": "application/json"})
    return callback.status_code


# --- consumers: the events stream and the jobs queue ----------------------------------------

def worker(faults: FaultStack, *args: str, direct: bool = False):
    """One fault_worker command; `direct`: its DynamoDB calls skip the proxy."""
    done = subprocess.run([sys.executable, "-m", "tests.integration.fault_worker", *args],
                          cwd=REPO, env=faults.env(direct=direct), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else None


AGGREGATE_TABLES = ("aggregates", "entities", "scene_stats", "purchases", "attribution_days",
                    "search_docs", "shops")


def aggregates(faults: FaultStack) -> dict[str, list]:
    return {table: sorted(json.dumps(item, sort_keys=True) for item in scan(faults, table))
            for table in AGGREGATE_TABLES}


def test_replayed_stream_batches_converge_to_the_same_aggregates(faults, rate):
    shop_id = f"s-faults-{round(rate * 100)}"
    worker(faults, "write-events", "30", shop_id, direct=True)
    # whatever the draws, one record's counting takes effect and every answer is lost: the
    # record fails, its batch comes again, and its processed mark keeps it from counting twice
    faults.proxy.force("TransactWriteItems", *["error_500_after"] * 4)
    faulty = worker(faults, "replay-stream", "3", shop_id)  # under faults, 3 deliveries at most
    assert faulty["failed_deliveries"] >= 1
    injected = faults.proxy.summary()
    faults.proxy.configure(0.0, seed=0)  # the outage is over: Lambda keeps redelivering
    assert worker(faults, "replay-stream", "1", shop_id)["left"] == 0  # every record, once more
    converged = aggregates(faults)
    assert worker(faults, "replay-stream", "1", shop_id)["left"] == 0  # and again: nothing changes
    assert aggregates(faults) == converged
    day = str((int(time.time() * 1000) - 10 * DAY_MS) // DAY_MS)
    counters = worker(faults, "counters", f"shop#{shop_id}", day, direct=True)
    assert counters["orders"] == 30  # each delivered order counted once, whatever the retries
    report("stream_replays", rate, injected, **faulty)


@pytest.fixture(scope="module")
def clean_scores(faults):
    """The score job's scores over 4 seeded shops (and their 4 products), run without faults:
    what every faulty run must converge to."""
    faults.proxy.configure(0.0, seed=0)
    worker(faults, "seed-history", "4", direct=True)
    day = str(int(time.time() * 1000) // DAY_MS - 1)
    assert worker(faults, "start-run", day, "1", direct=True)["started"] is True
    assert worker(faults, "drain", "5")["left"] == 0
    scores = worker(faults, "scores", direct=True)
    assert len({entity for entity, *_ in scores if "#s-it-" in entity}) == 8
    return day, scores


def test_replayed_job_chunks_converge_to_the_same_scores(faults, clean_scores, rate):
    day, clean = clean_scores
    assert worker(faults, "start-run", day, "1", direct=True)["started"] is True  # a new attempt
    # whatever the draws, a chunk fails: 8 dropped Queries over at most 2 calls at once leave
    # one of them without an answer in 4 attempts
    faults.proxy.force("Query", *["drop"] * 8)
    with ThreadPoolExecutor(max_workers=2) as pool:  # two Lambda invocations at once
        drains = list(pool.map(lambda _: worker(faults, "drain", "3"), range(2)))
    faulty = {name: sum(drain[name] for drain in drains) for name in drains[0]}
    assert faulty["failed_deliveries"] >= 1  # each chunk at most 3 receives under faults
    injected = faults.proxy.summary()
    faults.proxy.configure(0.0, seed=0)  # the outage is over: SQS keeps redelivering
    assert worker(faults, "drain", "5")["left"] == 0
    assert worker(faults, "scores", direct=True) == clean
    report("job_replays", rate, injected, **faulty)


# --- the retry budget, call by call -----------------------------------------------------------

@pytest.fixture
def dynamodb(faults):
    """A DynamoDB client through the proxy with the service's retry budget; made in a session
    of its own, after chalicelib.store.base put its cutoff handlers on every new session."""
    from chalicelib.store.base import client_config

    faults.proxy.configure(0.0, seed=0)
    session = boto3.session.Session(region_name="us-east-1")
    return session.client("dynamodb", endpoint_url=faults.proxy.url, config=client_config())


def get_shop(dynamodb):
    return dynamodb.get_item(TableName=FaultStack.PREFIX + "shops",
                             Key={"shop_id": {"S": "s-budget"}})


def test_a_call_makes_four_attempts_then_fails_as_dynamodb_unavailable(faults, dynamodb):
    from botocore.exceptions import ClientError

    from chalicelib.errors import dynamodb_unavailable

    faults.proxy.force("GetItem", *["error_500"] * 4)
    with pytest.raises(ClientError) as failed:
        get_shop(dynamodb)
    assert faults.proxy.calls["GetItem"] == 4
    unavailable = dynamodb_unavailable(failed.value)
    assert (unavailable.status, unavailable.code) == (503, "dynamodb_unavailable")
    assert unavailable.headers() == {"Retry-After": "2"}
    faults.proxy.force("GetItem", *["error_500"] * 3)  # the fourth attempt gets through
    assert "Item" not in get_shop(dynamodb)
    assert faults.proxy.calls["GetItem"] == 8


def test_no_retry_starts_that_could_not_end_before_the_request_cutoff(faults, dynamodb):
    from botocore.exceptions import ClientError

    from chalicelib.store.base import DeadlineExceeded, request_budget

    faults.proxy.force("GetItem", *["error_500"] * 4)
    with request_budget(5.5), pytest.raises(ClientError):  # a retry needs 1 s backoff + 5 s
        get_shop(dynamodb)
    assert faults.proxy.calls["GetItem"] == 1
    with request_budget(4), pytest.raises(DeadlineExceeded):  # a first attempt needs 5 s
        get_shop(dynamodb)
    assert faults.proxy.calls["GetItem"] == 1  # never sent
    faults.proxy.configure(0.0, seed=0)
    faults.proxy.force("GetItem", "error_500", "error_500")
    with request_budget():  # 28 s: both retries fit
        assert "Item" not in get_shop(dynamodb)
    assert faults.proxy.calls["GetItem"] == 3
