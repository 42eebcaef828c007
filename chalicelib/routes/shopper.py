"""Shopper reads: product page and storefront. No token needed; hidden products are 404."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.shelf import ShelfSort
from chalicelib.errors import Unprocessable
from chalicelib.routes._http import json_response, limit_param, query_params, route
from chalicelib.schemas import views
from chalicelib.services import catalog

shopper = Blueprint(__name__)


@route(shopper, "/products/{product_id}")
def product_page(product_id):
    product, shop = catalog.product_page(product_id)
    return json_response(views.product_page(product, shop))


@route(shopper, "/shops/{shop_id}/storefront")
def storefront(shop_id):
    params = query_params(shopper.current_request)
    sort = _sort(params.get("sort"))
    limit = limit_param(params.get("limit"))
    category = params.get("category") or None
    shop, cards, next_cursor = catalog.storefront(
        shop_id, sort, category, limit, params.get("cursor"))
    return json_response({
        **views.storefront_header(shop),
        "sort": sort.value,
        "category": category,
        "items": [views.card(card, shop) for card in cards],
        "next_cursor": next_cursor,
    })


def _sort(value: str | None) -> ShelfSort:
    try:
        return ShelfSort(value or ShelfSort.COMPREHENSIVE)
    except ValueError as error:
        allowed = ", ".join(sort.value for sort in ShelfSort)
        raise Unprocessable(f"sort must be one of {allowed}",
                            details=[{"field": "sort", "message": "unknown sort"}]) from error
