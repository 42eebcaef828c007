"""Behaviour events from the app: POST /events (a shopper token or an X-Device-Id)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.routes._http import error_response, json_response, parse_body, route

events_api = Blueprint(__name__)


@route(events_api, "/events", methods=("POST",))
def post_events():
    from chalicelib.schemas.behaviour import EventsBody
    from chalicelib.services import behaviour

    request = events_api.current_request
    caller = behaviour.identify(request.headers)  # 401/403 before the body is looked at
    body = parse_body(request, EventsBody)
    try:
        return json_response(behaviour.ingest(caller, body.events))
    except behaviour.RateLimited as error:
        response = error_response(error)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
