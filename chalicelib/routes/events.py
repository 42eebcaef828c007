"""Behaviour events from the app: POST /events (a shopper token or an X-Device-Id)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.routes._http import Auth, error_response, json_response, parse_body, route

events_api = Blueprint(__name__)
# a shopper token, an X-Device-Id header, or both
SHOPPER_OR_DEVICE = Auth(("bearer", "device"), (Role.SHOPPER,))


@route(events_api, "/events", methods=("POST",), auth=SHOPPER_OR_DEVICE,
       body="behaviour.EventsBody", response="responses.EventsAccepted")
def post_events():
    """A batch of app events: the good ones are taken, each bad one is listed in `rejected`
    (422 when none is good); 429 with Retry-After over the caller's rate limit."""
    from chalicelib.services import behaviour

    request = events_api.current_request
    caller = behaviour.identify(request.headers)  # 401/403 before the body is looked at
    body = parse_body(request)
    try:
        return json_response(behaviour.ingest(caller, body.events))
    except behaviour.RateLimited as error:
        response = error_response(error)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
