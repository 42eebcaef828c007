"""Merchant API: shops, products, SKUs, bundles. Thin: parse → service → response."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, principal_from_headers
from chalicelib.routes._http import json_response, parse_body, parse_query, route

merchant = Blueprint(__name__)
MERCHANT = (Role.MERCHANT,)


def _principal():
    return principal_from_headers(merchant.current_request.headers)


@route(merchant, "/shops", methods=("POST",), auth=MERCHANT, body="catalog.ShopCreate",
       response="responses.ShopDetail", status=201)
def create_shop():
    from chalicelib.schemas import views
    from chalicelib.services import catalog

    principal = _principal()
    request = parse_body(merchant.current_request)
    shop = catalog.create_shop(principal, request)
    return json_response(views.shop_detail(shop), 201)


@route(merchant, "/me/shops", auth=MERCHANT, query="search.PageParams",
       response="responses.OwnShopPage")
def my_shops():
    from chalicelib.schemas import views
    from chalicelib.services import catalog

    principal = _principal()
    params = parse_query(merchant.current_request)
    shops, next_cursor = catalog.my_shops(principal, params.limit, params.cursor)
    return json_response({"items": [views.own_shop_summary(s) for s in shops],
                          "next_cursor": next_cursor})


@route(merchant, "/shops/{shop_id}", auth=None, response="responses.ShopDetail")
def get_shop(shop_id):
    from chalicelib.schemas import views
    from chalicelib.services import catalog

    return json_response(views.shop_detail(catalog.get_shop(shop_id)))


@route(merchant, "/shops/{shop_id}", methods=("PATCH",), auth=MERCHANT, body="catalog.ShopPatch",
       response="responses.ShopDetail")
def update_shop(shop_id):
    from chalicelib.schemas import views
    from chalicelib.services import catalog

    principal = _principal()
    request = parse_body(merchant.current_request)
    return json_response(views.shop_detail(catalog.update_shop(principal, shop_id, request)))


@route(merchant, "/shops/{shop_id}/products", methods=("POST",), auth=MERCHANT,
       body="catalog.ProductCreate", response="responses.OwnerProduct", status=201)
def create_product(shop_id):
    from chalicelib.schemas import views
    from chalicelib.services import catalog

    principal = _principal()
    request = parse_body(merchant.current_request)
    product = catalog.create_product(principal, shop_id, request)
    return json_response(views.owner_product(product), 201)


@route(merchant, "/shops/{shop_id}/products", auth=MERCHANT, query="queries.ListParams",
       response="responses.OwnerProductPage")
def list_products(shop_id):
    from chalicelib.schemas import views
    from chalicelib.services import catalog

    principal = _principal()
    params = parse_query(merchant.current_request)
    products, next_cursor = catalog.owner_products(principal, shop_id, params.limit,
                                                   params.cursor)
    return json_response({"items": [views.owner_product(p) for p in products],
                          "next_cursor": next_cursor})


@route(merchant, "/products/{product_id}", methods=("PATCH",), auth=MERCHANT,
       body="catalog.ProductPatch", response="responses.OwnerProduct")
def update_product(product_id):
    from chalicelib.schemas import views
    from chalicelib.services import catalog

    principal = _principal()
    request = parse_body(merchant.current_request)
    return json_response(views.owner_product(
        catalog.update_product(principal, product_id, request)))


@route(merchant, "/products/{product_id}/skus", methods=("POST",), auth=MERCHANT,
       body="catalog.SkusAdd", response="responses.OwnerProduct", status=201)
def add_skus(product_id):
    from chalicelib.schemas import views
    from chalicelib.services import catalog

    principal = _principal()
    request = parse_body(merchant.current_request)
    return json_response(views.owner_product(catalog.add_skus(principal, product_id, request)),
                         201)


@route(merchant, "/products/{product_id}/skus/{sku_id}", methods=("PATCH",), auth=MERCHANT,
       body="catalog.SkuPatch", response="responses.OwnerProduct")
def update_sku(product_id, sku_id):
    from chalicelib.schemas import views
    from chalicelib.services import catalog

    principal = _principal()
    request = parse_body(merchant.current_request)
    product = catalog.update_sku(principal, product_id, sku_id, request)
    return json_response(views.owner_product(product))


@route(merchant, "/shops/{shop_id}/bundles", methods=("POST",), auth=MERCHANT,
       body="catalog.BundleCreate", response="responses.BundleDetail", status=201)
def create_bundle(shop_id):
    from chalicelib.schemas import views
    from chalicelib.services import catalog

    principal = _principal()
    request = parse_body(merchant.current_request)
    bundle = catalog.create_bundle(principal, shop_id, request)
    return json_response(views.bundle_detail(bundle), 201)

