"""Events → daily counters → the chunked score job → scores on shops, products and shelves."""

import json
from datetime import UTC, datetime

import pytest

from chalicelib.domain.aggregation import (
    PLATFORM,
    EntityInfo,
    Increment,
    category_key,
    product_key,
    shop_key,
)
from chalicelib.domain.clock import day_to_iso, now_ms
from chalicelib.domain.scores import day_of
from chalicelib.jobs import events as event_jobs
from chalicelib.jobs import runner
from chalicelib.jobs import scores as score_jobs
from chalicelib.queues import JOBS_QUEUE, receive
from chalicelib.store import aggregates as aggregate_store
from chalicelib.store import job_runs
from chalicelib.store import scores as score_store
from chalicelib.store.aggregates import AggregateModel
from chalicelib.store.events import EventModel
from chalicelib.store.products import ProductModel
from chalicelib.store.scores import ScoreModel
from chalicelib.store.shops import ShopModel
from local.pumps import drain_job_queue
from tests.api.test_reviews import delivered_order, make_shelf
from tests.support import bearer, dynamodb_calls, stream_record

TODAY = day_of(now_ms())


def counters(entity, day):
    return dict(aggregate_store.days_of(entity, day, day)).get(day, {})


# --- the event consumer ------------------------------------------------------------------------

def test_a_replayed_stream_batch_counts_each_event_once(api):
    shelf = make_shelf(api)
    order_id = delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "agg-key-01")
    events = sorted(EventModel.scan(), key=lambda e: e.event_id)
    records = [stream_record(e, n) for n, e in enumerate(events)]
    assert event_jobs.handle_stream_batch({"Records": records}) == {"batchItemFailures": []}
    assert event_jobs.handle_stream_batch({"Records": records}) == {"batchItemFailures": []}

    delivered = next(e for e in events if e.type == "order_delivered")
    day = day_of(int(delivered.at))
    shop = counters(shop_key(shelf["shop"]["shop_id"]), day)
    assert shop["orders"] == 1  # twice delivered by the stream, counted once
    assert counters(PLATFORM, day)["orders"] == 1
    assert counters(product_key(shelf["ac"]), day)["orders"] == 1
    assert counters(category_key("空调"), day)["orders"] == 1
    assert counters("creator#c1", day)["orders"] == 1  # the order came from creator c1's video
    assert ProductModel.get(shelf["ac"]).product_id  # untouched catalog
    assert order_id

    # one event's cost: the product (its category), the 5 entities marked active, one
    # transaction of the mark and the 5 counter ADDs; a replay stops at the transaction
    record = stream_record(delivered, 0)
    delivered.delete()
    fresh = EventModel(**{**delivered.attribute_values, "event_id": "e-fresh"})
    with dynamodb_calls() as calls:
        event_jobs.handle_stream_batch({"Records": [stream_record(fresh, 1)]})
    assert calls == {"BatchGetItem": 1, "UpdateItem": 5, "TransactWriteItems": 1}
    with dynamodb_calls() as calls:
        event_jobs.handle_stream_batch({"Records": [record]})
    assert calls == {"BatchGetItem": 1, "UpdateItem": 5, "TransactWriteItems": 1}
    assert counters(shop_key(shelf["shop"]["shop_id"]), day)["orders"] == 2  # fresh only


def test_a_bad_record_is_reported_alone_as_a_partial_failure(api):
    shelf = make_shelf(api)
    delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "agg-key-02")
    good = [stream_record(e, n) for n, e in enumerate(EventModel.scan())]
    broken = {"eventID": "rec-broken", "eventName": "INSERT",
              "dynamodb": {"NewImage": {"event_id": {"S": "e-x"}}, "SequenceNumber": "99"}}
    response = event_jobs.handle_stream_batch({"Records": [*good, broken]})
    assert response == {"batchItemFailures": [{"itemIdentifier": "99"}]}
    assert AggregateModel.count() > 0  # the good records were counted


def test_reviews_after_sales_and_sessions_are_filed_under_the_delivery_day(api):
    shelf = make_shelf(api)
    order_id = delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "agg-key-03")
    shopper = bearer("shopper", "u1")
    api.call("post", f"/orders/{order_id}/reviews", {"line": 0, "rating": 1, "text": "差"},
             shopper)
    api.call("post", f"/orders/{order_id}/after-sales",
             {"line": 0, "type": "refund", "reason": "quality", "amount_fen": 1000}, shopper)
    status, _ = api.call("post", f"/shops/{shelf['shop']['shop_id']}/service-sessions", {
        "session_id": "chat-1", "started_at": "2026-11-20T00:00:00Z",
        "first_reply_at": "2026-11-20T00:00:02Z", "resolved": True}, bearer())
    assert status == 201
    for event in EventModel.scan():
        event_jobs.consume(event_jobs.to_domain(event))
    delivered_day = day_of(int(next(e for e in EventModel.scan()
                                    if e.type == "order_delivered").at))
    shop = counters(shop_key(shelf["shop"]["shop_id"]), delivered_day)
    assert (shop["orders"], shop["reviews"], shop["bad_reviews"]) == (1, 1, 1)
    assert (shop["after_sales"], shop["quality_returns"]) == (1, 1)
    chat_day = day_of(1795132800000)  # 2026-11-20
    session = counters(shop_key(shelf["shop"]["shop_id"]), chat_day)
    assert (session["sessions"], session["replied_3min"], session["replied_3s"]) == (1, 1, 1)


# --- the job -----------------------------------------------------------------------------------

def seed(entity_infos, day, **values):
    increment = Increment(day=day, counters=values, entities=list(entity_infos))
    aggregate_store.apply_increment(f"seed-{entity_infos[0].key}-{day}-{len(values)}",
                                    increment, now_ms())


def good_shop_history(shop_id, product_id, days=range(10, 40)):
    """Two delivered orders a day, nearly all on time, few bad reviews: a good shop."""
    entities = [EntityInfo(shop_key(shop_id), "shop"), EntityInfo(PLATFORM, "platform"),
                EntityInfo(product_key(product_id), "product", shop_id=shop_id, category="空调"),
                EntityInfo(category_key("空调"), "category", category="空调")]
    for age in days:
        seed(entities, TODAY - age, orders=2, on_time=2, collection_known=2, collected_48h=2,
             reviews=2, positive_reviews=2, sessions=3, replied_3min=3, replied_3s=2,
             handled_cases=0)


def run_job(day=TODAY, force=False):
    started = score_jobs.start_run(day, force=force)
    chunks = drain_job_queue()
    return started, chunks


def test_job_scores_active_entities_and_copies_scores_where_pages_read_them(api, queue):
    shelf = make_shelf(api)
    shop_id = shelf["shop"]["shop_id"]
    good_shop_history(shop_id, shelf["ac"])
    started, chunks = run_job()
    assert started["started"] is True
    # 3 phases: 32 + 16 + 16 shard messages, every one a chunk
    assert chunks == 64
    run = job_runs.get(started["run_id"])
    assert run["status"] == "done"
    assert run["shards_finished"] == [32, 16, 16]

    shop_score = score_store.current(shop_key(shop_id))
    assert shop_score["total"] is not None and shop_score["total"] >= 4.5
    assert ShopModel.get(shop_id).score == shop_score["total"]
    product_score = score_store.current(product_key(shelf["ac"]))
    assert product_score["total"] is not None
    assert ProductModel.get(shelf["ac"]).score == product_score["total"]
    assert score_store.history(shop_key(shop_id), 30)[0]["day"] == TODAY


def test_a_second_start_the_same_day_does_nothing_and_a_forced_rerun_gives_the_same_scores(
        api, queue):
    shelf = make_shelf(api)
    good_shop_history(shelf["shop"]["shop_id"], shelf["ac"])
    run_job()
    first = {(m.entity, m.key): m.breakdown for m in ScoreModel.scan()}
    started, chunks = run_job()
    assert (started["started"], chunks) == (False, 0)
    started, chunks = run_job(force=True)
    assert started["started"] is True and chunks == 64
    assert {(m.entity, m.key): m.breakdown for m in ScoreModel.scan()} == first


def test_backfilling_an_older_day_adds_history_and_leaves_the_current_score(api, queue):
    shelf = make_shelf(api)
    shop_id = shelf["shop"]["shop_id"]
    good_shop_history(shop_id, shelf["ac"])
    run_job()
    current = score_store.current(shop_key(shop_id))
    run_job(day=TODAY - 20, force=True)  # 20 days ago the shop had fewer mature orders
    assert score_store.current(shop_key(shop_id)) == current
    assert ShopModel.get(shop_id).score == current["total"]
    days = [snapshot["day"] for snapshot in score_store.history(shop_key(shop_id), 30)]
    assert days == [TODAY, TODAY - 20]
    older = score_store.snapshot(shop_key(shop_id), TODAY - 20)
    assert older["sample_orders"] < current["sample_orders"]


def test_a_crash_mid_run_then_redelivery_gives_exactly_the_same_scores(api, queue,
                                                                        monkeypatch):
    shelf = make_shelf(api)
    good_shop_history(shelf["shop"]["shop_id"], shelf["ac"])
    run_job()
    clean = {(m.entity, m.key): m.breakdown for m in ScoreModel.scan()}
    for model in ScoreModel.scan():
        model.delete()

    from chalicelib.services import scoring

    real = scoring.recalculate
    calls = {"n": 0}

    def crashing(entity, day, priors):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("Lambda timed out")
        return real(entity, day, priors)

    monkeypatch.setattr(scoring, "recalculate", crashing)
    score_jobs.start_run(TODAY, force=True)
    with pytest.raises(RuntimeError, match="job chunks failed"):
        drain_job_queue()
    monkeypatch.setattr(scoring, "recalculate", real)
    # the failed chunk was not deleted: SQS hands it out again
    drain_job_queue()
    assert {(m.entity, m.key): m.breakdown for m in ScoreModel.scan()} == clean


def test_the_queue_handler_reports_a_failing_record_as_a_partial_failure(queue):
    good = {"job": "scores", "run_id": "scores-1", "attempt": 1,
            "params": {"day": day_to_iso(TODAY)}, "phase": 0, "shard": "shop#0", "shards": 32,
            "cursor": None}
    job_runs.start("scores-1", "scores", 1, good["params"], 3)
    event = {"Records": [
        {"messageId": "m-good", "receiptHandle": "r1", "body": json.dumps(good),
         "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs", "md5OfBody": ""},
        {"messageId": "m-bad", "receiptHandle": "r2", "body": "{not json",
         "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs", "md5OfBody": ""},
    ]}
    assert runner.handle_queue_batch(event) == {"batchItemFailures": [
        {"itemIdentifier": "m-bad"}]}


class ShortLambda:
    """A Lambda context whose clock runs out after `entities` entities of one invocation."""

    def __init__(self, entities: int):
        self.checks, self.entities = 0, entities

    def get_remaining_time_in_millis(self) -> int:
        self.checks += 1
        return 30_000 if self.checks <= self.entities else runner.TIME_RESERVE_MS - 1


def drain_in_short_invocations(entities_per_invocation: int) -> int:
    """What Lambda's poller does, each batch in an invocation that has time for few entities."""
    from chalicelib.queues import delete

    batches = 0
    while messages := receive(JOBS_QUEUE):
        event = {"Records": [
            {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
             "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
             "md5OfBody": ""} for m in messages]}
        failed = runner.handle_queue_batch(event, ShortLambda(entities_per_invocation))
        assert failed == {"batchItemFailures": []}
        for message in messages:
            delete(JOBS_QUEUE, message["ReceiptHandle"])
        batches += 1
    return batches


def test_a_chunk_out_of_time_hands_the_rest_of_its_page_on(api, queue):
    shop_id = make_shelf(api)["shop"]["shop_id"]
    for number in range(12):  # 12 shops' worth of products, spread over the shards
        entities = [EntityInfo(product_key(f"{shop_id}.p{number}"), "product", shop_id=shop_id),
                    EntityInfo(shop_key(f"s-other-{number}"), "shop"),
                    EntityInfo(PLATFORM, "platform")]
        for age in range(8, 20):
            seed(entities, TODAY - age, orders=1 + number % 3, reviews=1,
                 bad_reviews=number % 2, positive_reviews=1 - number % 2)
    score_jobs.start_run(TODAY, force=True)
    short_batches = drain_in_short_invocations(entities_per_invocation=2)
    run = job_runs.get(f"scores-{TODAY}")
    # shops, then products, then the shops' shelves
    assert (run["status"], run["items_done"]) == ("done", 12 + 12 + 12)
    assert run["chunks_done"] > 64  # pages were handed on
    stopped = {(m.entity, m.key): m.breakdown for m in ScoreModel.scan()}
    score_jobs.start_run(TODAY, force=True)  # the same run with all the time in the world
    assert drain_job_queue() == 64 and short_batches > 7
    assert {(m.entity, m.key): m.breakdown for m in ScoreModel.scan()} == stopped


def test_work_grows_with_active_entities_not_with_all_that_exist(api, queue):
    shelf = make_shelf(api)
    good_shop_history(shelf["shop"]["shop_id"], shelf["ac"])
    # a shop last active 200 days ago is outside the window: never read, never scored
    stale = EntityInfo("shop#stale", "shop")
    seed([stale], TODAY - 200, orders=50, on_time=50)
    started, _ = run_job()
    assert score_store.current("shop#stale") is None
    # shop + creator-less platform: 1 shop and 1 product scored, plus shelf rebuild of 1 shop
    assert job_runs.get(started["run_id"])["items_done"] == 3


def test_new_scores_reach_the_storefront_order_through_the_rebuild(api, queue):
    shelf = make_shelf(api)
    shop_id = shelf["shop"]["shop_id"]
    _, front = api.call("get", f"/shops/{shop_id}/storefront")
    before = [item["product_id"] for item in front["items"]]
    # the product now last in the comprehensive order earns a top product score
    loser = before[-1]
    entities = [EntityInfo(product_key(loser), "product", shop_id=shop_id, category="x"),
                EntityInfo(shop_key(shop_id), "shop"), EntityInfo(PLATFORM, "platform")]
    for age in range(10, 40):
        seed(entities, TODAY - age, orders=2, on_time=2, reviews=2, positive_reviews=2)
    run_job()
    assert ProductModel.get(loser).score is not None
    _, front = api.call("get", f"/shops/{shop_id}/storefront")
    assert front["items"][0]["product_id"] == loser


def test_only_shelves_whose_scores_moved_are_rebuilt(api, queue):
    shelf = make_shelf(api)
    shop_id = shelf["shop"]["shop_id"]
    good_shop_history(shop_id, shelf["ac"])
    run_job()
    first = ShopModel.get(shop_id)
    assert first.shelf_stale is False  # rebuilt, and the flip cleared the mark
    run_job(force=True)  # the same scores: nothing is written onto the items, no rebuild
    assert ShopModel.get(shop_id).shelf_version == first.shelf_version
    # a product's score moves (a bad week of reviews): only then is the shelf rebuilt
    entities = [EntityInfo(product_key(shelf["ac"]), "product", shop_id=shop_id,
                           category="空调"), EntityInfo(PLATFORM, "platform")]
    seed(entities, TODAY - 9, orders=5, reviews=5, bad_reviews=5)
    run_job(force=True)
    assert ShopModel.get(shop_id).shelf_version == first.shelf_version + 1


# --- endpoints ---------------------------------------------------------------------------------

def test_shop_scores_public_and_owner_views_and_eligibility(api, queue):
    shelf = make_shelf(api)
    shop_id = shelf["shop"]["shop_id"]
    status, empty = api.call("get", f"/shops/{shop_id}/scores")
    assert status == 200
    assert empty["store_experience"]["display"] == "暂无分"
    good_shop_history(shop_id, shelf["ac"])
    run_job()
    with dynamodb_calls() as public_calls:
        _, public = api.call("get", f"/shops/{shop_id}/scores")
    assert public_calls == {"GetItem": 2}  # the shop, its current score
    view = public["store_experience"]
    assert set(view["dimensions"]) == {"product", "logistics", "service"}
    assert "metrics" not in view and "history" not in view
    with dynamodb_calls() as owner_calls:
        _, owner = api.call("get", f"/shops/{shop_id}/scores", None, bearer())
    assert owner_calls == {"GetItem": 2, "Query": 1}  # and the daily snapshots
    detailed = owner["store_experience"]
    assert "bad_review_rate" in detailed["metrics"]
    assert detailed["history"][0]["total"] == view["total"]
    assert isinstance(detailed["biggest_losses"], list)
    assert (view["total"], detailed["next_threshold"], detailed["biggest_losses"]) == (
        5.0, None, [])  # a perfect record: nothing left to win
    _, other = api.call("get", f"/shops/{shop_id}/scores", None, bearer("merchant", "m2"))
    assert "metrics" not in other["store_experience"]
    with dynamodb_calls() as eligibility_calls:
        status, eligibility = api.call("get", f"/shops/{shop_id}/eligibility")
    assert (status, eligibility_calls) == (200, {"GetItem": 1})  # the score is on the shop
    assert eligibility["campaigns"]["regular"]["eligible"] is True
    assert eligibility["traffic_multiplier"] > 0.9


def test_the_owner_sees_which_metric_to_improve_and_by_how_much(api, queue):
    shelf = make_shelf(api)
    shop_id = shelf["shop"]["shop_id"]
    entities = [EntityInfo(shop_key(shop_id), "shop"), EntityInfo(PLATFORM, "platform")]
    for age in range(10, 40):  # half the orders reach the carrier later than 48 h
        seed(entities, TODAY - age, orders=2, on_time=2, collection_known=2, collected_48h=1,
             reviews=2, positive_reviews=2, sessions=3, replied_3min=3)
    run_job()
    _, owner = api.call("get", f"/shops/{shop_id}/scores", None, bearer())
    view = owner["store_experience"]
    # collected within 48 h: 50 % (under the 60 % worst anchor) → 1 point, logistics 3.0,
    # total 0.4·5 + 0.3·3 + 0.3·5 = 4.4; its loss 0.3·0.5·(5 − 1) = 0.6
    assert view["total"] == 4.4
    assert view["metrics"]["collect_48h_rate"]["points"] == 1.0
    [loss] = view["biggest_losses"]
    assert (loss["metric"], loss["loss"]) == ("collect_48h_rate", pytest.approx(0.6))
    # to reach 4.5 (+0.1): 1 + 0.1/0.15 = 1.6667 points → 0.60 + (0.6667/3.5)·0.32 = 0.66095
    nxt = view["next_threshold"]
    assert (nxt["value"], [step["metric"] for step in nxt["plan"]]) == (
        4.5, ["collect_48h_rate"])
    assert nxt["plan"][0]["target_rate"] == pytest.approx(0.6 + (2 / 3) / 3.5 * 0.32)


def campaign_body(kind: str, starts_in_days: int, ends_in_days: int, **thresholds) -> dict:
    def iso(days):
        return datetime.fromtimestamp(now_ms() / 1000 + days * 86400, UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
    return {"name": "双12大促", "kind": kind, "starts_at": iso(starts_in_days),
            "ends_at": iso(ends_in_days), **thresholds}


def test_campaign_enrollment_refuses_a_shop_under_the_threshold_with_the_reason(api, queue):
    shelf = make_shelf(api)
    shop_id = shelf["shop"]["shop_id"]
    ops = bearer("ops", "ops1")
    status, campaign = api.call("post", "/campaigns", campaign_body("major", 15, 18), ops)
    assert (status, campaign["min_shop_score"]) == (201, 4.5)
    assert api.call("get", f"/campaigns/{campaign['campaign_id']}") == (200, campaign)
    assert api.call("post", "/campaigns", campaign_body("major", 15, 18), bearer())[0] == 403
    path = f"/campaigns/{campaign['campaign_id']}/enrollments"
    status, refused = api.call("post", path, {"shop_id": shop_id}, bearer())
    assert (status, refused["error"]["code"]) == (409, "not_eligible")  # no score: not for major
    ShopModel(shop_id).update(actions=[ShopModel.score.set(4.2)])
    status, refused = api.call("post", path, {"shop_id": shop_id}, bearer())
    assert status == 409
    assert "4.2" in refused["error"]["message"] and "4.5" in refused["error"]["message"]
    ShopModel(shop_id).update(actions=[ShopModel.score.set(4.7)])
    with dynamodb_calls() as calls:
        status, enrolled = api.call("post", path, {"shop_id": shop_id}, bearer())
    assert calls == {"GetItem": 2, "PutItem": 1}  # campaign, shop; the enrollment
    assert (status, enrolled["entity"]) == (201, shop_key(shop_id))
    assert api.call("post", path, {"shop_id": shop_id}, bearer())[0] == 409
    assert api.call("post", path, {"shop_id": shop_id}, bearer("merchant", "m2"))[0] == 403


def test_open_campaigns_ending_soonest_first_with_a_shops_eligibility(api, queue):
    shop_id = make_shelf(api)["shop"]["shop_id"]
    ShopModel(shop_id).update(actions=[ShopModel.score.set(4.2)])
    ops = bearer("ops", "ops1")
    created = {}
    for kind, ends in (("major", 30), ("regular", 10), ("regular", 20), ("regular", -1)):
        _, campaign = api.call("post", "/campaigns", campaign_body(kind, -5, ends), ops)
        created[ends] = campaign["campaign_id"]
    with dynamodb_calls() as calls:
        status, page = api.call("get", f"/campaigns?limit=2&shop_id={shop_id}")
    assert (status, calls) == (200, {"GetItem": 1, "Query": 1})  # the shop, the by_end index
    assert [c["campaign_id"] for c in page["items"]] == [created[10], created[20]]
    assert page["items"][0]["shop_eligibility"]["eligible"] is True  # 4.2 ≥ 4.0
    _, rest = api.call("get", f"/campaigns?limit=2&shop_id={shop_id}&cursor={page['next_cursor']}")
    [major] = rest["items"]  # the ended one is not listed
    assert (major["campaign_id"], rest["next_cursor"]) == (created[30], None)
    assert major["shop_eligibility"]["eligible"] is False
    assert "4.5" in major["shop_eligibility"]["reason"]
    _, anonymous = api.call("get", "/campaigns")
    assert "shop_eligibility" not in anonymous["items"][0]
    assert api.call("get", "/campaigns?shop_id=nope")[0] == 404
    assert api.call("get", "/campaigns?cursor=forged")[0] == 400


def test_an_ended_campaign_takes_no_enrollment(api, queue):
    shop_id = make_shelf(api)["shop"]["shop_id"]
    ShopModel(shop_id).update(actions=[ShopModel.score.set(4.9)])
    _, ended = api.call("post", "/campaigns", campaign_body("regular", -10, -1),
                        bearer("ops", "ops1"))
    status, body = api.call("post", f"/campaigns/{ended['campaign_id']}/enrollments",
                            {"shop_id": shop_id}, bearer())
    assert (status, body["error"]["code"]) == (409, "campaign_ended")
    assert api.call("get", "/campaigns/nope")[0] == 404


def test_creators_register_and_their_orders_count_toward_their_score(api, queue):
    creator = bearer("creator", "c1")
    status, body = api.call("post", "/creators", {"name": "小鱼说海鲜"}, creator)
    assert (status, body["creator_id"], body["score_display"]) == (201, "c1", "暂无分")
    assert api.call("post", "/creators", {"name": "again"}, creator)[0] == 409
    assert api.call("post", "/creators", {"name": "x"}, bearer("shopper", "u9"))[0] == 403
    entities = [EntityInfo("creator#c1", "creator"), EntityInfo(PLATFORM, "platform")]
    for age in range(8, 40):
        seed(entities, TODAY - age, orders=2, on_time=2, reviews=1, positive_reviews=1)
    run_job()
    status, scores = api.call("get", "/creators/c1/scores")
    assert status == 200
    assert scores["selling_reputation"]["total"] is not None
    assert api.call("get", "/creators/c1")[1]["score"] == scores["selling_reputation"]["total"]
    assert api.call("get", "/creators/nobody")[0] == 404


def test_ops_start_a_run_on_demand(api, queue):
    status, started = api.call("post", "/ops/jobs/scores", {}, bearer("ops", "ops1"))
    assert (status, started["started"]) == (202, True)
    assert len(receive(JOBS_QUEUE)) > 0
    assert api.call("post", "/ops/jobs/scores", {}, bearer())[0] == 403
    status, run = api.call("get", f"/ops/jobs/scores/{started['run_id']}", None,
                           bearer("ops", "ops1"))
    assert (status, run["status"]) == (200, "running")
    assert started["day"] == day_to_iso(TODAY - 1)  # by default: the last complete day


@pytest.mark.parametrize("day", [day_to_iso(TODAY), "2026-13-45", "yesterday"])
def test_ops_cannot_run_an_incomplete_or_invalid_day(api, queue, day):
    status, body = api.call("post", "/ops/jobs/scores", {"day": day}, bearer("ops", "ops1"))
    assert (status, body["error"]["code"]) == (422, "validation_error")
    assert body["error"]["details"][0]["field"] == "day"
    assert receive(JOBS_QUEUE) == []  # nothing started


def test_product_page_shows_the_product_score(api):
    shelf = make_shelf(api)
    ProductModel(shelf["ac"]).update(actions=[ProductModel.score.set(4.6)])
    _, page = api.call("get", f"/products/{shelf['ac']}")
    assert (page["score"], page["score_display"]) == (4.6, "4.6")

