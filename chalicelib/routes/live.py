"""Live sessions, short videos and the post-stream reports. Thin: parse → service → response.

Request models and the services load with the first request that needs them, not at cold
start."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, optional_principal, principal_from_headers
from chalicelib.routes._http import json_response, parse_body, parse_query, route

live_api = Blueprint(__name__)
STREAMERS = (Role.MERCHANT, Role.CREATOR)  # a shop's merchant or a creator
OWNERS = (Role.MERCHANT, Role.CREATOR, Role.OPS)  # the session's, or ops


def _principal():
    return principal_from_headers(live_api.current_request.headers)


def _page_params():
    """`limit` (1..100, default 20) and `cursor` of a list route (search.PageParams)."""
    return parse_query(live_api.current_request)


def _page(items: list[dict], next_cursor: str | None):
    return json_response({"items": items, "next_cursor": next_cursor})


@route(live_api, "/live-sessions", methods=("POST",), auth=STREAMERS,
       body="live.LiveSessionCreate", response="responses.LiveSession", status=201)
def create_live_session():
    from chalicelib.schemas.live_views import session_view
    from chalicelib.services import live

    principal = _principal()
    request = parse_body(live_api.current_request)
    return json_response(session_view(live.create_session(principal, request), True), 201)


@route(live_api, "/live-sessions/{live_id}", auth="optional", response="responses.LiveSession")
def get_live_session(live_id):
    from chalicelib.schemas.live_views import session_view
    from chalicelib.services import live

    principal = optional_principal(live_api.current_request.headers)
    session = live.get_session(live_id)
    return json_response(session_view(session, live.sees_figures(principal, session)))


@route(live_api, "/shops/{shop_id}/live-sessions", auth=(Role.MERCHANT, Role.OPS),
       query="search.PageParams", response="responses.LiveSessionPage")
def shop_live_sessions(shop_id):
    from chalicelib.schemas.live_views import session_view
    from chalicelib.services import live

    principal, params = _principal(), _page_params()
    sessions, next_cursor = live.shop_sessions(principal, shop_id, params.limit, params.cursor)
    return _page([session_view(session, True) for session in sessions], next_cursor)


@route(live_api, "/creators/{creator_id}/live-sessions", auth=(Role.CREATOR, Role.OPS),
       query="search.PageParams", response="responses.LiveSessionPage")
def creator_live_sessions(creator_id):
    from chalicelib.schemas.live_views import session_view
    from chalicelib.services import live

    principal, params = _principal(), _page_params()
    sessions, next_cursor = live.creator_sessions(principal, creator_id, params.limit,
                                                  params.cursor)
    return _page([session_view(session, True) for session in sessions], next_cursor)


@route(live_api, "/live-sessions/{live_id}/videos", auth=None, query="search.PageParams",
       response="responses.VideoPage")
def live_session_videos(live_id):
    from chalicelib.schemas.live_views import video_view
    from chalicelib.services import videos

    params = _page_params()
    found, next_cursor = videos.session_videos(live_id, params.limit, params.cursor)
    return _page([video_view(video) for video in found], next_cursor)


@route(live_api, "/live-sessions/{live_id}/end", methods=("POST",), auth=OWNERS,
       body="live.LiveSessionEnd", response="responses.LiveSession")
def end_live_session(live_id):
    from chalicelib.schemas.live_views import session_view
    from chalicelib.services import live

    principal = _principal()
    request = parse_body(live_api.current_request)
    return json_response(session_view(live.end_session(principal, live_id, request), True))


@route(live_api, "/live-sessions/{live_id}/tail-gmv", auth=OWNERS, response="responses.TailGmv")
def live_session_tail_gmv(live_id):
    from chalicelib.services import post_stream

    return json_response(post_stream.tail_gmv(_principal(), live_id))


@route(live_api, "/shops/{shop_id}/reports/post-stream", auth=(Role.MERCHANT, Role.OPS),
       query="live.PostStreamReportParams", response="responses.PostStreamReport")
def shop_post_stream_report(shop_id):
    from chalicelib.services import post_stream, reports

    principal = _principal()
    reports.authorize_shop(principal, shop_id)  # 403/404 before the parameters are looked at
    params = parse_query(live_api.current_request)
    return json_response(post_stream.shop_report(shop_id, params.first, params.last))


@route(live_api, "/videos", methods=("POST",), auth=STREAMERS, body="live.VideoCreate",
       response="responses.Video", status=201)
def create_video():
    from chalicelib.schemas.live_views import video_view
    from chalicelib.services import videos

    principal = _principal()
    request = parse_body(live_api.current_request)
    return json_response(video_view(videos.create_video(principal, request)), 201)


@route(live_api, "/videos/{video_id}", auth=None, response="responses.Video")
def get_video(video_id):
    from chalicelib.schemas.live_views import video_view
    from chalicelib.services import videos

    return json_response(video_view(videos.get_video(video_id)))
