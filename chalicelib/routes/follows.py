"""Shopper follows and preferences. Thin: parse → service → response."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import principal_from_headers
from chalicelib.routes._http import json_response, limit_param, parse_body, query_params, route
from chalicelib.schemas.follow_views import follow_item, follow_state, preferences_view
from chalicelib.services import follows

follows_api = Blueprint(__name__)


def _principal():
    return principal_from_headers(follows_api.current_request.headers)


@route(follows_api, "/shops/{shop_id}/follow", methods=("PUT",))
def follow_shop(shop_id):
    return json_response(follow_state(shop_id, follows.follow(_principal(), shop_id)))


@route(follows_api, "/shops/{shop_id}/follow", methods=("DELETE",))
def unfollow_shop(shop_id):
    follows.unfollow(_principal(), shop_id)
    return json_response(follow_state(shop_id, None))


@route(follows_api, "/me/follows")
def my_follows():
    params = query_params(follows_api.current_request)
    page, next_cursor = follows.my_follows(_principal(), limit_param(params.get("limit")),
                                           params.get("cursor"))
    return json_response({"items": [follow_item(edge, shop) for edge, shop in page],
                          "next_cursor": next_cursor})


@route(follows_api, "/me/preferences")
def get_preferences():
    return json_response(preferences_view(follows.get_personalized(_principal())))


@route(follows_api, "/me/preferences", methods=("PUT",))
def put_preferences():
    from chalicelib.schemas.follows import PreferencesPut  # pydantic loads with a body

    principal = _principal()
    body = parse_body(follows_api.current_request, PreferencesPut)
    return json_response(preferences_view(follows.set_personalized(principal,
                                                                   body.personalized)))
