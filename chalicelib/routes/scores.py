"""Scores, what they gate, creators and campaigns. Thin: parse → service → JSON.
Ops start the score job at /ops/jobs/scores (routes/jobs.py, as every job)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, optional_principal, principal_from_headers
from chalicelib.routes._http import json_response, parse_body, parse_query, route

scores_api = Blueprint(__name__)


class _LazyService:
    """The scores service (and the score formulas under it) loads with the first score request,
    not with every Lambda cold start: the API handler serves far more catalog and order calls."""

    def __getattr__(self, name):
        from chalicelib.services import scores as service

        return getattr(service, name)


scores = _LazyService()


def _principal():
    return principal_from_headers(scores_api.current_request.headers)


def _caller():
    return optional_principal(scores_api.current_request.headers)


def _body():
    return parse_body(scores_api.current_request)


@route(scores_api, "/shops/{shop_id}/scores", auth="optional", response="responses.ShopScoreView")
def shop_scores(shop_id):
    return json_response(scores.shop_scores(shop_id, _caller()))


@route(scores_api, "/shops/{shop_id}/eligibility", auth=None,
       response="responses.ShopEligibility")
def shop_eligibility(shop_id):
    return json_response(scores.shop_eligibility(shop_id))


@route(scores_api, "/creators", methods=("POST",), auth=(Role.CREATOR,),
       body="scores.CreatorCreate", response="responses.Creator", status=201)
def create_creator():
    principal = _principal()
    creator = scores.create_creator(principal, _body())
    return json_response(scores.creator_view(creator), 201)


@route(scores_api, "/creators/{creator_id}", auth=None, response="responses.Creator")
def get_creator(creator_id):
    return json_response(scores.creator_view(scores.get_creator(creator_id)))


@route(scores_api, "/creators/{creator_id}/scores", auth="optional",
       response="responses.CreatorScoreView")
def creator_scores(creator_id):
    return json_response(scores.creator_scores(creator_id, _caller()))


@route(scores_api, "/campaigns", methods=("POST",), auth=(Role.OPS,),
       body="scores.CampaignCreate", response="responses.Campaign", status=201)
def create_campaign():
    principal = _principal()
    campaign = scores.create_campaign(principal, _body())
    return json_response(scores.campaign_view(campaign), 201)


@route(scores_api, "/campaigns", auth=None, query="queries.CampaignListParams",
       response="responses.CampaignPage")
def open_campaigns():
    params = parse_query(scores_api.current_request)
    items, next_cursor = scores.open_campaigns(params.shop_id, params.limit, params.cursor)
    return json_response({"items": items, "next_cursor": next_cursor})


@route(scores_api, "/campaigns/{campaign_id}", auth=None, response="responses.Campaign")
def get_campaign(campaign_id):
    return json_response(scores.campaign_view(scores.get_campaign(campaign_id)))


@route(scores_api, "/campaigns/{campaign_id}/enrollments", methods=("POST",),
       auth=(Role.MERCHANT, Role.CREATOR), body="scores.EnrollmentCreate",
       response="responses.Enrollment", status=201)
def enroll(campaign_id):
    principal = _principal()
    return json_response(scores.enroll(principal, campaign_id, _body()), 201)

