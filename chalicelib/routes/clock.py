"""The local stack's test clock: `GET /ops/clock`, `POST /ops/clock` `{"advance_s": N}` (ops).

Only where a test clock exists, i.e. the local or test stage with SHELF_TEST_CLOCK_FILE set
(`make run` sets it); anywhere else both answer 404 `not_found` before reading the token, as if
the route did not exist. No DynamoDB access: an advance rewrites the clock file
(chalicelib.domain.clock), which every process of the local stack reads within 2 s.
"""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, principal_from_headers, require_role
from chalicelib.domain import clock
from chalicelib.errors import NotFound
from chalicelib.routes._http import json_response, parse_body, route
from chalicelib.settings import get_settings

clock_api = Blueprint(__name__)


def _authorize_ops() -> None:
    if not get_settings().is_dev or clock.clock_file() is None:
        raise NotFound("no such route", code="not_found")
    require_role(principal_from_headers(clock_api.current_request.headers), Role.OPS)


def _view() -> dict:
    offset_ms = clock.offset_ms()
    return {"now": clock.to_iso(clock.now_ms()), "offset_s": offset_ms // 1000,
            "stage": get_settings().stage}


@route(clock_api, "/ops/clock", auth=(Role.OPS,), response="responses.TestClock")
def test_clock():
    """The test clock of the local stack; 404 `not_found` anywhere else."""
    _authorize_ops()
    return json_response(_view())


@route(clock_api, "/ops/clock", methods=("POST",), auth=(Role.OPS,), body="clock.ClockAdvance",
       response="responses.TestClock")
def advance_test_clock():
    """Move the local stack's test clock forward; 404 `not_found` anywhere else."""
    _authorize_ops()
    request = parse_body(clock_api.current_request)  # pydantic loads with the first body
    clock.advance(request.advance_s)
    return json_response(_view())
