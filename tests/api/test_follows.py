"""Follows: idempotent follow/unfollow, the stream-fed follower count on the storefront header,
the follows list with its cursor, and the personalisation switch."""

import pytest

from chalicelib.domain.clock import to_iso
from chalicelib.jobs import events as event_jobs
from chalicelib.services import follows as follow_service
from chalicelib.store import follows as follow_store
from chalicelib.store import shops as shop_store
from chalicelib.store.base import batch_get_items
from chalicelib.store.events import EventModel
from chalicelib.store.follows import FollowModel
from tests.support import FROZEN_NOW, bearer, dynamodb_calls, pump_stream, stream_record


def shopper(sub="u1"):
    return bearer("shopper", sub)


def follow(api, shop_id, sub="u1"):
    return api.call("put", f"/shops/{shop_id}/follow", headers=shopper(sub))


def unfollow(api, shop_id, sub="u1"):
    return api.call("delete", f"/shops/{shop_id}/follow", headers=shopper(sub))


def header_count(api, shop_id):
    status, front = api.call("get", f"/shops/{shop_id}/storefront")
    assert status == 200, front
    return front["shop"]["follower_count"]


def stored_count(shop_id):
    return int(shop_store.ShopModel.get(shop_id).follower_count)


@pytest.fixture
def shop_id(api):
    return api.create_shop()["shop_id"]


def test_follow_is_idempotent_and_answers_the_same_body(api, shop_id, frozen_clock):
    status, first = follow(api, shop_id)
    assert status == 200
    assert first == {"shop_id": shop_id, "following": True, "followed_at": to_iso(FROZEN_NOW)}
    frozen_clock["now"] += 60_000
    with dynamodb_calls() as calls:
        status, again = follow(api, shop_id)
    assert (status, again) == (200, first)
    assert dict(calls) == {"BatchGetItem": 1}  # nothing written the second time
    assert EventModel.count() == 1
    assert [m.target for m in FollowModel.query("u1")] == [f"shop#{shop_id}"]


def test_unfollow_is_idempotent(api, shop_id):
    gone = {"shop_id": shop_id, "following": False, "followed_at": None}
    assert unfollow(api, shop_id) == (200, gone)  # never followed: nothing to do
    assert EventModel.count() == 0
    follow(api, shop_id)
    assert unfollow(api, shop_id) == (200, gone)
    assert unfollow(api, shop_id) == (200, gone)
    assert EventModel.count() == 2  # one follow, one unfollow
    assert list(FollowModel.query("u1")) == []


def test_a_follow_is_one_read_and_one_transaction(api, shop_id):
    with dynamodb_calls() as calls:
        status, _ = follow(api, shop_id)
    assert status == 200
    assert dict(calls) == {"BatchGetItem": 1, "TransactWriteItems": 1}
    with dynamodb_calls() as calls:
        status, _ = unfollow(api, shop_id)
    assert status == 200
    assert dict(calls) == {"BatchGetItem": 1, "TransactWriteItems": 1}


def test_follower_count_comes_from_the_stream_and_replays_add_nothing(api, shop_id):
    for sub in ("u1", "u2", "u3"):
        follow(api, shop_id, sub)
    follow(api, shop_id, "u1")  # again: no second event
    assert header_count(api, shop_id) == 0  # the consumer has not run yet
    pump_stream()
    assert header_count(api, shop_id) == 3
    unfollow(api, shop_id, "u2")
    pump_stream()  # replays the three follows too: they were counted already
    pump_stream()
    assert header_count(api, shop_id) == 2
    assert stored_count(shop_id) == 2


def test_follow_then_immediate_unfollow_converges_in_any_delivery_order(api, shop_id):
    follow(api, shop_id, "u1")
    follow(api, shop_id, "u2")
    unfollow(api, shop_id, "u2")
    follow(api, shop_id, "u2")
    unfollow(api, shop_id, "u2")
    events = sorted(EventModel.scan(), key=lambda event: event.event_id)
    assert [e.type for e in events] == ["shop_followed", "shop_followed", "shop_unfollowed",
                                        "shop_followed", "shop_unfollowed"]
    # Different stream shards: both unfollows arrive first, then everything (a replay of them)
    # backwards, then the whole stream again.
    records = [stream_record(event, n) for n, event in enumerate(events)]
    unfollows = [records[2], records[4]]
    assert event_jobs.handle_stream_batch({"Records": unfollows}) == {"batchItemFailures": []}
    assert stored_count(shop_id) == -2
    assert header_count(api, shop_id) == 0  # below zero in storage for a moment, floored on read
    assert event_jobs.handle_stream_batch({"Records": records[::-1]}) == {
        "batchItemFailures": []}
    pump_stream()
    assert stored_count(shop_id) == 1
    assert header_count(api, shop_id) == 1


def test_count_follow_reports_a_replay(api, shop_id):
    follow(api, shop_id)
    event = event_jobs.to_domain(next(iter(EventModel.scan())))
    assert follow_service.count_follow(event) is True
    assert follow_service.count_follow(event) is False
    assert stored_count(shop_id) == 1


def test_my_follows_pages_newest_first_with_a_cursor(api, frozen_clock):
    shops = [api.create_shop(sub=f"m{n}", name=f"店铺{n}") for n in range(5)]
    for n, shop in enumerate(shops):
        frozen_clock["now"] = FROZEN_NOW + n * 1000
        follow(api, shop["shop_id"])
    follow(api, shops[0]["shop_id"], "u2")  # another shopper's follows stay out of u1's list
    with dynamodb_calls() as calls:
        status, page = api.call("get", "/me/follows?limit=2", headers=shopper())
    assert status == 200
    assert dict(calls) == {"Query": 1, "BatchGetItem": 1}
    seen = page["items"]
    assert seen[0] == {"shop_id": shops[4]["shop_id"], "name": "店铺4", "logo_url": None,
                       "followed_at": to_iso(FROZEN_NOW + 4000)}
    while page["next_cursor"]:
        status, page = api.call("get", f"/me/follows?limit=2&cursor={page['next_cursor']}",
                                headers=shopper())
        assert status == 200
        seen += page["items"]
    assert [item["name"] for item in seen] == ["店铺4", "店铺3", "店铺2", "店铺1", "店铺0"]
    assert follow_store.followed_shop_ids("u1") == [s["shop_id"] for s in reversed(shops)]


def test_a_cursor_is_bound_to_its_shopper(api, frozen_clock):
    for n in range(3):
        frozen_clock["now"] = FROZEN_NOW + n
        follow(api, api.create_shop(sub=f"m{n}", name=f"店{n}")["shop_id"])
    _, page = api.call("get", "/me/follows?limit=1", headers=shopper())
    status, error = api.call("get", f"/me/follows?cursor={page['next_cursor']}",
                             headers=shopper("u2"))
    assert status == 400 and error["error"]["code"] == "invalid_cursor"


def test_only_shoppers_follow_and_unknown_shops_are_404(api, shop_id):
    for role in ("merchant", "creator", "ops"):
        headers = bearer(role, "x1")
        assert api.call("put", f"/shops/{shop_id}/follow", headers=headers)[0] == 403
        assert api.call("delete", f"/shops/{shop_id}/follow", headers=headers)[0] == 403
        assert api.call("get", "/me/follows", headers=headers)[0] == 403
        assert api.call("get", "/me/preferences", headers=headers)[0] == 403
    assert api.call("put", f"/shops/{shop_id}/follow")[0] == 401
    status, error = follow(api, "s" + "0" * 20)
    assert status == 404 and error["error"]["code"] == "shop_not_found"
    assert unfollow(api, "s" + "0" * 20)[0] == 404
    assert EventModel.count() == 0


def test_preferences_round_trip_and_are_readable_in_a_shared_batch(api):
    assert api.call("get", "/me/preferences", headers=shopper()) == (200, {"personalized": True})
    table, key = follow_store.preferences_key("u1")
    assert follow_store.personalized_from(None) is True
    assert api.call("put", "/me/preferences", {"personalized": False}, shopper()) == (
        200, {"personalized": False})
    assert api.call("get", "/me/preferences", headers=shopper()) == (200, {"personalized": False})
    assert api.call("get", "/me/preferences", headers=shopper("u2"))[1] == {"personalized": True}
    raw = batch_get_items({table: {"Keys": [key]}})[table]
    assert follow_store.personalized_from(raw[0]) is False
    assert follow_store.followed_shop_ids("u1") == []  # the settings item is not a follow


@pytest.mark.parametrize("body", [{}, {"personalized": "no"}, {"personalized": 0},
                                  {"personalized": True, "extra": 1}])
def test_bad_preferences_are_422(api, body):
    status, error = api.call("put", "/me/preferences", body, shopper())
    assert status == 422 and error["error"]["code"] == "validation_error"
    assert api.call("get", "/me/preferences", headers=shopper())[1] == {"personalized": True}


def test_load_follows_sets_true_counts(api):
    first, second, empty = (api.create_shop(sub=f"m{n}")["shop_id"] for n in range(3))
    shop_store.ShopModel(empty).update(actions=[shop_store.ShopModel.follower_count.set(99)])
    edges = [(f"u{n}", first, FROZEN_NOW + n) for n in range(30)]
    edges += [("u1", second, FROZEN_NOW), ("u1", second, FROZEN_NOW + 5)]  # one edge, twice
    assert follow_store.load_follows(edges, shop_ids=[empty]) == 31
    assert (header_count(api, first), header_count(api, second), header_count(api, empty)) == (
        30, 1, 0)
    assert follow_store.followed_shop_ids("u1") == [second, first]
    assert EventModel.count() == 0  # no events: the stream must not count them again
    follow(api, first, "u100")
    pump_stream()
    assert header_count(api, first) == 31
    with pytest.raises(ValueError):
        follow_store.load_follows([("u1", "s" + "0" * 20, FROZEN_NOW)])
