"""The lists that lead a newcomer to ids, on moto: a merchant's own shops (`GET /me/shops`), a
shop's and a creator's live sessions, a session's videos. Each is newest first, pages with a
signed cursor bound to its list, answers 403/404 to others, and costs one Query of an index
(+ one BatchGetItem where the index is keys only)."""

from __future__ import annotations

import pytest

from chalicelib.domain.clock import to_iso
from chalicelib.domain.live import NightTotals
from chalicelib.store import live as live_store
from tests.support import FROZEN_DAY, FROZEN_NOW, bearer, dynamodb_calls, product_body, sku

HOUR = 60 * 60 * 1000
UNKNOWN_SHOP = "s" + "0" * 20
UNKNOWN_LIVE = "lv" + "0" * 20


def merchant(sub="m1"):
    return bearer("merchant", sub)


def creator(sub="c1"):
    return bearer("creator", sub)


def shopper(sub="u1"):
    return bearer("shopper", sub)


def ops():
    return bearer("ops", "ops1")


def later(clock, hours=1) -> None:
    clock["now"] += hours * HOUR


def pages(api, path, headers=None, limit=2) -> list[dict]:
    """Every page of a list, following next_cursor; each page is asserted to be full but the
    last."""
    found, cursor = [], None
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        status, page = api.call("get", path + query, None, headers)
        assert status == 200, page
        found.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found
        assert len(page["items"]) == limit


def ids(items, name) -> list[str]:
    return [item[name] for item in items]


def error_of(response) -> tuple[int, str]:
    status, body = response
    return status, body["error"]["code"]


def start(api, headers, **body) -> dict:
    status, session = api.call("post", "/live-sessions", {"title": "上新专场", **body}, headers)
    assert status == 201, session
    return session


def end(api, live_id, headers=None) -> dict:
    status, session = api.call("post", f"/live-sessions/{live_id}/end", {},
                               headers or merchant())
    assert status == 200, session
    return session


@pytest.fixture
def world(api, frozen_clock):
    """m1 owns shop A (a tea) and, opened an hour later, shop B; m2 owns shop C."""
    shop_a = api.create_shop("m1", "茶铺")["shop_id"]
    tea = api.create_product(shop_a, product_body("龙井 250g", "茶叶", skus=[sku(5000, 500)]),
                             "m1")["product_id"]
    later(frozen_clock)
    shop_b = api.create_shop("m1", "茶具铺")["shop_id"]
    shop_c = api.create_shop("m2", "零食铺")["shop_id"]
    later(frozen_clock)
    return {"clock": frozen_clock, "shop_a": shop_a, "shop_b": shop_b, "shop_c": shop_c,
            "tea": tea}


# --- GET /me/shops -------------------------------------------------------------------------------

def test_a_merchant_lists_its_own_shops_newest_first_with_the_live_one_marked(api, world):
    session = start(api, merchant(), shop_id=world["shop_a"], products=[world["tea"]])
    with dynamodb_calls() as calls:
        status, page = api.call("get", "/me/shops", None, merchant())
    assert (status, calls) == (200, {"Query": 1, "BatchGetItem": 1})
    assert page["next_cursor"] is None
    newest, oldest = page["items"]
    assert (newest["shop_id"], newest["name"], newest["live_now"], newest["live_id"]) == (
        world["shop_b"], "茶具铺", False, None)
    assert (oldest["shop_id"], oldest["live_now"], oldest["live_id"]) == (
        world["shop_a"], True, session["live_id"])
    assert oldest["created_at"] == to_iso(FROZEN_NOW)
    assert set(oldest) >= {"logo_url", "follower_count", "scores"}  # the shop summary's

    assert ids(api.call("get", "/me/shops", None, merchant("m2"))[1]["items"],
               "shop_id") == [world["shop_c"]]


def test_my_shops_pages_with_a_cursor_bound_to_the_merchant(api, world):
    for name in ("三号店", "四号店", "五号店"):
        later(world["clock"])
        api.create_shop("m1", name)
    found = pages(api, "/me/shops", merchant())
    assert [ids(page, "name") for page in found] == [
        ["五号店", "四号店"], ["三号店", "茶具铺"], ["茶铺"]]

    _, first = api.call("get", "/me/shops?limit=2", None, merchant())
    stolen = f"/me/shops?limit=2&cursor={first['next_cursor']}"
    assert error_of(api.call("get", stolen, None, merchant("m2"))) == (400, "invalid_cursor")


def test_my_shops_is_a_merchant_s_and_checks_its_parameters(api, world):
    for headers in (shopper(), creator(), ops()):
        assert api.call("get", "/me/shops", None, headers)[0] == 403
    assert api.call("get", "/me/shops")[0] == 401
    for query in ("limit=0", "limit=101", "limit=x", "size=2"):
        assert api.call("get", f"/me/shops?{query}", None, merchant())[0] == 422, query
    assert len(api.call("get", "/me/shops?limit=100", None, merchant())[1]["items"]) == 2
    with dynamodb_calls() as calls:
        status, page = api.call("get", "/me/shops", None, merchant("m9"))
    assert (status, page, calls) == (200, {"items": [], "next_cursor": None}, {"Query": 1})


# --- GET /shops/{shop_id}/live-sessions and /creators/{creator_id}/live-sessions -------------

@pytest.fixture
def sessions(api, world):
    """Shop A streamed three times (the first two ended, an hour apart), creator c1 once."""
    clock, shop_ids = world["clock"], []
    for _ in range(3):
        shop_ids.append(start(api, merchant(), shop_id=world["shop_a"],
                              products=[world["tea"]])["live_id"])
        later(clock)
        if len(shop_ids) < 3:
            end(api, shop_ids[-1])
            later(clock)
    own = start(api, creator(), creator_id="c1", products=[world["tea"]])["live_id"]
    return {**world, "shop_sessions": shop_ids, "creator_session": own}


def test_a_shop_s_sessions_newest_first_with_their_figures(api, sessions):
    path = f"/shops/{sessions['shop_a']}/live-sessions"
    with dynamodb_calls() as calls:
        status, page = api.call("get", path, None, merchant())
    assert (status, calls) == (200, {"GetItem": 1, "Query": 1, "BatchGetItem": 1})
    assert ids(page["items"], "live_id") == sessions["shop_sessions"][::-1]
    running, last_ended, _ = page["items"]
    assert (running["status"], running["ended_at"], running["ended_by"]) == ("live", None, None)
    assert (last_ended["status"], last_ended["ended_by"], last_ended["gmv_fen"],
            last_ended["orders"], last_ended["products"]) == (
        "ended", "owner", 0, 0, [sessions["tea"]])
    assert last_ended["started_at"] == to_iso(FROZEN_NOW + 4 * HOUR)  # the world's 2 h + 2 h

    assert [ids(p, "live_id") for p in pages(api, path, merchant())] == [
        sessions["shop_sessions"][:0:-1], sessions["shop_sessions"][:1]]
    assert api.call("get", path, None, ops())[1]["items"] == page["items"]
    assert api.call("get", f"/shops/{sessions['shop_b']}/live-sessions", None,
                    merchant())[1] == {"items": [], "next_cursor": None}


def test_night_rows_are_not_sessions(api, sessions):
    """The index is sparse: only session items carry its key, a session's night rows do not."""
    first = sessions["shop_sessions"][0]
    live_store.put_night_rows(FROZEN_DAY, {first: (0, NightTotals(gmv_fen=500, orders=1))},
                              FROZEN_NOW)
    path = f"/shops/{sessions['shop_a']}/live-sessions?limit=3"
    status, page = api.call("get", path, None, merchant())
    assert (status, ids(page["items"], "live_id"), page["next_cursor"]) == (
        200, sessions["shop_sessions"][::-1], None)


def test_a_shop_s_sessions_are_its_merchant_s_and_ops(api, sessions):
    path = f"/shops/{sessions['shop_a']}/live-sessions"
    for headers in (merchant("m2"), creator(), shopper()):
        assert error_of(api.call("get", path, None, headers))[0] == 403
    for headers in (merchant(), ops()):
        assert error_of(api.call("get", f"/shops/{UNKNOWN_SHOP}/live-sessions", None,
                                 headers)) == (404, "shop_not_found")
    _, first = api.call("get", f"{path}?limit=1", None, merchant())
    other_list = f"/creators/c1/live-sessions?cursor={first['next_cursor']}"
    assert error_of(api.call("get", other_list, None, creator())) == (400, "invalid_cursor")
    assert api.call("get", f"{path}?limit=101", None, merchant())[0] == 422


def test_a_creator_s_sessions_are_its_own_and_ops(api, sessions):
    path = "/creators/c1/live-sessions"
    later(sessions["clock"])
    newer = start(api, creator(), creator_id="c1", products=[sessions["tea"]])
    with dynamodb_calls() as calls:
        status, page = api.call("get", path, None, creator())
    assert (status, calls) == (200, {"Query": 1, "BatchGetItem": 1})
    assert ids(page["items"], "live_id") == [newer["live_id"], sessions["creator_session"]]
    assert {item["creator_id"] for item in page["items"]} == {"c1"}
    assert "gmv_fen" in page["items"][0]  # the owner's view
    assert [ids(p, "live_id") for p in pages(api, path, creator(), limit=1)] == [
        [newer["live_id"]], [sessions["creator_session"]]]
    assert api.call("get", path, None, ops())[1]["items"] == page["items"]
    for headers in (creator("c2"), merchant(), shopper()):
        assert error_of(api.call("get", path, None, headers))[0] == 403
    assert api.call("get", "/creators/c2/live-sessions", None, creator("c2"))[1] == {
        "items": [], "next_cursor": None}


# --- GET /live-sessions/{live_id}/videos --------------------------------------------------------

def cut(api, session_id, tea, title, headers=None) -> str:
    body = {"title": title, "anchors": [tea], "live_id": session_id}
    status, clip = api.call("post", "/videos", body, headers or merchant())
    assert status == 201, clip
    return clip["video_id"]


def test_a_session_s_videos_newest_first_for_anyone(api, sessions):
    first, second = sessions["shop_sessions"][:2]
    clock, tea = sessions["clock"], sessions["tea"]
    clips = []
    for title in ("开场", "试饮", "返场"):
        clips.append(cut(api, first, tea, title))
        later(clock)
    cut(api, second, tea, "别场")  # another session's
    api.call("post", "/videos", {"title": "无关", "anchors": [tea]}, merchant())  # cut from none

    path = f"/live-sessions/{first}/videos"
    with dynamodb_calls() as calls:
        status, page = api.call("get", path)  # no token: public
    assert (status, calls) == (200, {"Query": 1})
    assert ids(page["items"], "video_id") == clips[::-1]
    assert (page["items"][0]["title"], page["items"][0]["live_id"],
            page["items"][0]["anchors"]) == ("返场", first, [tea])
    assert [ids(p, "title") for p in pages(api, path)] == [["返场", "试饮"], ["开场"]]
    _, one = api.call("get", f"{path}?limit=1")
    elsewhere = f"/live-sessions/{second}/videos?cursor={one['next_cursor']}"
    assert error_of(api.call("get", elsewhere)) == (400, "invalid_cursor")


def test_videos_of_a_session_without_any_or_of_no_session(api, sessions):
    with dynamodb_calls() as calls:
        status, page = api.call("get", f"/live-sessions/{sessions['creator_session']}/videos")
    assert (status, page) == (200, {"items": [], "next_cursor": None})
    assert calls == {"Query": 1, "GetItem": 1}  # the session is read only to tell it exists
    assert error_of(api.call("get", f"/live-sessions/{UNKNOWN_LIVE}/videos")) == (
        404, "live_not_found")
    assert api.call("get", f"/live-sessions/{UNKNOWN_LIVE}/videos?limit=0")[0] == 422
