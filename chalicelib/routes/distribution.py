"""Distribution (达人分销) and the commission ledger. Thin: parse → service → JSON.

    PUT    /products/{product_id}/distribution   the product's merchant opens it at a rate
    DELETE /products/{product_id}/distribution   ... closes it (idempotent)
    GET    /distribution/products                creators and ops browse the pool
    GET    /creators/{creator_id}/commissions    the creator's ledger (or ops)
    GET    /shops/{shop_id}/commissions          what the shop owes (its merchant, or ops)
"""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, principal_from_headers
from chalicelib.routes._http import json_response, parse_body, parse_query, route

distribution_api = Blueprint(__name__)


def _principal():
    return principal_from_headers(distribution_api.current_request.headers)


def _params():
    return parse_query(distribution_api.current_request)


@route(distribution_api, "/products/{product_id}/distribution", methods=("PUT",),
       auth=(Role.MERCHANT,), body="distribution.DistributionPut",
       response="responses.DistributionState")
def open_to_distribution(product_id):
    from chalicelib.schemas.distribution import distribution_view
    from chalicelib.services import distribution

    principal = _principal()
    body = parse_body(distribution_api.current_request)
    return json_response(distribution_view(distribution.open_product(
        principal, product_id, body.commission_rate_bps)))


@route(distribution_api, "/products/{product_id}/distribution", methods=("DELETE",),
       auth=(Role.MERCHANT,), response="responses.DistributionState")
def close_to_distribution(product_id):
    from chalicelib.schemas.distribution import distribution_view
    from chalicelib.services import distribution

    return json_response(distribution_view(distribution.close_product(_principal(),
                                                                      product_id)))


@route(distribution_api, "/distribution/products", auth=(Role.CREATOR, Role.OPS),
       query="distribution.PoolParams", response="responses.PoolPage")
def distribution_pool():
    from chalicelib.schemas.distribution import pool_view
    from chalicelib.services import distribution

    principal = _principal()
    params = _params()
    return json_response(pool_view(*distribution.pool(principal, params.category,
                                                      params.limit, params.cursor)))


@route(distribution_api, "/creators/{creator_id}/commissions", auth=(Role.CREATOR, Role.OPS),
       query="distribution.LedgerParams", response="responses.Ledger")
def creator_commissions(creator_id):
    from chalicelib.schemas.distribution import ledger_view
    from chalicelib.services import commissions

    principal = _principal()
    params = _params()
    return json_response(ledger_view(commissions.creator_ledger(
        principal, creator_id, params.state, params.limit, params.cursor)))


@route(distribution_api, "/shops/{shop_id}/commissions", auth=(Role.MERCHANT, Role.OPS),
       query="distribution.LedgerParams", response="responses.Ledger")
def shop_commissions(shop_id):
    from chalicelib.schemas.distribution import ledger_view
    from chalicelib.services import commissions

    principal = _principal()
    params = _params()
    return json_response(ledger_view(commissions.shop_ledger(
        principal, shop_id, params.state, params.limit, params.cursor)))
