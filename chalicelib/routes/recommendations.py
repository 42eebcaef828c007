"""The recommendation scene (猜你喜欢) and a product's "买了又买" list. Personal with a shopper
token (unless the shopper turned it off); the popular list without one."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, optional_principal
from chalicelib.routes._http import json_response, parse_query, route

recommendations_api = Blueprint(__name__)


@route(recommendations_api, "/recommendations", auth="optional",
       query="scenes.RecommendationParams", response="responses.Recommendations")
def recommendations():
    """Personal with a shopper token (unless the shopper turned it off), else popular."""
    from chalicelib.schemas import views
    from chalicelib.services import recommendations as service

    request = recommendations_api.current_request
    principal = optional_principal(request.headers)
    params = parse_query(request)
    shopper_id = principal.user_id if principal and principal.role is Role.SHOPPER else None
    page, next_cursor, personal = service.recommendations(shopper_id, params.limit,
                                                          params.cursor)
    return json_response({
        "personalized": personal,
        "items": [views.product_card(product, shop, reason=slot.reason)
                  for product, shop, slot in page.cards],
        "next_cursor": next_cursor,
    })


@route(recommendations_api, "/products/{product_id}/similar", auth="optional",
       query="scenes.SimilarParams", response="responses.SimilarProducts")
def similar_products(product_id: str):
    """Bought together with the product (买了又买), else the same category."""
    from chalicelib.schemas import views
    from chalicelib.services import recommendations as service

    request = recommendations_api.current_request
    optional_principal(request.headers)
    params = parse_query(request)
    cards = service.similar(product_id, params.limit)
    return json_response({
        "product_id": product_id,
        "items": [views.product_card(product, shop, reason=slot.reason)
                  for product, shop, slot in cards],
    })
