"""Storefront shelves as a read model: one denormalised card per listed product and shelf key.

A product is carried on two shelves of its shop: its category's and the all-categories one, so a
category tab and the default grid are each one Query. Sorting is by index (see store.shelves).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.catalog import Product
from chalicelib.domain.ranking import DEFAULT_RANKING, RankingConfig, comprehensive_rank

ALL_CATEGORIES = "*"


class ShelfSort(StrEnum):
    COMPREHENSIVE = "comprehensive"
    SALES = "sales"
    NEW = "new"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"


@dataclass(frozen=True)
class ShelfCard:
    product_id: str
    shop_id: str
    title: str
    cover_image: str | None
    category: str
    min_price_fen: int
    list_price_fen: int | None
    sales_30d: int
    in_stock: bool
    created_at: int
    rank: float
    score: float | None = None  # the product score, as of the last write or rebuild


def shelf_categories(product: Product) -> list[str]:
    """The shelves a product appears on; none unless it is listed (on shelf, always available)."""
    return [product.category, ALL_CATEGORIES] if product.listed_on_shelves else []


def card_for(
    product: Product, shop_score: float | None, config: RankingConfig = DEFAULT_RANKING
) -> ShelfCard:
    stats = product.stats
    return ShelfCard(
        product_id=product.product_id,
        shop_id=product.shop_id,
        title=product.title,
        cover_image=product.images[0] if product.images else None,
        category=product.category,
        min_price_fen=product.min_price_fen,
        list_price_fen=product.min_list_price_fen,
        sales_30d=stats.sales_30d,
        in_stock=product.total_stock > 0,
        created_at=product.created_at,
        score=product.score,
        rank=comprehensive_rank(
            impressions=stats.impressions_30d,
            clicks=stats.clicks_30d,
            orders=stats.orders_30d,
            price_fen=product.min_price_fen,
            product_score=product.score,
            shop_score=shop_score,
            config=config,
        ),
    )


def shelf_listing(product: Product, rank: float) -> tuple[str | None, float | None]:
    """The product item's by_shelf_category keys (the mall feed rebuild reads them): its
    category and shelf rank while listed, rounded to 9 significant digits so an unchanged rank
    recomputed compares equal; none while it is not listed."""
    if not product.listed_on_shelves:
        return None, None
    return product.category, float(f"{rank:.9g}")


def category_count_deltas(before: Product | None, after: Product) -> dict[str, int]:
    """How a product write moves the shop's per-category tab counts."""
    deltas: dict[str, int] = {}
    if before is not None and before.listed_on_shelves:
        deltas[before.category] = deltas.get(before.category, 0) - 1
    if after.listed_on_shelves:
        deltas[after.category] = deltas.get(after.category, 0) + 1
    return {category: delta for category, delta in deltas.items() if delta}
