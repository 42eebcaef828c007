"""After-sales cases: the per-line amount rule, the state machine, stock coming back once."""

import pytest

from chalicelib.store.after_sales import AfterSalesCaseModel, LineClaimModel, claim_key
from chalicelib.store.events import EventModel
from chalicelib.store.products import ProductModel
from tests.api.test_reviews import (
    MERCHANT,
    SHOPPER,
    delivered_order,
    events_of,
    make_shelf,
    paid_order,
    place,
    shipped_order,
)
from tests.support import bearer, dynamodb_calls

OPS = bearer("ops", "ops1")
AC_PRICE = 259900


@pytest.fixture
def shelf(api):
    return make_shelf(api)


def open_case(api, order_id, line=0, type="refund", amount_fen=10000, shopper=SHOPPER, **extra):
    body = {"line": line, "type": type, "reason": "quality", "amount_fen": amount_fen, **extra}
    return api.call("post", f"/orders/{order_id}/after-sales", body, shopper)


def act(api, case_id, action, body=None, who=MERCHANT):
    return api.call("post", f"/after-sales/{case_id}/{action}", body, who)


def stock(product_id, index=0):
    return int(ProductModel.get(product_id).skus[index].stock)


def claim(order_id, line=0):
    item = LineClaimModel.get(claim_key(order_id, line))
    return int(item.claimed_fen), int(item.claimed_units), item.open_case_id


def case_items():
    return [item for item in AfterSalesCaseModel.scan() if item.case_id.startswith("as")]


def all_items():
    return list(LineClaimModel.scan())


# --- refund ------------------------------------------------------------------------------------

def test_refund_requested_then_approved_is_refunded_at_once(api, shelf):
    order_id = shipped_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 2}], "as-key-01")
    with dynamodb_calls() as calls:
        status, case = open_case(api, order_id, amount_fen=100000,
                                 description="外壳有裂纹")
    assert status == 201, case
    # the order, the line's claim item, then one transaction
    assert calls == {"GetItem": 2, "TransactWriteItems": 1}
    assert (case["status"], case["type"], case["reason"]) == ("requested", "refund", "quality")
    assert (case["amount_fen"], case["quantity"], case["line_total_fen"]) == (
        100000, 0, 2 * AC_PRICE)
    assert case["requested_at"] is not None and case["decided_at"] is None
    assert case["product_ids"] == [shelf["ac"]]
    assert claim(order_id) == (100000, 0, case["case_id"])
    (requested,) = events_of("after_sales_requested")
    assert (requested.order_id, requested.amount_fen, requested.product_ids) == (
        order_id, 100000, [shelf["ac"]])
    assert (requested.scene, requested.creator_id) == ("video", "c1")
    assert requested.data.as_dict() == {"case_id": case["case_id"], "type": "refund",
                                        "reason": "quality", "line": 0, "amount_fen": 100000}

    with dynamodb_calls() as calls:
        status, done = act(api, case["case_id"], "approve")
    assert (status, done["status"]) == (200, "refunded"), done
    assert calls == {"GetItem": 2, "TransactWriteItems": 1}  # the case, its order, the write
    assert api.call("get", f"/after-sales/{case['case_id']}", None, SHOPPER) == (200, done)
    assert done["decided_at"] is not None and done["refunded_at"] is not None
    assert done["handling_ms"] >= 0
    stored = AfterSalesCaseModel.get(case["case_id"])
    assert (stored.status, stored.shop_status) == ("refunded", f"{shelf['shop']['shop_id']}"
                                                                "#refunded")
    assert stored.refunded_at is not None and stored.requested_at == stored.created_at
    assert claim(order_id) == (100000, 0, None)  # still counts, no longer open
    (approved,) = events_of("after_sales_approved")
    (refunded,) = events_of("after_sales_refunded")
    assert approved.data["handling_ms"] >= 0 and refunded.data["handling_ms"] >= 0
    assert refunded.amount_fen == 100000
    assert stock(shelf["ac"]) == 8  # a refund-only case takes nothing back


def test_refund_above_the_paid_amount_is_422_and_writes_nothing(api, shelf):
    order_id = shipped_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-02")
    status, error = open_case(api, order_id, amount_fen=AC_PRICE + 1)
    assert status == 422
    (detail,) = error["error"]["details"]
    assert (detail["field"], detail["claimable_fen"]) == ("amount_fen", AC_PRICE)
    assert all_items() == []
    assert events_of("after_sales_requested") == []


def test_cases_of_one_line_may_not_claim_more_than_was_paid(api, shelf):
    order_id = shipped_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-03")
    status, first = open_case(api, order_id, amount_fen=200000)
    assert status == 201
    status, error = open_case(api, order_id, amount_fen=1000)
    assert (status, error["error"]["code"]) == (409, "case_open")  # one open case per line
    assert error["error"]["details"] == [{"case_id": first["case_id"]}]
    act(api, first["case_id"], "approve")

    status, error = open_case(api, order_id, amount_fen=AC_PRICE - 200000 + 1)
    assert status == 422
    assert error["error"]["details"][0]["claimable_fen"] == AC_PRICE - 200000
    assert len(case_items()) == 1
    status, second = open_case(api, order_id, amount_fen=AC_PRICE - 200000)
    assert status == 201
    assert claim(order_id) == (AC_PRICE, 0, second["case_id"])


def test_a_raced_second_case_is_refused_by_the_claim_item(api, shelf, monkeypatch):
    from chalicelib.domain.after_sales import LineClaim
    from chalicelib.store import after_sales as case_store

    order_id = shipped_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-04")
    status, first = open_case(api, order_id, amount_fen=200000)
    assert status == 201
    # Both racers read the claim before either wrote: only the transaction's condition decides.
    monkeypatch.setattr(case_store, "get_claim", lambda _order_id, _line: LineClaim())
    status, error = open_case(api, order_id, amount_fen=1000)
    assert (status, error["error"]["code"]) == (409, "case_open")
    monkeypatch.undo()

    act(api, first["case_id"], "approve")
    monkeypatch.setattr(case_store, "get_claim", lambda _order_id, _line: LineClaim())
    status, error = open_case(api, order_id, amount_fen=AC_PRICE - 200000 + 1)
    assert (status, error["error"]["code"]) == (422, "claim_exceeded")
    assert len(case_items()) == 1
    assert len(events_of("after_sales_requested")) == 1
    assert claim(order_id) == (200000, 0, None)


def test_cases_need_a_shipped_order_and_a_real_line(api, shelf):
    unpaid = place(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-05")
    status, error = open_case(api, unpaid)
    assert (status, error["error"]["code"]) == (409, "order_not_claimable")
    shipped = shipped_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-09")
    status, error = open_case(api, shipped, line=1)
    assert (status, error["error"]["details"][0]["field"]) == (422, "line")
    status, error = open_case(api, shipped, quantity=1)
    assert (status, error["error"]["details"][0]["field"]) == (422, "quantity")
    paid = paid_order(api, [{"sku_id": shelf["mop_sku"], "quantity": 1}], "as-key-06")
    status, error = open_case(api, paid)  # nothing was shipped yet: the shopper cancels instead
    assert (status, error["error"]["code"]) == (409, "order_not_claimable")
    api.call("post", f"/orders/{paid}/cancel", {}, SHOPPER)
    status, error = open_case(api, paid)
    assert (status, error["error"]["code"]) == (409, "order_not_claimable")
    assert all_items() == []


@pytest.mark.parametrize("body", [
    {"line": 0, "type": "refund", "reason": "quality", "amount_fen": 0},
    {"line": 0, "type": "refund", "reason": "quality", "amount_fen": -5},
    {"line": 0, "type": "refund", "reason": "quality", "amount_fen": "100"},
    {"line": 0, "type": "refund", "reason": "quality", "amount_fen": 10.5},
    {"line": 0, "type": "exchange", "reason": "quality", "amount_fen": 100},
    {"line": 0, "type": "refund", "reason": "bored", "amount_fen": 100},
    {"line": 0, "type": "refund", "reason": "quality", "amount_fen": 100,
     "description": "差" * 501},
    {"line": 0, "type": "return_refund", "reason": "quality", "amount_fen": 100, "quantity": 0},
    {"line": 0, "type": "refund", "reason": "quality", "amount_fen": 100, "status": "refunded"},
])
def test_invalid_cases_are_422(api, shelf, body):
    order_id = shipped_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-07")
    status, error = api.call("post", f"/orders/{order_id}/after-sales", body, SHOPPER)
    assert (status, error["error"]["code"]) == (422, "validation_error")
    assert all_items() == []


def test_only_the_orders_shopper_opens_a_case(api, shelf):
    order_id = shipped_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-08")
    assert open_case(api, order_id, shopper=bearer("shopper", "u2"))[0] == 404
    assert open_case(api, order_id, shopper=MERCHANT)[0] == 403
    assert all_items() == []


# --- return and refund -------------------------------------------------------------------------

def test_returned_goods_go_back_to_stock_exactly_once(api, shelf):
    order_id = delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 2}], "as-key-09")
    assert stock(shelf["ac"]) == 8
    status, case = open_case(api, order_id, type="return_refund", amount_fen=2 * AC_PRICE)
    assert (status, case["quantity"]) == (201, 2)
    assert claim(order_id) == (2 * AC_PRICE, 2, case["case_id"])
    status, approved = act(api, case["case_id"], "approve")
    assert (status, approved["status"], approved["refunded_at"]) == (200, "awaiting_return",
                                                                    None)
    assert stock(shelf["ac"]) == 8  # nothing back before the merchant has the goods

    status, done = act(api, case["case_id"], "receive")
    assert (status, done["status"]) == (200, "refunded")
    assert done["returned_at"] is not None and done["refunded_at"] is not None
    assert stock(shelf["ac"]) == 10
    assert claim(order_id) == (2 * AC_PRICE, 2, None)
    (returned,) = events_of("after_sales_returned")
    assert returned.data["quantity"] == 2
    assert len(events_of("after_sales_refunded")) == 1

    status, error = act(api, case["case_id"], "receive")
    assert (status, error["error"]["code"]) == (409, "illegal_transition")
    assert stock(shelf["ac"]) == 10
    assert len(events_of("after_sales_returned")) == 1


def test_a_raced_second_receive_changes_nothing(api, shelf, monkeypatch):
    from chalicelib.store import after_sales as case_store

    order_id = delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-10")
    _, case = open_case(api, order_id, type="return_refund", amount_fen=AC_PRICE)
    act(api, case["case_id"], "approve")
    stale = case_store.get_case(case["case_id"])  # read by a second receive before the first
    assert act(api, case["case_id"], "receive")[0] == 200
    assert stock(shelf["ac"]) == 10
    monkeypatch.setattr(case_store, "get_case", lambda _case_id: stale)
    status, error = act(api, case["case_id"], "receive")
    assert (status, error["error"]["code"]) == (409, "case_state_changed")
    assert stock(shelf["ac"]) == 10
    assert len(events_of("after_sales_refunded")) == 1


def test_partial_returns_and_bundle_returns(api, shelf):
    order_id = delivered_order(api, [{"sku_id": shelf["mop_sku"], "quantity": 3},
                                     {"bundle_id": shelf["bundle"], "quantity": 2}], "as-key-11")
    mop_before, ac_before = stock(shelf["mop"]), stock(shelf["ac"])
    status, one = open_case(api, order_id, type="return_refund", amount_fen=199900, quantity=1)
    assert (status, one["quantity"]) == (201, 1)
    act(api, one["case_id"], "approve")
    act(api, one["case_id"], "receive")
    assert stock(shelf["mop"]) == mop_before + 1
    status, error = open_case(api, order_id, type="return_refund", amount_fen=100, quantity=3)
    assert (status, error["error"]["details"][0]["returnable_units"]) == (422, 2)

    status, bundle_case = open_case(api, order_id, line=1, type="return_refund",
                                    amount_fen=399900, quantity=1)
    assert status == 201
    assert bundle_case["product_ids"] == sorted([shelf["ac"], shelf["mop"]])
    act(api, bundle_case["case_id"], "approve")
    act(api, bundle_case["case_id"], "receive")
    assert (stock(shelf["ac"]), stock(shelf["mop"])) == (ac_before + 1, mop_before + 2)


# --- rejection, dispute and ruling -------------------------------------------------------------

def test_rejection_escalation_and_ops_ruling_for_the_shopper(api, shelf):
    order_id = delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-12")
    _, case = open_case(api, order_id, type="return_refund", amount_fen=AC_PRICE)
    case_id = case["case_id"]
    assert act(api, case_id, "reject", {})[0] == 422  # a rejection needs a reason
    status, rejected = act(api, case_id, "reject", {"reason": "人为损坏"})
    assert (status, rejected["status"], rejected["reject_reason"]) == (200, "rejected", "人为损坏")
    assert claim(order_id) == (0, 0, None)  # a rejected case no longer counts
    (event,) = events_of("after_sales_rejected")
    assert event.data["handling_ms"] >= 0

    assert act(api, case_id, "escalate", {"reason": "x"}, who=bearer("shopper", "u2"))[0] == 404
    status, disputed = act(api, case_id, "escalate", {"reason": "出厂就坏"}, who=SHOPPER)
    assert (status, disputed["status"]) == (200, "disputed")
    assert disputed["escalated_at"] is not None
    assert claim(order_id) == (AC_PRICE, 1, case_id)  # counts again while disputed
    (escalated,) = events_of("after_sales_escalated")
    assert escalated.data["waited_ms"] >= 0 and escalated.data["case_id"] == case_id

    ruling = {"seller_fault": True, "note": "质检报告显示出厂缺陷"}
    assert act(api, case_id, "rule", ruling, who=MERCHANT)[0] == 403
    assert act(api, case_id, "rule", ruling, who=SHOPPER)[0] == 403
    assert act(api, case_id, "rule", {"seller_fault": "yes", "note": "x"}, who=OPS)[0] == 422
    status, ruled = act(api, case_id, "rule", ruling, who=OPS)
    assert (status, ruled["status"], ruled["seller_fault"]) == (200, "awaiting_return", True)
    assert ruled["ruled_at"] is not None and ruled["ruling_note"] == "质检报告显示出厂缺陷"
    assert api.call("get", f"/after-sales/{case_id}", None, OPS) == (200, ruled)
    (event,) = events_of("after_sales_ruled")
    assert (event.data["seller_fault"], event.data["handling_ms"] >= 0) == (True, True)
    status, done = act(api, case_id, "receive")
    assert (status, done["status"]) == (200, "refunded")
    assert stock(shelf["ac"]) == 10


def test_a_ruling_against_the_shopper_closes_the_case_and_frees_the_line(api, shelf):
    order_id = shipped_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-13")
    _, case = open_case(api, order_id, amount_fen=AC_PRICE, reason="changed_mind")
    act(api, case["case_id"], "reject", {"reason": "已发货"})
    act(api, case["case_id"], "escalate", {"reason": "不想要了"}, who=SHOPPER)
    status, closed = act(api, case["case_id"], "rule",
                         {"seller_fault": False, "note": "非质量问题"}, who=OPS)
    assert (status, closed["status"], closed["seller_fault"]) == (200, "closed", False)
    assert closed["closed_at"] is not None and closed["refunded_at"] is None
    assert claim(order_id) == (0, 0, None)
    assert events_of("after_sales_refunded") == []
    status, again = open_case(api, order_id, amount_fen=AC_PRICE)
    assert status == 201, again


def test_a_seller_fault_ruling_on_a_refund_pays_at_once(api, shelf):
    order_id = shipped_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-14")
    _, case = open_case(api, order_id, amount_fen=5000)
    act(api, case["case_id"], "reject", {"reason": "no"})
    act(api, case["case_id"], "escalate", {"reason": "yes"}, who=SHOPPER)
    status, ruled = act(api, case["case_id"], "rule", {"seller_fault": True, "note": "ok"},
                        who=OPS)
    assert (status, ruled["status"]) == (200, "refunded")
    (refunded,) = events_of("after_sales_refunded")
    assert refunded.data["seller_fault"] is True


def test_escalating_after_a_new_case_took_the_line_is_409(api, shelf):
    order_id = shipped_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-15")
    _, old = open_case(api, order_id, amount_fen=AC_PRICE)
    act(api, old["case_id"], "reject", {"reason": "no"})
    status, new = open_case(api, order_id, amount_fen=AC_PRICE)
    assert status == 201
    status, error = act(api, old["case_id"], "escalate", {"reason": "again"}, who=SHOPPER)
    assert (status, error["error"]["code"]) == (409, "case_open")
    assert AfterSalesCaseModel.get(old["case_id"]).status == "rejected"
    assert claim(order_id) == (AC_PRICE, 0, new["case_id"])


@pytest.mark.parametrize(("setup", "action", "who"), [
    ([], "escalate", SHOPPER),
    ([], "rule", OPS),
    ([], "receive", MERCHANT),
    (["approve"], "approve", MERCHANT),
    (["approve"], "reject", MERCHANT),
    (["reject"], "approve", MERCHANT),
    (["reject"], "receive", MERCHANT),
])
def test_illegal_transitions_are_409_and_change_nothing(api, shelf, setup, action, who):
    order_id = delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-16")
    _, case = open_case(api, order_id, amount_fen=1000)
    for step in setup:
        assert act(api, case["case_id"], step, {"reason": "r"})[0] == 200
    before = AfterSalesCaseModel.get(case["case_id"]).attribute_values
    events_before = EventModel.count()
    body = {"seller_fault": True, "note": "n"} if action == "rule" else (
        {"reason": "r"} if action in ("reject", "escalate") else None)
    status, error = act(api, case["case_id"], action, body, who=who)
    assert (status, error["error"]["code"]) == (409, "illegal_transition")
    assert AfterSalesCaseModel.get(case["case_id"]).attribute_values == before
    assert EventModel.count() == events_before
    assert stock(shelf["ac"]) == 9


# --- reads -------------------------------------------------------------------------------------

def test_who_may_see_a_case(api, shelf):
    order_id = shipped_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "as-key-17")
    _, case = open_case(api, order_id)
    path = f"/after-sales/{case['case_id']}"
    for who, status in ((SHOPPER, 200), (MERCHANT, 200), (OPS, 200),
                        (bearer("shopper", "u2"), 404), (bearer("merchant", "m9"), 404),
                        (bearer("creator", "u1"), 404)):
        assert api.call("get", path, None, who)[0] == status, who
    assert api.call("get", "/after-sales/as-nope", None, OPS)[0] == 404
    assert act(api, case["case_id"], "approve", who=bearer("merchant", "m9"))[0] == 404
    assert act(api, case["case_id"], "approve", who=SHOPPER)[0] == 403
    assert AfterSalesCaseModel.get(case["case_id"]).status == "requested"


def test_shop_and_order_lists_filter_by_status_and_page(api, shelf):
    shop_id = shelf["shop"]["shop_id"]
    order_id = shipped_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1},
                                {"sku_id": shelf["ac_big"], "quantity": 1},
                                {"sku_id": shelf["mop_sku"], "quantity": 1}], "as-key-18")
    cases = [open_case(api, order_id, line=n, amount_fen=1000)[1]["case_id"] for n in range(3)]
    act(api, cases[0], "approve")

    with dynamodb_calls() as calls:
        status, page = api.call("get", f"/shops/{shop_id}/after-sales?limit=2", None, MERCHANT)
    assert status == 200
    assert calls == {"GetItem": 1, "Query": 1}
    assert [c["case_id"] for c in page["items"]] == [cases[2], cases[1]]
    _, rest = api.call("get", f"/shops/{shop_id}/after-sales?limit=2"
                       f"&cursor={page['next_cursor']}", None, MERCHANT)
    assert ([c["case_id"] for c in rest["items"]], rest["next_cursor"]) == ([cases[0]], None)
    _, refunded = api.call("get", f"/shops/{shop_id}/after-sales?status=refunded", None,
                           MERCHANT)
    assert [c["case_id"] for c in refunded["items"]] == [cases[0]]
    _, requested = api.call("get", f"/shops/{shop_id}/after-sales?status=requested", None,
                            MERCHANT)
    assert [c["case_id"] for c in requested["items"]] == [cases[2], cases[1]]
    assert api.call("get", f"/shops/{shop_id}/after-sales?status=lost", None, MERCHANT)[0] == 422
    assert api.call("get", f"/shops/{shop_id}/after-sales", None,
                    bearer("merchant", "m9"))[0] == 403
    assert api.call("get", f"/shops/{shop_id}/after-sales", None, SHOPPER)[0] == 403

    _, mine = api.call("get", f"/orders/{order_id}/after-sales", None, SHOPPER)
    assert [c["case_id"] for c in mine["items"]] == cases[::-1]
    assert api.call("get", f"/orders/{order_id}/after-sales", None,
                    bearer("shopper", "u2"))[0] == 404
