"""Shopper reads: product page and storefront. No token needed; hidden products are 404."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.routes._http import json_response, parse_query, route

shopper = Blueprint(__name__)


@route(shopper, "/products/{product_id}", auth=None, response="responses.ProductPage")
def product_page(product_id):
    from chalicelib.schemas import views
    from chalicelib.services import catalog

    product, shop = catalog.product_page(product_id)
    return json_response(views.product_page(product, shop))


@route(shopper, "/shops/{shop_id}/storefront", auth=None, query="queries.StorefrontParams",
       response="responses.Storefront")
def storefront(shop_id):
    from chalicelib.schemas import views
    from chalicelib.services import catalog

    params = parse_query(shopper.current_request)
    shop, cards, next_cursor = catalog.storefront(
        shop_id, params.sort, params.category, params.limit, params.cursor)
    return json_response({
        **views.storefront_header(shop),
        "sort": params.sort.value,
        "category": params.category,
        "items": [views.card(card, shop) for card in cards],
        "next_cursor": next_cursor,
    })
