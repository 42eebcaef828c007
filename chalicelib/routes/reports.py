"""Per-scene reports: a merchant's shop (ops may read any), and the platform for ops."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, principal_from_headers
from chalicelib.routes._http import json_response, parse_query, route

reports_api = Blueprint(__name__)


def _window():
    params = parse_query(reports_api.current_request)
    return params.first, params.last


@route(reports_api, "/shops/{shop_id}/reports/scenes", auth=(Role.MERCHANT, Role.OPS),
       query="behaviour.ScenesReportParams", response="responses.ScenesReport")
def shop_scenes(shop_id):
    from chalicelib.services import reports

    principal = principal_from_headers(reports_api.current_request.headers)
    reports.authorize_shop(principal, shop_id)  # 403/404 before the parameters are looked at
    first, last = _window()
    return json_response(reports.shop_scenes(shop_id, first, last))


@route(reports_api, "/ops/reports/scenes", auth=(Role.OPS,),
       query="behaviour.ScenesReportParams", response="responses.ScenesReport")
def platform_scenes():
    from chalicelib.services import reports

    reports.authorize_ops(principal_from_headers(reports_api.current_request.headers))
    first, last = _window()
    return json_response(reports.platform_scenes(first, last))
