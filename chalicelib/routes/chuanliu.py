"""The Chuanliu plan (川流计划): a creator's traffic credits, boosting a video with them, and a
brand's group report. Thin: parse → service → response."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, principal_from_headers
from chalicelib.routes._http import json_response, parse_body, parse_query, route

chuanliu_api = Blueprint(__name__)


def _principal():
    return principal_from_headers(chuanliu_api.current_request.headers)


@route(chuanliu_api, "/creators/{creator_id}/traffic-credits", auth=(Role.CREATOR,),
       query="chuanliu.TrafficCreditsParams", response="responses.TrafficCredits")
def traffic_credits(creator_id):
    from chalicelib.schemas.chuanliu import traffic_credits_view
    from chalicelib.services import chuanliu

    principal = _principal()
    params = parse_query(chuanliu_api.current_request)
    balance, entries, next_cursor = chuanliu.traffic_credits(principal, creator_id,
                                                             params.limit, params.cursor)
    return json_response(traffic_credits_view(balance, entries, next_cursor))


@route(chuanliu_api, "/videos/{video_id}/boost", methods=("POST",), auth=(Role.CREATOR,),
       body="chuanliu.BoostRequest", response="responses.Boost", status=201)
def boost_video(video_id):
    from chalicelib.schemas.chuanliu import boost_view
    from chalicelib.services import chuanliu

    principal = _principal()
    body = parse_body(chuanliu_api.current_request)
    return json_response(boost_view(chuanliu.boost_video(principal, video_id, body.credits)),
                         status=201)


@route(chuanliu_api, "/shops/{shop_id}/reports/chuanliu", auth=(Role.MERCHANT,),
       response="responses.ChuanliuReport")
def chuanliu_report(shop_id):
    from chalicelib.services import chuanliu

    return json_response(chuanliu.report(_principal(), shop_id))
