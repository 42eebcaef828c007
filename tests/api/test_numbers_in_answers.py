"""Counts and money are integers and every other figure keeps its documented places, in real
answers (docs/openapi.md, "Numbers in answers"). The document says which is which (`integer`;
`x-decimals` on each number) and the answers of the score, campaign, scene-report and
post-stream routes are checked against it strictly: `657.0` is not an integer and
`0.8470000000000001` has more than 4 places (tests/api/test_api_contract.py::strict_validator).
"""

from __future__ import annotations

import pytest

from chalicelib.domain.aggregation import PLATFORM, EntityInfo, category_key, product_key, shop_key
from chalicelib.domain.clock import DAY_MS, business_day
from chalicelib.domain.scores import ScoreResult, plan_to_reach
from chalicelib.openapi import referenced_schemas
from chalicelib.store import scores as score_store
from tests.api.behaviour_support import consume, event, post, stream_records
from tests.api.test_api_contract import Conformance, strict_validator
from tests.api.test_demo_streams import catalog, loaded  # noqa: F401 (fixtures)
from tests.api.test_reviews import make_shelf
from tests.api.test_scene_reports import paid_events, paid_order
from tests.api.test_scores_pipeline import TODAY, campaign_body, run_job, seed
from tests.support import bearer, product_body, sku

OWNER = bearer("merchant", "m1")
OPS = bearer("ops", "ops1")


@pytest.fixture(scope="module")
def document():
    from chalicelib.openapi import build_document

    return build_document()


class Answers:
    """GETs and POSTs whose answers are checked against the document as they come."""

    def __init__(self, api, document):
        self.api, self.conform = api, Conformance(document)

    def __call__(self, method, template, params=None, body=None, headers=None, expect=200,
                 query=""):
        path = template.format(**(params or {})) + query
        status, answer = self.api.call(method, path, body, headers)
        assert status == expect, (method, path, answer)
        self.conform.check(method, template, status, answer)
        return answer


# --- the document ------------------------------------------------------------------------------

def _response_schemas(document) -> set[str]:
    """The component schemas any answer can reach."""
    schemas = document["components"]["schemas"]
    answers = [operation["responses"] for operations in document["paths"].values()
               for operation in operations.values()]
    return referenced_schemas([*answers, document["components"]["responses"]], schemas)


def _undocumented_numbers(node, where: str, covered: bool = False) -> list[str]:
    """Paths to `number` schemas with no `x-decimals` on them or around them."""
    if isinstance(node, list):
        return [miss for n, value in enumerate(node)
                for miss in _undocumented_numbers(value, f"{where}[{n}]", covered)]
    if not isinstance(node, dict):
        return []
    covered = covered or "x-decimals" in node
    types = node.get("type")
    is_number = types == "number" or (isinstance(types, list) and "number" in types)
    missing = [where] if is_number and not covered else []
    return missing + [miss for key, value in node.items()
                      for miss in _undocumented_numbers(value, f"{where}.{key}", covered)]


def test_every_number_an_answer_can_hold_states_its_places(document):
    schemas = document["components"]["schemas"]
    answers = _response_schemas(document)
    assert {"ScoreView", "Metric", "SceneRow", "ChuanliuReport", "ProductCard"} <= answers
    missing = [miss for name in sorted(answers)
               for miss in _undocumented_numbers(schemas[name], name)]
    assert missing == []
    metric = schemas["Metric"]["properties"]
    assert metric["points"]["x-decimals"] == 3 and metric["smoothed"]["x-decimals"] == 6
    assert schemas["ScoreView"]["properties"]["sample_orders"]["type"] == "integer"
    assert schemas["SceneRow"]["properties"]["ctr"]["anyOf"][0]["x-decimals"] == 4
    assert schemas["ChuanliuReport"]["properties"]["increment_pct"]["anyOf"][0][
        "x-decimals"] == 1


def test_the_strict_check_refuses_a_float_count_and_a_rate_with_noise():
    validator = strict_validator()({"type": "object", "properties": {
        "orders": {"type": "integer"}, "ctr": {"type": "number", "x-decimals": 4}}})
    assert validator.is_valid({"orders": 657, "ctr": 0.847})
    assert not validator.is_valid({"orders": 657.0, "ctr": 0.847})
    assert not validator.is_valid({"orders": 657, "ctr": 0.8470000000000001})
    assert not validator.is_valid({"orders": True, "ctr": 0.847})


# --- scores and campaigns ----------------------------------------------------------------------

def _imperfect_history(shop_id: str, product_id: str) -> None:
    """Three orders a day for 30 days, a third collected late, some bad reviews and slow
    chats (rates like 2/3 and plans with long fractions), and a creator's 64 orders, whose
    counters are recency-weighted."""
    shop = [EntityInfo(shop_key(shop_id), "shop"), EntityInfo(PLATFORM, "platform"),
            EntityInfo(product_key(product_id), "product", shop_id=shop_id, category="空调"),
            EntityInfo(category_key("空调"), "category", category="空调")]
    for age in range(10, 40):
        seed(shop, TODAY - age, orders=3, on_time=3, collection_known=3, collected_48h=2,
             reviews=3, positive_reviews=2, bad_reviews=age % 2, sessions=7, replied_3min=6,
             replied_3s=5, handled_cases=1, handling_ms=7_000_000 + age)
    creator = [EntityInfo("creator#c1", "creator"), EntityInfo(PLATFORM, "platform")]
    for age in range(8, 40):
        seed(creator, TODAY - age, orders=2, on_time=2, collection_known=2, collected_48h=1,
             reviews=1, positive_reviews=1)


def test_score_and_campaign_answers_keep_integer_counts_and_their_places(api, queue, document):
    call = Answers(api, document)
    shelf = make_shelf(api)
    shop_id, ids = shelf["shop"]["shop_id"], {"shop_id": shelf["shop"]["shop_id"]}
    call("post", "/creators", body={"name": "小鱼说海鲜"}, headers=bearer("creator", "c1"),
         expect=201)
    _imperfect_history(shop_id, shelf["ac"])
    run_job()

    view = call("get", "/shops/{shop_id}/scores", ids, headers=OWNER)["store_experience"]
    call("get", "/shops/{shop_id}/scores", ids)
    assert view["sample_orders"] == 90 and isinstance(view["sample_orders"], int)
    assert view["metrics"]["on_time_rate"]["denominator"] == 90
    assert isinstance(view["metrics"]["on_time_rate"]["denominator"], int)
    # each figure is the exact one the breakdown holds, rounded to its kind's places
    exact = ScoreResult.from_dict(score_store.current(shop_key(shop_id)))
    reply = exact.metrics["reply_3s_rate"]
    assert view["metrics"]["reply_3s_rate"]["smoothed"] == round(reply.smoothed, 6)
    assert view["metrics"]["reply_3s_rate"]["points"] == round(reply.points, 3)
    [step, *_] = plan_to_reach(exact, view["next_threshold"]["value"])
    shown = view["next_threshold"]["plan"][0]
    assert (shown["target_rate"], shown["effort"]) == (round(step.target_rate, 6),
                                                       round(step.effort, 4))
    assert view["biggest_losses"] and view["history"][0]["total"] == view["total"]

    call("get", "/shops/{shop_id}/eligibility", ids)
    call("get", "/products/{product_id}", {"product_id": shelf["ac"]})
    call("get", "/shops/{shop_id}/storefront", ids)
    call("get", "/creators/{creator_id}", {"creator_id": "c1"})
    creator = call("get", "/creators/{creator_id}/scores", {"creator_id": "c1"},
                   headers=bearer("creator", "c1"))["selling_reputation"]
    assert creator["sample_orders"] == 64  # unweighted, as the minimum counts it
    weighted = creator["metrics"]["on_time_rate"]["denominator"]
    assert isinstance(weighted, float) and 0 < weighted < 64  # older days weigh less

    campaign = call("post", "/campaigns", body=campaign_body("regular", -1, 10,
                                                             min_shop_score=1.5),
                    headers=OPS, expect=201)
    call("get", "/campaigns", query=f"?shop_id={shop_id}")
    call("get", "/campaigns/{campaign_id}", campaign)
    call("post", "/campaigns/{campaign_id}/enrollments", campaign, {"shop_id": shop_id},
         OWNER, expect=201)
    refused = call("post", "/campaigns", body=campaign_body("regular", -1, 10,
                                                            min_shop_score=4.55),
                   headers=OPS, expect=422)
    assert refused["error"]["details"][0]["field"] == "min_shop_score"
    assert len(call.conform.checked) == 13


# --- scene reports -----------------------------------------------------------------------------

def test_scene_reports_give_integer_counts_and_four_place_rates(api, frozen_clock, document):
    from chalicelib.services import scene_stats as scene_service

    call = Answers(api, document)
    shop = api.create_shop()
    ac = api.create_product(shop["shop_id"], product_body(skus=[sku(259900, 20)]))
    # 7 impressions, 3 clicks, 1 order: 3/7 and 1/3 have no end
    events = ([event(n, ac["product_id"]) for n in range(7)]
              + [event(n, ac["product_id"], "click") for n in range(10, 13)])
    assert post(api, events, bearer("shopper", "u1"))[1]["accepted"] == 10
    consume(stream_records())
    paid_order(api, [{"sku_id": f"{ac['product_id']}.0", "quantity": 1}], "search",
               "numbers-key-01")
    for paid in paid_events():
        scene_service.count_order(paid)

    today = business_day(frozen_clock["now"])
    [row] = call("get", "/shops/{shop_id}/reports/scenes", shop, headers=OWNER,
                 query=f"?from={today}&to={today}")["items"]
    assert (row["impressions"], row["clicks"], row["orders"]) == (7, 3, 1)
    assert (row["ctr"], row["cvr"]) == (0.4286, 0.3333)
    assert isinstance(row["gmv_fen"], int)
    call("get", "/ops/reports/scenes", headers=OPS, query=f"?from={today}&to={today}")


# --- the demo's streams: post-stream, Chuanliu, commissions, attribution -----------------------

def test_stream_and_ledger_reports_of_the_demo_are_integers(api, loaded, document):  # noqa: F811
    from local.demo_streams import BRAND_OWNER

    call = Answers(api, document)
    brand = {"shop_id": loaded.brand_shop_id}
    merchant = bearer("merchant", BRAND_OWNER)
    sessions = call("get", "/shops/{shop_id}/live-sessions", brand, headers=merchant)
    live = {"live_id": sessions["items"][0]["live_id"]}
    tail = call("get", "/live-sessions/{live_id}/tail-gmv", live, headers=merchant)
    assert any(night["orders"] for night in tail["nights"])
    first = business_day(loaded.as_of_ms - 30 * DAY_MS)
    call("get", "/shops/{shop_id}/reports/post-stream", brand, headers=merchant,
         query=f"?from={first}&to={business_day(loaded.as_of_ms)}")
    report = call("get", "/shops/{shop_id}/reports/chuanliu", brand, headers=merchant)
    assert report["increment_pct"] is not None
    assert isinstance(report["gmv_per_buyer_fen"]["treated"], int)
    c1 = {"creator_id": "c1"}
    call("get", "/creators/{creator_id}/commissions", c1, headers=bearer("creator", "c1"))
    call("get", "/creators/{creator_id}/traffic-credits", c1, headers=bearer("creator", "c1"))
    call("get", "/shops/{shop_id}/commissions", brand, headers=merchant)
    yesterday = business_day(loaded.as_of_ms - DAY_MS)
    attribution = call("get", "/ops/reports/attribution", headers=OPS,
                       query=f"?day={yesterday}")
    assert attribution["orders"] > 0
