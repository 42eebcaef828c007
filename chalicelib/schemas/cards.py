"""The one product card every scene lists: storefront, search, mall and recommendations."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.numbers import SCORE_DECIMALS


class ProductCard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str
    shop_id: str
    shop_name: str
    title: str
    cover_image: str | None
    category: str
    price_fen: int = Field(description="the lowest SKU price, integer fen")
    list_price_fen: int | None = Field(description="that SKU's list price, when it has one")
    sales_30d: int
    in_stock: bool
    score: float | None = Field(description=f"product score 0–5, {SCORE_DECIMALS} decimals, "
                                            "null while 暂无分",
                                json_schema_extra={"x-decimals": SCORE_DECIMALS})
    matched: list[str] | None = Field(
        default=None, description="search only: how it matched (word, pinyin, initials, "
                                  "bigram, fuzzy)")
    reason: str | None = Field(
        default=None, description="recommendations only: why it is shown (followed_shop, "
                                  "repurchase, co_purchase, category_affinity, popular; "
                                  "same_category in a similar list)")
