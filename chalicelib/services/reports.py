"""Scene reports: impressions, clicks, store visits, orders, GMV and the observed CTR and CVR
per business day and scene.

    shop      the merchant who owns it (or ops): 1 GetItem (the shop's owner) + 1 Query
    platform  ops: the 8 platform shards, 8 Queries in parallel (one round trip of wall time)
"""

from __future__ import annotations

from chalicelib.auth import Principal, Role, require_role
from chalicelib.domain import clock
from chalicelib.domain import scene_stats as figures
from chalicelib.errors import Unprocessable
from chalicelib.services import catalog
from chalicelib.store import scene_stats as scene_store


def authorize_shop(principal: Principal, shop_id: str) -> None:
    """The shop's own merchant, or ops (404 for a shop that does not exist)."""
    if principal.role is Role.OPS:
        catalog.get_shop(shop_id)
        return
    catalog.owned_shop(principal, shop_id)


def authorize_ops(principal: Principal) -> Principal:
    return require_role(principal, Role.OPS)


def window(first: str | None, last: str | None) -> tuple[str, str]:
    try:
        return figures.report_window(first, last, clock.now_ms())
    except figures.WindowError as error:
        raise Unprocessable(str(error), details=[{"field": error.field,
                                                  "message": str(error)}]) from error


def shop_scenes(shop_id: str, first: str | None, last: str | None) -> dict:
    start, end = window(first, last)
    return {"from": start, "to": end,
            "items": figures.report_rows(scene_store.shop_days(shop_id, start, end))}


def platform_scenes(first: str | None, last: str | None) -> dict:
    start, end = window(first, last)
    return {"from": start, "to": end,
            "items": figures.report_rows(scene_store.platform_days(start, end))}
