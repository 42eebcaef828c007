"""Scores, what they gate, creators and campaigns. Thin: parse → service → JSON.
Ops start the score job at /ops/jobs/scores (routes/jobs.py, as every job)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import schemas
from chalicelib.auth import optional_principal, principal_from_headers
from chalicelib.routes._http import json_response, limit_param, parse_body, query_params, route

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


def _body(model):
    return parse_body(scores_api.current_request, model)


@route(scores_api, "/shops/{shop_id}/scores")
def shop_scores(shop_id):
    return json_response(scores.shop_scores(shop_id, _caller()))


@route(scores_api, "/shops/{shop_id}/eligibility")
def shop_eligibility(shop_id):
    return json_response(scores.shop_eligibility(shop_id))


@route(scores_api, "/creators", methods=("POST",))
def create_creator():
    principal = _principal()
    creator = scores.create_creator(principal, _body(schemas.scores.CreatorCreate))
    return json_response(scores.creator_view(creator), 201)


@route(scores_api, "/creators/{creator_id}")
def get_creator(creator_id):
    return json_response(scores.creator_view(scores.get_creator(creator_id)))


@route(scores_api, "/creators/{creator_id}/scores")
def creator_scores(creator_id):
    return json_response(scores.creator_scores(creator_id, _caller()))


@route(scores_api, "/campaigns", methods=("POST",))
def create_campaign():
    principal = _principal()
    campaign = scores.create_campaign(principal, _body(schemas.scores.CampaignCreate))
    return json_response(scores.campaign_view(campaign), 201)


@route(scores_api, "/campaigns")
def open_campaigns():
    params = query_params(scores_api.current_request)
    items, next_cursor = scores.open_campaigns(params.get("shop_id"),
                                               limit_param(params.get("limit")),
                                               params.get("cursor"))
    return json_response({"items": items, "next_cursor": next_cursor})


@route(scores_api, "/campaigns/{campaign_id}")
def get_campaign(campaign_id):
    return json_response(scores.campaign_view(scores.get_campaign(campaign_id)))


@route(scores_api, "/campaigns/{campaign_id}/enrollments", methods=("POST",))
def enroll(campaign_id):
    principal = _principal()
    return json_response(
        scores.enroll(principal, campaign_id, _body(schemas.scores.EnrollmentCreate)), 201)

