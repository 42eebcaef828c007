"""Customer-service sessions: reported once per session id, validated, with their event."""

import pytest

from chalicelib.store.events import EventModel
from chalicelib.store.service_sessions import ServiceSessionModel
from tests.support import bearer, dynamodb_calls

MERCHANT = bearer("merchant", "m1")
SESSION = {"session_id": "kf-20260101-0001", "buyer_id": "u1",
           "started_at": "2026-01-01T08:00:00Z", "first_reply_at": "2026-01-01T08:00:02Z",
           "human_reply_at": "2026-01-01T16:01:30+08:00", "resolved": True}


@pytest.fixture
def shop_id(api):
    return api.create_shop()["shop_id"]


def report(api, shop_id, body, who=MERCHANT):
    return api.call("post", f"/shops/{shop_id}/service-sessions", body, who)


def session_events():
    return [e for e in EventModel.scan() if e.type == "service_session"]


def test_a_session_is_stored_once_with_its_event(api, shop_id):
    body = SESSION  # human_reply_at is given at +08:00 and stored as UTC
    with dynamodb_calls() as calls:
        status, stored = report(api, shop_id, body)
    assert status == 201, stored
    assert calls == {"GetItem": 1, "TransactWriteItems": 1}
    assert stored == {
        "shop_id": shop_id, "session_id": "kf-20260101-0001", "buyer_id": "u1",
        "started_at": "2026-01-01T08:00:00.000Z", "first_reply_at": "2026-01-01T08:00:02.000Z",
        "human_reply_at": "2026-01-01T08:01:30.000Z", "first_reply_ms": 2000,
        "human_reply_ms": 90000, "resolved": True, "replied_within_3s": True,
        "replied_within_3min": True, "reported_at": stored["reported_at"]}
    item = ServiceSessionModel.get(shop_id, "kf-20260101-0001")
    assert (int(item.first_reply_ms), int(item.human_reply_ms), item.resolved) == (
        2000, 90000, True)
    (event,) = session_events()
    assert (event.shop_id, event.buyer_id, event.order_id) == (shop_id, "u1", None)
    assert event.at == 1767254400000  # dated when the chat started, not when it was reported
    assert event.data.as_dict() == {"session_id": "kf-20260101-0001", "first_reply_ms": 2000,
                                    "human_reply_ms": 90000, "resolved": True,
                                    "replied_within_3s": True, "replied_within_3min": True}

    # The service system retries (even with a changed body): the stored record, nothing written.
    with dynamodb_calls() as calls:
        status, again = report(api, shop_id, {**body, "resolved": False})
    assert (status, again) == (200, stored)
    assert "PutItem" not in calls and "UpdateItem" not in calls
    assert ServiceSessionModel.count(shop_id) == 1
    assert ServiceSessionModel.get(shop_id, "kf-20260101-0001").resolved is True
    assert len(session_events()) == 1


@pytest.mark.parametrize(("first", "human", "within_3s", "within_3min"), [
    ("2026-01-01T08:00:03Z", None, True, True),
    ("2026-01-01T08:00:04Z", None, False, True),
    ("2026-01-01T08:03:01Z", None, False, False),
    ("2026-01-01T08:00:01Z", "2026-01-01T08:03:00Z", True, True),
    ("2026-01-01T08:00:01Z", "2026-01-01T08:03:01Z", True, False),
])
def test_reply_thresholds(api, shop_id, first, human, within_3s, within_3min):
    body = {**SESSION, "first_reply_at": first, "human_reply_at": human}
    if human is None:
        del body["human_reply_at"]
    status, stored = report(api, shop_id, body)
    assert status == 201, stored
    assert (stored["replied_within_3s"], stored["replied_within_3min"]) == (within_3s,
                                                                            within_3min)
    (event,) = session_events()
    assert (event.data["replied_within_3s"], event.data["replied_within_3min"]) == (
        within_3s, within_3min)
    assert ("human_reply_ms" in event.data.as_dict()) == (human is not None)


@pytest.mark.parametrize(("change", "field"), [
    ({"first_reply_at": "2026-01-01T07:59:59Z"}, "first_reply_at"),
    ({"human_reply_at": "2026-01-01T08:00:01Z"}, "human_reply_at"),
    ({"first_reply_at": "2999-01-01T00:00:00Z", "human_reply_at": None}, "first_reply_at"),
    ({"started_at": "2026-01-01T08:00:00"}, "started_at"),  # no zone
    ({"started_at": "yesterday"}, "started_at"),
    ({"session_id": "k" * 81}, "session_id"),
    ({"session_id": ""}, "session_id"),
    ({"resolved": "true"}, "resolved"),
    ({"channel": "im"}, "channel"),
])
def test_invalid_reports_are_422_and_write_nothing(api, shop_id, change, field):
    status, error = report(api, shop_id, {**SESSION, **change})
    assert (status, error["error"]["code"]) == (422, "validation_error")
    assert error["error"]["details"][0]["field"] == field
    assert ServiceSessionModel.count(shop_id) == 0
    assert session_events() == []


def test_only_the_shops_merchant_reports(api, shop_id):
    assert report(api, shop_id, SESSION, bearer("merchant", "m9"))[0] == 403
    assert report(api, shop_id, SESSION, bearer("shopper", "u1"))[0] == 403
    assert report(api, "s-missing", SESSION)[0] == 404
    assert ServiceSessionModel.count(shop_id) == 0
    assert session_events() == []
