"""The mall scene (商城): the category list and the ranked feed of one category or of all. No
token needed (an optional one is checked)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import optional_principal
from chalicelib.routes._http import json_response, parse_query, route

mall_api = Blueprint(__name__)


@route(mall_api, "/mall/categories", auth="optional", response="responses.MallCategories")
def mall_categories():
    from chalicelib.services import mall

    optional_principal(mall_api.current_request.headers)
    return json_response({"items": mall.categories()})


@route(mall_api, "/mall", auth="optional", query="scenes.MallParams",
       response="responses.MallFeed")
def mall_feed():
    from chalicelib.schemas import views
    from chalicelib.services import mall

    request = mall_api.current_request
    optional_principal(request.headers)
    params = parse_query(request)
    page, next_cursor = mall.feed_page(mall.feed_for(params.category), params.limit,
                                       params.cursor)
    return json_response({
        "category": params.category,
        "items": [views.product_card(product, shop) for product, shop, _ in page.cards],
        "next_cursor": next_cursor,
    })
