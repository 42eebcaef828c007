"""Merchant API: shops, products, SKUs, bundles. Thin: parse → service → response."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import schemas
from chalicelib.auth import principal_from_headers
from chalicelib.routes._http import (
    json_response,
    limit_param,
    parse_body,
    query_params,
    route,
    validate,
)
from chalicelib.schemas import views
from chalicelib.services import catalog

merchant = Blueprint(__name__)


def _principal():
    return principal_from_headers(merchant.current_request.headers)


@route(merchant, "/shops", methods=("POST",))
def create_shop():
    principal = _principal()
    request = parse_body(merchant.current_request, schemas.catalog.ShopCreate)
    shop = catalog.create_shop(principal, request)
    return json_response(views.shop_detail(shop), 201)


@route(merchant, "/me/shops")
def my_shops():
    from chalicelib.schemas.search import PageParams

    principal = _principal()
    params = validate(PageParams, query_params(merchant.current_request))
    shops, next_cursor = catalog.my_shops(principal, params.limit, params.cursor)
    return json_response({"items": [views.own_shop_summary(s) for s in shops],
                          "next_cursor": next_cursor})


@route(merchant, "/shops/{shop_id}")
def get_shop(shop_id):
    return json_response(views.shop_detail(catalog.get_shop(shop_id)))


@route(merchant, "/shops/{shop_id}", methods=("PATCH",))
def update_shop(shop_id):
    principal = _principal()
    request = parse_body(merchant.current_request, schemas.catalog.ShopPatch)
    return json_response(views.shop_detail(catalog.update_shop(principal, shop_id, request)))


@route(merchant, "/shops/{shop_id}/products", methods=("POST",))
def create_product(shop_id):
    principal = _principal()
    request = parse_body(merchant.current_request, schemas.catalog.ProductCreate)
    product = catalog.create_product(principal, shop_id, request)
    return json_response(views.owner_product(product), 201)


@route(merchant, "/shops/{shop_id}/products")
def list_products(shop_id):
    principal = _principal()
    params = query_params(merchant.current_request)
    products, next_cursor = catalog.owner_products(
        principal, shop_id, limit_param(params.get("limit")), params.get("cursor"))
    return json_response({"items": [views.owner_product(p) for p in products],
                          "next_cursor": next_cursor})


@route(merchant, "/products/{product_id}", methods=("PATCH",))
def update_product(product_id):
    principal = _principal()
    request = parse_body(merchant.current_request, schemas.catalog.ProductPatch)
    return json_response(views.owner_product(
        catalog.update_product(principal, product_id, request)))


@route(merchant, "/products/{product_id}/skus", methods=("POST",))
def add_skus(product_id):
    principal = _principal()
    request = parse_body(merchant.current_request, schemas.catalog.SkusAdd)
    return json_response(views.owner_product(catalog.add_skus(principal, product_id, request)),
                         201)


@route(merchant, "/products/{product_id}/skus/{sku_id}", methods=("PATCH",))
def update_sku(product_id, sku_id):
    principal = _principal()
    request = parse_body(merchant.current_request, schemas.catalog.SkuPatch)
    product = catalog.update_sku(principal, product_id, sku_id, request)
    return json_response(views.owner_product(product))


@route(merchant, "/shops/{shop_id}/bundles", methods=("POST",))
def create_bundle(shop_id):
    principal = _principal()
    request = parse_body(merchant.current_request, schemas.catalog.BundleCreate)
    bundle = catalog.create_bundle(principal, shop_id, request)
    return json_response(views.bundle_detail(bundle), 201)

