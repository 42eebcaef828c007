"""The Chuanliu plan on moto: real orders through the API, the events stream pumped as Lambda
would, then the groups, traffic credits, boosts, recommendations and the brand's report."""

from __future__ import annotations

import itertools

import pytest

from chalicelib.domain import chuanliu as rules
from chalicelib.domain.chuanliu import DAY_MS, HOUR_MS
from chalicelib.domain.live import Video
from chalicelib.jobs import mall_feeds
from chalicelib.services import candidates as candidate_service
from chalicelib.services import chuanliu as chuanliu_service
from chalicelib.services import mall
from chalicelib.store import chuanliu as chuanliu_store
from chalicelib.store import feeds as feed_store
from chalicelib.store.chuanliu import ChuanliuModel
from chalicelib.store.videos import save_video
from tests.support import bearer, dynamodb_calls, product_body, pump_stream, sku

_KEYS = itertools.count()
BRAND_OWNER = "m-brand"


def distribution(creator: str) -> dict:
    return {"scene": "distribution", "creator_id": creator}


@pytest.fixture
def brand(api, frozen_clock):
    """A brand with three products (300, 200 and 100 yuan) and another shop's product."""
    shop = api.create_shop(BRAND_OWNER, "茗山茶舍旗舰店")["shop_id"]

    def product(shop_id, owner, title, price):
        body = product_body(title=title, category="茶叶", skus=[sku(price, 500, 规格="标准")])
        return api.create_product(shop_id, body, owner)["product_id"]

    other = api.create_shop("m-other", "别家茶庄")["shop_id"]
    return {"shop": shop, "tea": product(shop, BRAND_OWNER, "明前龙井 250g", 30_000),
            "cup": product(shop, BRAND_OWNER, "青瓷茶杯", 20_000),
            "pot": product(shop, BRAND_OWNER, "紫砂壶", 10_000),
            "other_shop": other, "other": product(other, "m-other", "普洱 357g", 30_000)}


def buy(api, buyer: str, product_id: str, source: dict | None = None, quantity: int = 1) -> str:
    """Checkout and pay (the signed callback): the ORDER_PAID event is written."""
    headers = {**bearer("shopper", buyer), "Idempotency-Key": f"chuanliu-{next(_KEYS):04d}"}
    body = {"items": [{"sku_id": f"{product_id}.0", "quantity": quantity}]}
    if source:
        body["source"] = source
    status, placed = api.call("post", "/orders", body, headers)
    assert status == 201, placed
    (order,) = placed["orders"]
    status, intent = api.call("post", f"/orders/{order['order_id']}/pay", None,
                              bearer("shopper", buyer))
    assert status == 200, intent
    simulator = intent["simulator"]
    status, paid = api.call("post", "/payments/callback", raw=simulator["callback_body"],
                            headers={"X-Signature": simulator["signature"]})
    assert (status, paid["status"]) == (200, "paid"), paid
    return order["order_id"]


def bought(api, *orders) -> None:
    """Place and pay each (buyer, product, source) then pump the stream once."""
    for order in orders:
        buy(api, *order)
    pump_stream()


def buyers(shop_id: str, held_out: bool, n: int, prefix: str) -> list[str]:
    """n buyer ids that are (or are not) in the shop's holdout."""
    found = (f"{prefix}{k}" for k in itertools.count())
    return list(itertools.islice(
        (b for b in found if rules.in_holdout(shop_id, b) == held_out), n))


def credits(api, creator: str, **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    status, body = api.call("get", f"/creators/{creator}/traffic-credits?{query}", None,
                            bearer("creator", creator))
    assert status == 200, body
    return body


def report(api, shop_id: str) -> dict:
    status, body = api.call("get", f"/shops/{shop_id}/reports/chuanliu", None,
                            bearer("merchant", BRAND_OWNER))
    assert status == 200, body
    return body


def table_state() -> dict:
    return {(m.pk, m.sk): m.attribute_values for m in ChuanliuModel.scan()}


@pytest.fixture
def rules_of(monkeypatch):
    """Set λ and the pool cap the handler reads."""
    def apply(lambda_bps: int = 500, cap: int = 10_000) -> None:
        monkeypatch.setattr(chuanliu_service, "credit_rules",
                            lambda: chuanliu_service.CreditRules(lambda_bps, cap))
    return apply


# --- the group ---------------------------------------------------------------------------------

def test_a_first_order_through_a_creator_joins_the_group_and_a_later_creator_changes_nothing(
        api, brand, frozen_clock):
    [member] = buyers(brand["shop"], False, 1, "u")
    bought(api, (member, brand["tea"], distribution("c1")))
    joined = chuanliu_store.get_membership(brand["shop"], member)
    assert (joined.member, joined.creator_id, joined.holdout) == (True, "c1", False)
    frozen_clock["now"] += HOUR_MS
    bought(api, (member, brand["cup"], distribution("c2")))  # a second "first order"
    assert chuanliu_store.get_membership(brand["shop"], member) == joined
    assert credits(api, "c2")["items"] == []
    assert [i["due_credits"] for i in credits(api, "c1")["items"]] == [10, 15]
    # a first order no creator brought: never a member, whatever comes later
    bought(api, ("walk-in", brand["tea"], {"scene": "mall"}))
    frozen_clock["now"] += HOUR_MS  # paid later: within one millisecond the stream's order
    bought(api, ("walk-in", brand["tea"], distribution("c1")))  # of two orders is arbitrary
    assert chuanliu_store.get_membership(brand["shop"], "walk-in").member is False
    # a creator buying through its own link brings nobody
    bought(api, ("c9", brand["tea"], distribution("c9")))
    assert chuanliu_store.get_membership(brand["shop"], "c9").member is False
    # joining one brand is not joining another
    assert chuanliu_store.get_membership(brand["other_shop"], member) is None
    body = report(api, brand["shop"])
    assert (body["group_size"], body["holdout_size"]) == (1, 0)


# --- traffic credits ---------------------------------------------------------------------------

def test_credits_accrue_for_30_days_after_joining_and_a_replayed_stream_adds_nothing(
        api, brand, frozen_clock):
    start = frozen_clock["now"]
    [member] = buyers(brand["shop"], False, 1, "u")
    bought(api, (member, brand["tea"], distribution("c1")))  # 300 yuan → 15
    frozen_clock["now"] = start + 10 * DAY_MS
    bought(api, (member, brand["pot"], {"scene": "storefront"}, 3))  # 300 yuan → 15
    frozen_clock["now"] = start + 30 * DAY_MS + HOUR_MS  # past the window (its payment later)
    bought(api, (member, brand["tea"], {"scene": "storefront"}))
    body = credits(api, "c1")
    assert (body["balance"], body["issued"], body["spent"]) == (30, 30, 0)
    assert [(i["kind"], i["credits"], i["shop_id"]) for i in body["items"]] == [
        ("accrual", 15, brand["shop"])] * 2
    assert body["items"][0]["at"] > body["items"][1]["at"]  # newest first
    before = table_state()
    pump_stream()  # every record delivered again
    assert table_state() == before
    assert credits(api, "c1") == body
    assert report(api, brand["shop"])["credits_issued"] == 30


def test_the_credits_page_is_the_creators_own_and_pages_with_a_cursor(api, brand):
    members = buyers(brand["shop"], False, 3, "u")
    bought(api, *[(m, brand["tea"], distribution("c1")) for m in members])
    first = credits(api, "c1", limit=2)
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = credits(api, "c1", limit=2, cursor=first["next_cursor"])
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    ids = [i["entry_id"] for i in first["items"] + rest["items"]]
    assert len(set(ids)) == 3
    for headers in (bearer("creator", "c2"), bearer("shopper", "c1"),
                    bearer("merchant", BRAND_OWNER)):
        status, error = api.call("get", "/creators/c1/traffic-credits", None, headers)
        assert status == 403, error
    tampered = f"/creators/c1/traffic-credits?cursor={first['next_cursor']}x"
    status, error = api.call("get", tampered, None, bearer("creator", "c1"))
    assert (status, error["error"]["code"]) == (400, "invalid_cursor")


def test_the_pool_caps_credits_per_brand_and_month_and_pays_in_part(api, brand, frozen_clock,
                                                                    rules_of):
    rules_of(cap=20)
    start = frozen_clock["now"]  # 1 December
    frozen_clock["now"] = start - 5 * DAY_MS  # November: its own pool
    a, b, c = buyers(brand["shop"], False, 3, "u")
    bought(api, (a, brand["tea"], distribution("c1")))  # due 15, paid 15 (Nov)
    frozen_clock["now"] = start
    bought(api, (b, brand["tea"], distribution("c1")),   # due 15 → 15 (Dec)
           (c, brand["tea"], distribution("c2")))        # due 15 → 5, in part
    bought(api, (a, brand["tea"], {"scene": "storefront"}))  # due 15 → 0, the pool is spent
    one, two = credits(api, "c1"), credits(api, "c2")
    assert one["balance"] + two["balance"] == 15 + 20
    dues = sorted((i["due_credits"], i["credits"]) for i in one["items"] + two["items"])
    assert dues == [(15, 0), (15, 5), (15, 15), (15, 15)]
    assert chuanliu_store.pool_issued(brand["shop"], "2026-11") == 15
    assert chuanliu_store.pool_issued(brand["shop"], "2026-12") == 20
    body = report(api, brand["shop"])
    assert body["credits_issued"] == 35
    assert body["pool"] == {"month": "2026-12", "cap": 20, "issued": 20}


# --- boosts ------------------------------------------------------------------------------------

@pytest.fixture
def rich_creator(api, brand, rules_of, frozen_clock):
    """c1 brought a buyer whose 300-yuan order earned 300 credits (λ = 100 %); c1's video
    anchors the brand's 紫砂壶 and 青瓷茶杯, c2 has a video too."""
    rules_of(lambda_bps=10_000)
    [member] = buyers(brand["shop"], False, 1, "u")
    bought(api, (member, brand["tea"], distribution("c1")))
    now = frozen_clock["now"]
    save_video(Video("v-c1", "开箱", "c1", None, [brand["pot"], brand["cup"]], None, None, now))
    save_video(Video("v-c2", "测评", "c2", None, [brand["tea"]], None, None, now))
    return member


def boost(api, video_id: str, amount, creator: str = "c1"):
    return api.call("post", f"/videos/{video_id}/boost", {"credits": amount},
                    bearer("creator", creator))


def test_a_boost_spends_credits_and_boosts_the_videos_anchored_products(
        api, brand, rich_creator, frozen_clock):
    now = frozen_clock["now"]
    status, body = boost(api, "v-c1", 48)
    assert status == 201, body
    assert (body["credits"], body["balance"]) == (48, 252)
    assert body["product_ids"] == [brand["pot"], brand["cup"]]
    assert body["takes_effect"] == "at the next feed rebuild"
    assert chuanliu_store.read_boosts().boosts == {brand["pot"]: now + 48 * HOUR_MS,
                                                   brand["cup"]: now + 48 * HOUR_MS}
    page = credits(api, "c1")
    assert (page["balance"], page["issued"], page["spent"]) == (252, 300, 48)
    spend = page["items"][0]
    assert (spend["kind"], spend["credits"], spend["video_id"]) == ("spend", -48, "v-c1")
    # another boost extends the running one
    frozen_clock["now"] = now + HOUR_MS
    assert boost(api, "v-c1", 24)[0] == 201
    assert chuanliu_store.read_boosts().boosts[brand["pot"]] == now + 72 * HOUR_MS


def test_a_boost_is_refused_without_credits_past_the_cap_or_on_someone_elses_video(
        api, brand, rich_creator):
    before = table_state()
    status, error = boost(api, "v-c1", 168)
    assert status == 201, error  # 132 left
    status, error = boost(api, "v-c1", 24)  # 7 days from now already: no more
    assert (status, error["error"]["code"]) == (422, "boost_too_long")
    after_first = table_state()
    assert boost(api, "v-c2", 24, "c1")[0] == 403  # not c1's video
    assert boost(api, "v-none", 24)[0] == 404
    status, error = boost(api, "v-c2", 24, "c2")  # c2 has no credits
    assert (status, error["error"]["code"]) == (409, "insufficient_credits")
    assert boost(api, "v-c1", 10)[0] == 422  # under the 24-credit minimum
    assert boost(api, "v-c1", "24")[0] == 422
    status, _ = api.call("post", "/videos/v-c1/boost", {"credits": 24},
                         bearer("merchant", BRAND_OWNER))
    assert status == 403
    assert table_state() == after_first  # refusals write nothing
    assert len(after_first) == len(before) + 2  # the spend entry and the boost list


def test_a_boost_takes_effect_in_the_mall_feed_at_the_next_rebuild(api, brand, rich_creator,
                                                                    frozen_clock):
    feed_store.register_categories({"茶叶"})

    def feed_order():
        mall_feeds.build_category_feed(None, "茶叶")
        head = feed_store.read_head(feed_store.category_feed("茶叶"))
        return [entry.product_id for entry in head.entries]

    before = feed_order()
    assert before.index(brand["pot"]) > before.index(brand["tea"])
    assert boost(api, "v-c1", 24)[0] == 201
    assert feed_order().index(brand["pot"]) < feed_order().index(brand["tea"])
    frozen_clock["now"] += 25 * HOUR_MS  # the boost has ended by the next rebuild
    assert feed_order() == before


# --- recommendations ---------------------------------------------------------------------------

def recommended(api, shopper: str) -> list[tuple[str, str]]:
    mall._heads.clear()
    status, body = api.call("get", "/recommendations?limit=20", None, bearer("shopper", shopper))
    assert status == 200, body
    return [(item["product_id"], item["reason"]) for item in body["items"]]


@pytest.fixture
def group(api, brand):
    """A member outside the holdout who follows the other shop, and a held-out member."""
    [member] = buyers(brand["shop"], False, 1, "u")
    [held] = buyers(brand["shop"], True, 1, "h")
    bought(api, (member, brand["tea"], distribution("c1")),
           (held, brand["tea"], distribution("c1")))
    assert api.call("put", f"/shops/{brand['other_shop']}/follow", None,
                    bearer("shopper", member))[0] == 200
    return member, held


def test_a_members_recommendations_carry_the_brand_right_after_followed_shop(api, brand, group):
    member, _ = group
    assert candidate_service.refresh_candidates(member) == "written"
    items = recommended(api, member)
    reasons = [reason for _, reason in items]
    assert reasons[0] == "followed_shop" and items[0][0] == brand["other"]
    chuanliu = [pid for pid, reason in items if reason == "chuanliu"]
    assert set(chuanliu) == {brand["cup"], brand["pot"]}  # the tea they bought is not again
    assert reasons.index("chuanliu") == reasons.index("followed_shop") + 1
    with dynamodb_calls() as calls:
        recommended(api, member)
    assert calls.total <= 2


def test_a_held_out_member_and_a_member_who_turned_personalisation_off_get_none(
        api, brand, group):
    member, held = group
    candidate_service.refresh_candidates(held)
    assert "chuanliu" not in {reason for _, reason in recommended(api, held)}
    assert chuanliu_store.targeted_brands(held, 5) == []
    assert chuanliu_store.targeted_brands(member, 5) == [brand["shop"]]
    assert api.call("put", "/me/preferences", {"personalized": False},
                    bearer("shopper", member))[0] == 200
    assert candidate_service.refresh_candidates(member) in ("off", "deleted")
    assert {reason for _, reason in recommended(api, member)} <= {"popular"}
    assert candidate_service.candidates_of(member) == []


def test_a_membership_costs_the_candidates_job_one_query(api, brand, group):
    member, _ = group
    cache = candidate_service.RunCache()
    candidate_service.refresh_candidates(member, cache=cache)
    with dynamodb_calls() as calls:
        assert candidate_service.refresh_candidates(member, cache=cache) == "unchanged"
    with dynamodb_calls() as without:
        candidate_service.refresh_candidates("nobody", cache=cache)
    # a run shares the brand's products and the boost list: a member then costs what a
    # shopper in no group does (everyone's list takes the one Query of their groups)
    assert (calls["Query"], calls["BatchGetItem"]) == (without["Query"],
                                                       without["BatchGetItem"])


# --- the report --------------------------------------------------------------------------------

def test_the_report_counts_the_group_against_its_holdout(api, brand, frozen_clock):
    t1, t2, t3 = buyers(brand["shop"], False, 3, "t")
    [h1] = buyers(brand["shop"], True, 1, "h")
    bought(api, *[(b, brand["tea"], distribution("c1")) for b in (t1, t2, t3, h1)])
    frozen_clock["now"] += DAY_MS
    bought(api,
           (t1, brand["cup"], {"scene": "storefront"}),            # 20,000 brand
           (t2, brand["pot"], {"scene": "recommendation"}),        # 10,000 brand
           (t3, brand["tea"], {"scene": "live"}),                  # 30,000 self-broadcast
           (t3, brand["cup"], {"scene": "mall"}),                  # the mall: not the brand's
           (t1, brand["pot"], {"scene": "live", "live_id": "l-1",
                               "creator_id": "c-streamer"}),       # a creator's stream
           (h1, brand["pot"], {"scene": "storefront"}, 2),         # 20,000 holdout
           ("stranger", brand["tea"], {"scene": "storefront"}))    # not a member
    with dynamodb_calls() as calls:
        body = report(api, brand["shop"])
    assert calls.total == 2  # the shop (ownership), then one BatchGetItem of the counters
    assert body == {
        "shop_id": brand["shop"], "group_size": 4, "holdout_size": 1, "treated_size": 3,
        "group_gmv_fen": 80_000, "treated_gmv_fen": 60_000, "holdout_gmv_fen": 20_000,
        "gmv_per_buyer_fen": {"treated": 20_000, "holdout": 20_000},
        "increment_pct": 0.0,
        # 4 × 15 joining + 10 + 5 + 15 + 10 + 5 + 10: every order of a member in 30 days
        "credits_issued": 60 + 55,
        "pool": {"month": "2026-12", "cap": 10_000, "issued": 115},
    }
    bought(api, (t2, brand["tea"], {"scene": "storefront"}))  # +30,000 treated
    body = report(api, brand["shop"])
    assert body["gmv_per_buyer_fen"] == {"treated": 30_000, "holdout": 20_000}
    assert (body["increment_pct"], body["credits_issued"]) == (50.0, 130)


def test_the_report_is_the_owners_and_null_without_a_holdout(api, brand):
    [member] = buyers(brand["shop"], False, 1, "u")
    bought(api, (member, brand["tea"], distribution("c1")))
    body = report(api, brand["shop"])
    assert (body["group_size"], body["holdout_size"], body["increment_pct"]) == (1, 0, None)
    assert body["gmv_per_buyer_fen"] == {"treated": 0, "holdout": None}
    for headers in (bearer("merchant", "m-other"), bearer("shopper", member),
                    bearer("creator", "c1")):
        assert api.call("get", f"/shops/{brand['shop']}/reports/chuanliu", None,
                        headers)[0] == 403
    assert api.call("get", "/shops/s-nope/reports/chuanliu", None,
                    bearer("merchant", BRAND_OWNER))[0] == 404
