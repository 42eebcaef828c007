"""Request models for shops, products, SKUs and bundles (the merchant API contract)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StrictInt, StringConstraints, model_validator

from chalicelib.domain.catalog import ProductStatus
from chalicelib.domain.ids import MAX_SKUS_PER_PRODUCT
from chalicelib.schemas.common import Fen, PatchModel, RequestModel, Url, text

# "#" separates the parts of a shelf key, so a category cannot contain it.
Category = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[^#]+$")]
SpecName = text(20)
SpecValue = text(40)
Specs = Annotated[dict[SpecName, SpecValue], Field(max_length=10)]
Stock = Annotated[StrictInt, Field(ge=0, le=10_000_000)]
# Enums arrive as JSON strings; strict mode would otherwise demand enum instances.
Status = Annotated[ProductStatus, Field(strict=False)]


class ShopCreate(RequestModel):
    name: text(30)
    description: text(500, min_length=0) = ""
    logo_url: Url | None = None


class ShopPatch(PatchModel):
    name: text(30) = None
    description: text(500, min_length=0) = None
    logo_url: Url | None = None  # null removes the logo


class SkuIn(RequestModel):
    specs: Specs = Field(default_factory=dict)
    price_fen: Fen
    list_price_fen: Fen | None = None
    stock: Stock

    @model_validator(mode="after")
    def _list_price_not_below_price(self):
        if self.list_price_fen is not None and self.list_price_fen < self.price_fen:
            raise ValueError("list_price_fen must not be below price_fen")
        return self


def _distinct_specs(skus: list[SkuIn]) -> list[SkuIn]:
    seen = set()
    for sku in skus:
        key = tuple(sorted(sku.specs.items()))
        if key in seen:
            raise ValueError("two SKUs have the same specs")
        seen.add(key)
    return skus


class ProductCreate(RequestModel):
    title: text(60)
    description: text(5000, min_length=0) = ""
    category: Category
    images: Annotated[list[Url], Field(max_length=9)] = Field(default_factory=list)
    attributes: Annotated[dict[text(20), text(100)], Field(max_length=30)] = Field(
        default_factory=dict
    )
    always_available: StrictBool = True
    status: Status = ProductStatus.DRAFT
    skus: Annotated[list[SkuIn], Field(min_length=1, max_length=MAX_SKUS_PER_PRODUCT)]

    @model_validator(mode="after")
    def _skus_distinct(self):
        _distinct_specs(self.skus)
        return self


class ProductPatch(PatchModel):
    title: text(60) = None
    description: text(5000, min_length=0) = None
    category: Category = None
    images: Annotated[list[Url], Field(max_length=9)] = None
    attributes: Annotated[dict[text(20), text(100)], Field(max_length=30)] = None
    always_available: StrictBool = None
    status: Status = None


class SkusAdd(RequestModel):
    skus: Annotated[list[SkuIn], Field(min_length=1, max_length=MAX_SKUS_PER_PRODUCT)]

    @model_validator(mode="after")
    def _skus_distinct(self):
        _distinct_specs(self.skus)
        return self


class SkuPatch(PatchModel):
    specs: Specs = None
    price_fen: Fen = None
    list_price_fen: Fen | None = None  # null removes the list price
    stock: Stock = None
    stock_delta: Annotated[StrictInt, Field(ge=-10_000_000, le=10_000_000)] = None

    @model_validator(mode="after")
    def _one_stock_change(self):
        if self.stock is not None and self.stock_delta is not None:
            raise ValueError("set stock or stock_delta, not both")
        if self.stock_delta == 0:
            raise ValueError("stock_delta must not be 0")
        return self


class BundleItemIn(RequestModel):
    sku_id: text(80)
    quantity: Annotated[StrictInt, Field(ge=1, le=99)] = 1


class BundleCreate(RequestModel):
    name: text(40)
    price_fen: Fen
    items: Annotated[list[BundleItemIn], Field(min_length=2, max_length=10)]
