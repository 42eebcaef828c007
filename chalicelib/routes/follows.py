"""Shopper follows and preferences. Thin: parse → service → response."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, principal_from_headers
from chalicelib.routes._http import json_response, parse_body, parse_query, route

follows_api = Blueprint(__name__)
SHOPPER = (Role.SHOPPER,)


def _principal():
    return principal_from_headers(follows_api.current_request.headers)


@route(follows_api, "/shops/{shop_id}/follow", methods=("PUT",), auth=SHOPPER,
       response="responses.FollowState")
def follow_shop(shop_id):
    from chalicelib.schemas.follow_views import follow_state
    from chalicelib.services import follows

    return json_response(follow_state(shop_id, follows.follow(_principal(), shop_id)))


@route(follows_api, "/shops/{shop_id}/follow", methods=("DELETE",), auth=SHOPPER,
       response="responses.FollowState")
def unfollow_shop(shop_id):
    from chalicelib.schemas.follow_views import follow_state
    from chalicelib.services import follows

    follows.unfollow(_principal(), shop_id)
    return json_response(follow_state(shop_id, None))


@route(follows_api, "/me/follows", auth=SHOPPER, query="queries.ListParams",
       response="responses.FollowPage")
def my_follows():
    from chalicelib.schemas.follow_views import follow_item
    from chalicelib.services import follows

    principal = _principal()
    params = parse_query(follows_api.current_request)
    page, next_cursor = follows.my_follows(principal, params.limit, params.cursor)
    return json_response({"items": [follow_item(edge, shop) for edge, shop in page],
                          "next_cursor": next_cursor})


@route(follows_api, "/me/preferences", auth=SHOPPER, response="responses.Preferences")
def get_preferences():
    from chalicelib.schemas.follow_views import preferences_view
    from chalicelib.services import follows

    return json_response(preferences_view(follows.get_personalized(_principal())))


@route(follows_api, "/me/preferences", methods=("PUT",), auth=SHOPPER,
       body="follows.PreferencesPut", response="responses.Preferences")
def put_preferences():
    from chalicelib.schemas.follow_views import preferences_view
    from chalicelib.services import follows

    principal = _principal()
    body = parse_body(follows_api.current_request)  # pydantic loads with a body
    return json_response(preferences_view(follows.set_personalized(principal,
                                                                   body.personalized)))
