"""Shops, always-available products, SKUs and bundles: the rules, free of any I/O."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from chalicelib.domain.ids import MAX_SKUS_PER_PRODUCT, sku_id_for
from chalicelib.domain.numbers import RATE_DECIMALS, STAR_DECIMALS, ratio

LOW_STOCK_MAX = 5  # at or below this a SKU shows "仅剩 N 件"
MAX_BUNDLES_PER_SHOP = 20  # bundle summaries live on the shop item, which must stay small
MIN_BUNDLE_SKUS, MAX_BUNDLE_SKUS = 2, 10


class ProductStatus(StrEnum):
    DRAFT = "draft"
    ON_SHELF = "on_shelf"
    OFF_SHELF = "off_shelf"


class StockState(StrEnum):
    IN_STOCK = "in_stock"
    LOW = "low"
    SOLD_OUT = "sold_out"


class CatalogRuleError(ValueError):
    """A request that is well-formed but breaks a catalog rule (the route maps it to 4xx)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def stock_state(stock: int) -> StockState:
    if stock <= 0:
        return StockState.SOLD_OUT
    return StockState.LOW if stock <= LOW_STOCK_MAX else StockState.IN_STOCK


def stock_label(stock: int) -> str:
    state = stock_state(stock)
    if state is StockState.SOLD_OUT:
        return "已售罄"
    return f"仅剩 {stock} 件" if state is StockState.LOW else "有货"


@dataclass
class Sku:
    sku_id: str
    specs: dict[str, str]
    price_fen: int
    stock: int
    list_price_fen: int | None = None


@dataclass
class ProductStats:
    """Rolling 30-day counters the ranking reads; refreshed by jobs from scene events."""

    sales_30d: int = 0
    impressions_30d: int = 0
    clicks_30d: int = 0
    orders_30d: int = 0


@dataclass
class RatingSummary:
    """Running review totals kept on the product item, updated in each review's transaction."""

    count: int = 0
    total_stars: int = 0
    low_count: int = 0  # reviews rated 1–2★

    @property
    def average(self) -> float | None:
        return ratio(self.total_stars, self.count, STAR_DECIMALS)

    @property
    def low_share(self) -> float | None:
        return ratio(self.low_count, self.count, RATE_DECIMALS)


@dataclass
class Product:
    product_id: str
    shop_id: str
    title: str
    description: str
    category: str
    images: list[str]
    attributes: dict[str, str]
    always_available: bool
    status: ProductStatus
    skus: list[Sku]
    created_at: int
    updated_at: int
    stats: ProductStats = field(default_factory=ProductStats)
    rating: RatingSummary = field(default_factory=RatingSummary)
    score: float | None = None
    # Optimistic lock for merchant edits; stock moves from checkouts do not change it.
    revision: int = 0
    # what the mall-feed index holds for it, as stored: (category, shelf rank) while listed
    indexed_listing: tuple[str | None, float | None] = (None, None)
    # open to creators' distribution (达人分销) at this commission rate, in basis points of the
    # amount paid (1–5000); None: not open
    commission_rate_bps: int | None = None

    @property
    def visible_to_shoppers(self) -> bool:
        return self.status is ProductStatus.ON_SHELF

    @property
    def listed_on_shelves(self) -> bool:
        """Shelves show always-available (常挂) products that are on shelf."""
        return self.visible_to_shoppers and self.always_available

    @property
    def min_price_fen(self) -> int:
        return min(sku.price_fen for sku in self.skus)

    @property
    def min_list_price_fen(self) -> int | None:
        cheapest = min(self.skus, key=lambda sku: sku.price_fen)
        return cheapest.list_price_fen

    @property
    def total_stock(self) -> int:
        return sum(sku.stock for sku in self.skus)

    def sku(self, sku_id: str) -> Sku | None:
        return next((sku for sku in self.skus if sku.sku_id == sku_id), None)


def build_skus(product_id: str, drafts: list[dict], first_index: int = 0) -> list[Sku]:
    """Number new SKUs after the existing ones; a SKU id is its product id plus its position."""
    if first_index + len(drafts) > MAX_SKUS_PER_PRODUCT:
        raise CatalogRuleError(f"a product has at most {MAX_SKUS_PER_PRODUCT} SKUs", "skus")
    return [
        Sku(
            sku_id=sku_id_for(product_id, first_index + offset),
            specs=dict(draft["specs"]),
            price_fen=draft["price_fen"],
            list_price_fen=draft.get("list_price_fen"),
            stock=draft["stock"],
        )
        for offset, draft in enumerate(drafts)
    ]


def with_changes(product: Product, changes: dict, now: int) -> Product:
    """A copy of the product with the merchant's field changes applied."""
    return replace(product, **changes, updated_at=now, revision=product.revision + 1)


@dataclass
class BundlePart:
    sku_id: str
    product_id: str
    title: str
    specs: dict[str, str]
    quantity: int
    unit_price_fen: int


@dataclass
class Bundle:
    bundle_id: str
    shop_id: str
    name: str
    price_fen: int
    parts: list[BundlePart]
    created_at: int

    @property
    def parts_total_fen(self) -> int:
        return sum(part.unit_price_fen * part.quantity for part in self.parts)

    @property
    def saving_fen(self) -> int:
        return self.parts_total_fen - self.price_fen


def validate_bundle(bundle: Bundle) -> None:
    sku_ids = [part.sku_id for part in bundle.parts]
    if not MIN_BUNDLE_SKUS <= len(set(sku_ids)) <= MAX_BUNDLE_SKUS:
        raise CatalogRuleError(
            f"a bundle has {MIN_BUNDLE_SKUS} to {MAX_BUNDLE_SKUS} different SKUs", "items"
        )
    if len(set(sku_ids)) != len(sku_ids):
        raise CatalogRuleError("each SKU appears once in a bundle", "items")
    if bundle.price_fen >= bundle.parts_total_fen:
        raise CatalogRuleError(
            f"bundle price must be below the parts' total of {bundle.parts_total_fen} fen",
            "price_fen",
        )


@dataclass
class BundleSummary:
    """What the storefront shows of a bundle, kept on the shop item so the page needs no join."""

    bundle_id: str
    name: str
    price_fen: int
    parts_total_fen: int
    saving_fen: int
    cover_image: str | None
    sku_ids: list[str]


def summarize_bundle(bundle: Bundle, cover_image: str | None) -> BundleSummary:
    return BundleSummary(
        bundle_id=bundle.bundle_id,
        name=bundle.name,
        price_fen=bundle.price_fen,
        parts_total_fen=bundle.parts_total_fen,
        saving_fen=bundle.saving_fen,
        cover_image=cover_image,
        sku_ids=[part.sku_id for part in bundle.parts],
    )


@dataclass
class Shop:
    shop_id: str
    owner_id: str
    name: str
    description: str
    logo_url: str | None
    created_at: int
    updated_at: int
    follower_count: int = 0
    live_now: bool = False
    category_counts: dict[str, int] = field(default_factory=dict)
    bundles: list[BundleSummary] = field(default_factory=list)
    # Shelf cards live under a version; a rebuild writes version + 1 and then flips this pointer.
    shelf_version: int = 1
    # Bumped by every catalog write, so a rebuild can tell that the shelf moved under it.
    catalog_rev: int = 0
    score: float | None = None
    # Set when a score copied onto the shop or one of its products moved the ranking, cleared by
    # the shelf flip: the score job rebuilds only these shelves. None (never set): rebuild.
    shelf_stale: bool | None = None
    # the running self-broadcast that set live_now (None when no session runs)
    live_id: str | None = None
