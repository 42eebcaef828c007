"""The recommendation scene (猜你喜欢) and a product's "买了又买" list. Personal with a shopper
token (unless the shopper turned it off); the popular list without one."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, optional_principal
from chalicelib.routes._http import json_response, query_params, route, validate
from chalicelib.schemas import views

recommendations_api = Blueprint(__name__)


@route(recommendations_api, "/recommendations")
def recommendations():
    from chalicelib.schemas.scenes import RecommendationParams
    from chalicelib.services import recommendations as service

    request = recommendations_api.current_request
    principal = optional_principal(request.headers)
    params = validate(RecommendationParams, query_params(request))
    shopper_id = principal.user_id if principal and principal.role is Role.SHOPPER else None
    page, next_cursor, personal = service.recommendations(shopper_id, params.limit,
                                                          params.cursor)
    return json_response({
        "personalized": personal,
        "items": [views.product_card(product, shop, reason=slot.reason)
                  for product, shop, slot in page.cards],
        "next_cursor": next_cursor,
    })


@route(recommendations_api, "/products/{product_id}/similar")
def similar_products(product_id: str):
    from chalicelib.schemas.scenes import SimilarParams
    from chalicelib.services import recommendations as service

    request = recommendations_api.current_request
    optional_principal(request.headers)
    params = validate(SimilarParams, query_params(request))
    cards = service.similar(product_id, params.limit)
    return json_response({
        "product_id": product_id,
        "items": [views.product_card(product, shop, reason=slot.reason)
                  for product, shop, slot in cards],
    })
