"""The attribution reconciliation report (ops): GET /ops/reports/attribution?day=YYYY-MM-DD."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, principal_from_headers
from chalicelib.routes._http import json_response, parse_query, route

attribution_api = Blueprint(__name__)


@route(attribution_api, "/ops/reports/attribution", auth=(Role.OPS,),
       query="attribution.AttributionReportParams", response="responses.AttributionReport")
def attribution_report():
    from chalicelib.services import attribution

    request = attribution_api.current_request
    # 401/403 before the parameters are looked at
    attribution.authorize_report(principal_from_headers(request.headers))
    params = parse_query(request)
    return json_response(attribution.report(params.day))
