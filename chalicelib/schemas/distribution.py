"""Distribution (达人分销) and the commission ledger: request models and response bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt, StringConstraints

from chalicelib.domain.catalog import Product
from chalicelib.domain.clock import to_iso
from chalicelib.domain.commissions import MAX_RATE_BPS, MIN_RATE_BPS, Entry, EntryState
from chalicelib.schemas.catalog import Category
from chalicelib.schemas.common import RequestModel
from chalicelib.schemas.search import QueryParams

Limit = Annotated[int, Field(ge=1, le=50)]
Cursor = Annotated[str, StringConstraints(max_length=2000)]


class DistributionPut(RequestModel):
    """Open a product to creators: the commission, in basis points of the amount paid
    (1 = 0.01 %, 5000 = 50 %)."""

    commission_rate_bps: Annotated[StrictInt, Field(ge=MIN_RATE_BPS, le=MAX_RATE_BPS)]


class PoolParams(QueryParams):
    category: Category | None = None
    limit: Limit = 20
    cursor: Cursor | None = None


class LedgerParams(QueryParams):
    state: EntryState | None = None  # pending, settled, void, clawback
    limit: Limit = 20
    cursor: Cursor | None = None


def distribution_view(product: Product) -> dict:
    """The answer to opening or closing: the same body however often it is sent."""
    return {"product_id": product.product_id, "open": product.commission_rate_bps is not None,
            "commission_rate_bps": product.commission_rate_bps}


def pool_card(product: Product) -> dict:
    prices = [sku.price_fen for sku in product.skus]
    return {"product_id": product.product_id, "shop_id": product.shop_id,
            "title": product.title, "category": product.category,
            "cover_image": product.images[0] if product.images else None,
            "min_price_fen": min(prices), "max_price_fen": max(prices),
            "commission_rate_bps": product.commission_rate_bps}


def pool_view(products: list[Product], next_cursor: str | None) -> dict:
    return {"items": [pool_card(product) for product in products], "next_cursor": next_cursor}


def entry_view(entry: Entry) -> dict:
    return {"entry_id": entry.entry_id, "order_id": entry.order_id, "line": entry.line,
            "state": entry.state.value, "amount_fen": entry.amount_fen, "at": to_iso(entry.at)}


def ledger_view(page: dict) -> dict:
    """{"totals": {state: fen}, "items": [entries, newest first], "next_cursor"}."""
    return {"totals": {state.value: fen for state, fen in page["totals"].items()},
            "items": [entry_view(entry) for entry in page["entries"]],
            "next_cursor": page["next_cursor"]}
