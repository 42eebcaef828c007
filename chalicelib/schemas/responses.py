"""Response models: the documented shape of every route's answer (chalicelib/openapi.py).

The views still build plain dicts (chalicelib/schemas/views.py and the *_views modules, some
services); these models say what those dicts hold, field for field, so the OpenAPI document and
clients can rely on them. They are never imported on a request path: only the document, its
tests and the fuzzing read them, so their import cost is not part of a cold start.

Conventions: times are ISO 8601 UTC strings with milliseconds ("2026-05-01T12:00:00.000Z"),
business days are "YYYY-MM-DD" in Asia/Shanghai, money is integer fen, counts are integers, and
every other number is rounded to its kind's places (chalicelib/domain/numbers.py), which its
schema states as `x-decimals` (docs/openapi.md, "Numbers in answers").
Fields a view leaves out for some callers have a default (so they are not `required`); fields it
always sends but may set to null are `X | None` without a default.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.after_sales import CaseReason, CaseStatus, CaseType
from chalicelib.domain.catalog import ProductStatus, StockState
from chalicelib.domain.commissions import EntryState
from chalicelib.domain.numbers import (
    PERCENT_DECIMALS,
    RATE_DECIMALS,
    SCORE_DECIMALS,
    SCORE_RATE_DECIMALS,
    STAR_DECIMALS,
    WEIGHTED_COUNT_DECIMALS,
)
from chalicelib.domain.orders import Channel, OrderStatus, Scene
from chalicelib.domain.shelf import ShelfSort
from chalicelib.schemas.cards import ProductCard

Instant = Annotated[str, Field(json_schema_extra={"format": "date-time"},
                               description="ISO 8601 UTC, milliseconds")]
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$",
                           description="a business day (Asia/Shanghai), YYYY-MM-DD")]
ScoreDay = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$",
                                description="the UTC day a score was computed for, YYYY-MM-DD")]
Fen = Annotated[int, Field(description="integer fen (分)")]


def _places(places: int, what: str):
    """A rounded figure: its places in the description and, for clients and tests, as
    `x-decimals` (tests/api/test_api_contract.py checks real answers against it)."""
    return Field(description=f"{what}, {places} decimals",
                 json_schema_extra={"x-decimals": places})


Rate = Annotated[float, _places(RATE_DECIMALS, "a rate, share, weight or multiplier")]
ScoreFigure = Annotated[float, _places(SCORE_DECIMALS, "a score or points, 0–5")]
ScoreRate = Annotated[float, _places(SCORE_RATE_DECIMALS, "a rate as scored "
                                     "(handling_hours: hours)")]
Stars = Annotated[float, _places(STAR_DECIMALS, "average stars, 1–5")]
Percent = Annotated[float, _places(PERCENT_DECIMALS, "a percentage")]
WeightedCount = Annotated[int | float, _places(
    WEIGHTED_COUNT_DECIMALS, "a counter: an integer for shops and products; for creators "
    "recency-weighted")]
Specs = dict[str, str]
Item = TypeVar("Item")


class ResponseModel(BaseModel):
    """A documented answer: exactly these keys (additionalProperties false)."""

    model_config = ConfigDict(extra="forbid")


class Page(ResponseModel, Generic[Item]):
    """A page of a list, newest or best first: pass `next_cursor` back as `cursor` for the
    next page; null on the last page."""

    items: list[Item]
    next_cursor: str | None


# --- errors ------------------------------------------------------------------------------------

class ErrorDetail(BaseModel):
    """One problem: validation errors name the `field` with a `message` and `type`; other
    errors carry what explains them (a `sku_id` and its `stock_left`, a rejected event's
    `index`, ...)."""

    model_config = ConfigDict(extra="allow")

    field: str | None = None
    message: str | None = None
    type: str | None = None


class ErrorInfo(ResponseModel):
    code: str = Field(description="machine-readable, e.g. validation_error, order_not_found")
    message: str
    details: list[ErrorDetail]


class ErrorBody(ResponseModel):
    """The one error shape of every 4xx and 5xx answer (chalicelib/errors.py)."""

    error: ErrorInfo


# --- shops -------------------------------------------------------------------------------------

class ShopScores(ResponseModel):
    store_experience: ScoreFigure | None = Field(
        description="the shop score 0–5, 3 decimals, null while 暂无分")


class ShopSummary(ResponseModel):
    shop_id: str
    name: str
    logo_url: str | None
    follower_count: int
    live_now: bool
    scores: ShopScores


class OwnShopSummary(ShopSummary):
    """A shop in its merchant's list, with its running self-broadcast (`live_id`)."""

    created_at: Instant
    live_id: str | None


class ShopDetail(ShopSummary):
    description: str
    owner_id: str
    created_at: Instant
    updated_at: Instant


class OwnShopPage(Page[OwnShopSummary]):
    pass


# --- products ----------------------------------------------------------------------------------

class PriceRange(ResponseModel):
    min_fen: Fen
    max_fen: Fen


class Rating(ResponseModel):
    count: int
    average: Stars | None = Field(description="2 decimals; null without reviews")
    low_share: Rate | None = Field(description="share of 1–2★ reviews, 4 decimals; null without "
                                     "reviews")


class ShopperSku(ResponseModel):
    sku_id: str
    specs: Specs
    price_fen: Fen
    list_price_fen: Fen | None
    stock_state: StockState
    stock_label: str
    stock_left: int | None = Field(description="exact stock only when it is low")


class OwnerSku(ResponseModel):
    sku_id: str
    specs: Specs
    price_fen: Fen
    list_price_fen: Fen | None
    stock: int
    stock_state: StockState


class _ProductFields(ResponseModel):
    product_id: str
    shop_id: str
    title: str
    description: str
    category: str
    images: list[str]
    attributes: dict[str, str]
    always_available: bool
    price_range: PriceRange
    score: ScoreFigure | None
    score_display: str = Field(description='one decimal rounded down, or "暂无分"')
    created_at: Instant
    updated_at: Instant


class ProductPage(_ProductFields):
    """A product as shoppers see it."""

    rating: Rating
    skus: list[ShopperSku]
    stock_state: StockState
    shop: ShopSummary


class OwnerProduct(_ProductFields):
    """A product as its merchant sees it: status, revision and exact stock."""

    status: ProductStatus
    revision: int
    skus: list[OwnerSku]


class OwnerProductPage(Page[OwnerProduct]):
    pass


class BundlePart(ResponseModel):
    sku_id: str
    product_id: str
    title: str
    specs: Specs
    quantity: int
    unit_price_fen: Fen


class BundleDetail(ResponseModel):
    bundle_id: str
    shop_id: str
    name: str
    price_fen: Fen
    parts_total_fen: Fen
    saving_fen: Fen
    items: list[BundlePart]
    created_at: Instant


class BundleSummary(ResponseModel):
    bundle_id: str
    name: str
    price_fen: Fen
    parts_total_fen: Fen
    saving_fen: Fen
    cover_image: str | None
    sku_ids: list[str]


class StorefrontShop(ShopSummary):
    description: str


class CategoryTab(ResponseModel):
    category: str
    count: int


class Storefront(Page[ProductCard]):
    shop: StorefrontShop
    tabs: list[CategoryTab]
    bundles: list[BundleSummary]
    sort: ShelfSort
    category: str | None


# --- scenes: search, mall, recommendations -----------------------------------------------------

class SearchResults(Page[ProductCard]):
    query: str = Field(description="the query as searched (normalised)")
    relaxed: bool = Field(description="true when no product matched every word")
    total: int
    # the sort and filters are the request's own; not echoed


class HotQuery(ResponseModel):
    query: str
    searches: int


class HotQueries(ResponseModel):
    items: list[HotQuery]
    day: Day


class Suggestion(ResponseModel):
    text: str
    kind: str = Field(description="what the suggestion completes: a hot query, a word, ...")


class Suggestions(ResponseModel):
    query: str
    items: list[Suggestion]


class MallFeed(Page[ProductCard]):
    category: str | None


class MallCategories(ResponseModel):
    items: list[CategoryTab]


class Recommendations(Page[ProductCard]):
    personalized: bool


class SimilarProducts(ResponseModel):
    product_id: str
    items: list[ProductCard]


class Blocklist(ResponseModel):
    queries: list[str]


class ZeroResultQuery(ResponseModel):
    query: str
    searches: int
    last_seen: Instant


class ZeroResults(Page[ZeroResultQuery]):
    day: Day


# --- cart and orders ---------------------------------------------------------------------------

class CartLine(ResponseModel):
    sku_id: str | None
    bundle_id: str | None
    product_id: str | None
    title: str | None = Field(description="null when the product or bundle is gone")
    specs: Specs
    quantity: int
    unit_price_fen: Fen
    line_total_fen: Fen
    stock_state: StockState
    available: bool


class CartShop(ResponseModel):
    shop_id: str
    shop_name: str | None
    lines: list[CartLine]
    total_fen: Fen = Field(description="of the available lines")


class Cart(ResponseModel):
    shops: list[CartShop]
    total_fen: Fen
    line_count: int


class CartLineWritten(ResponseModel):
    """The line a cart change wrote (GET /cart re-prices the whole cart)."""

    sku_id: str | None
    bundle_id: str | None
    quantity: int


class CartCleared(ResponseModel):
    removed: int = Field(description="how many lines were removed")


class LineAttribution(ResponseModel):
    channel: Channel
    creator_id: str | None
    video_id: str | None
    live_id: str | None
    touched_at: Instant | None


class OrderLine(ResponseModel):
    line: int
    sku_id: str | None
    bundle_id: str | None
    product_id: str | None
    title: str
    specs: Specs
    quantity: int
    unit_price_fen: Fen
    line_total_fen: Fen
    reviewed: bool
    attribution: LineAttribution | None = Field(
        description="who the line's GMV is credited to; null on orders placed before")


class OrderSource(ResponseModel):
    scene: Scene
    video_id: str | None
    live_id: str | None
    creator_id: str | None


class Assist(ResponseModel):
    video_id: str | None
    creator_id: str | None
    live_id: str | None
    at: Instant


class Shipping(ResponseModel):
    carrier: str | None
    tracking_number: str | None


class OrderView(ResponseModel):
    order_id: str
    checkout_id: str
    shop_id: str
    shop_name: str
    buyer_id: str
    status: OrderStatus
    total_fen: Fen
    lines: list[OrderLine]
    source: OrderSource
    assists: list[Assist]
    shipping: Shipping
    payment_id: str | None
    cancel_reason: str | None
    created_at: Instant
    updated_at: Instant
    paid_at: Instant | None
    shipped_at: Instant | None
    collected_at: Instant | None
    delivered_at: Instant | None
    completed_at: Instant | None
    cancelled_at: Instant | None


class OrderPage(Page[OrderView]):
    pass


class Checkout(ResponseModel):
    """One order per shop of the checkout."""

    checkout_id: str
    total_fen: Fen
    orders: list[OrderView]


class PaymentSimulator(ResponseModel):
    """Local and test stages only: what the simulated provider would POST to
    /payments/callback, and its signature header."""

    callback_body: str
    signature: str


class PaymentIntent(ResponseModel):
    payment_id: str
    order_id: str
    amount_fen: Fen
    provider: str
    simulator: PaymentSimulator | None = None


# --- reviews, after-sales, service sessions ----------------------------------------------------

class Review(ResponseModel):
    """A review as the public sees it; its author also gets `order_id` and `line`."""

    review_id: str
    product_id: str | None
    bundle_id: str | None
    sku_id: str | None
    title: str
    specs: Specs
    rating: int
    text: str
    images: list[str]
    created_at: Instant
    order_id: str | None = None
    line: int | None = None


class ReviewPage(Page[Review]):
    pass


class AfterSalesCase(ResponseModel):
    case_id: str
    order_id: str
    line: int
    shop_id: str
    buyer_id: str
    type: CaseType
    reason: CaseReason
    amount_fen: Fen
    quantity: int | None
    line_total_fen: Fen
    description: str | None
    product_ids: list[str]
    status: CaseStatus
    reject_reason: str | None
    escalate_reason: str | None
    seller_fault: bool | None
    ruling_note: str | None
    handling_ms: int | None = Field(description="from request to refund or close")
    requested_at: Instant
    decided_at: Instant | None
    escalated_at: Instant | None
    ruled_at: Instant | None
    returned_at: Instant | None
    refunded_at: Instant | None
    closed_at: Instant | None
    updated_at: Instant


class AfterSalesPage(Page[AfterSalesCase]):
    pass


class ServiceSession(ResponseModel):
    shop_id: str
    session_id: str
    buyer_id: str | None
    started_at: Instant
    first_reply_at: Instant
    human_reply_at: Instant | None
    first_reply_ms: int
    human_reply_ms: int | None
    resolved: bool
    replied_within_3s: bool
    replied_within_3min: bool
    reported_at: Instant


# --- follows -----------------------------------------------------------------------------------

class FollowState(ResponseModel):
    """The answer to a follow or unfollow: the same however often it is sent."""

    shop_id: str
    following: bool
    followed_at: Instant | None


class FollowItem(ResponseModel):
    shop_id: str
    name: str | None
    logo_url: str | None
    followed_at: Instant


class FollowPage(Page[FollowItem]):
    pass


class Preferences(ResponseModel):
    personalized: bool


# --- live sessions and videos ------------------------------------------------------------------

class LiveSession(ResponseModel):
    """Public: who streams what and when. `gmv_fen`, `orders` and `ended_by` only for the
    session's owner and ops."""

    live_id: str
    title: str
    shop_id: str | None
    creator_id: str | None
    products: list[str]
    status: str = Field(description="live or ended", json_schema_extra={
        "enum": ["live", "ended"]})
    started_at: Instant
    ended_at: Instant | None
    ends_automatically_at: Instant | None
    gmv_fen: Fen | None = None
    orders: int | None = None
    ended_by: str | None = None


class LiveSessionPage(Page[LiveSession]):
    pass


class Video(ResponseModel):
    video_id: str
    title: str
    creator_id: str | None
    shop_id_owner: str | None = Field(description="the shop whose products the video sells")
    anchors: list[str]
    shop_id: str | None
    live_id: str | None
    created_at: Instant


class VideoPage(Page[Video]):
    pass


class NightFigures(ResponseModel):
    night: Day
    gmv_fen: Fen
    orders: int
    assisted_gmv_fen: Fen


class TailGmv(ResponseModel):
    """Nights 0..14 after the session ended that have begun (none while it runs)."""

    live_id: str
    ended_at: Instant | None
    nights: list[NightFigures]


class DayFigures(ResponseModel):
    day: Day
    gmv_fen: Fen
    orders: int
    assisted_gmv_fen: Fen


class PostStreamReport(ResponseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    shop_id: str
    first: Day = Field(alias="from")
    last: Day = Field(alias="to")
    items: list[DayFigures]


# --- scene reports and attribution -------------------------------------------------------------

class SceneRow(ResponseModel):
    day: Day
    scene: str
    impressions: int
    clicks: int
    store_visits: int
    orders: int
    gmv_fen: Fen
    ctr: Rate | None = Field(description="clicks / impressions, 4 decimals; null without "
                                "impressions")
    cvr: Rate | None = Field(description="orders / clicks, 4 decimals; null without clicks")


class ScenesReport(ResponseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    first: Day = Field(alias="from")
    last: Day = Field(alias="to")
    items: list[SceneRow]


class AttributionReport(ResponseModel):
    """A business day's reconciliation: every paid fen is credited to one channel."""

    day: Day
    orders: int
    paid_gmv_fen: Fen
    attributed_gmv_fen: Fen
    unattributed_gmv_fen: Fen = Field(description="credited to no channel (direct)")
    assisted_gmv_fen: Fen = Field(description="of orders a video assisted (not the last click)")
    assisted_orders: int
    by_channel: dict[str, int] = Field(
        description="GMV fen per channel: " + ", ".join(channel.value for channel in Channel))


# --- scores, creators, campaigns ---------------------------------------------------------------

class Dimension(ResponseModel):
    points: ScoreFigure
    weight: Rate


class Metric(ResponseModel):
    value: ScoreRate | None = Field(description="the raw rate, 6 decimals; null without a "
                                     "denominator")
    smoothed: ScoreRate
    points: ScoreFigure
    weight: Rate
    dimension: str
    numerator: WeightedCount
    denominator: WeightedCount
    higher_is_better: bool


class Improvement(ResponseModel):
    metric: str
    dimension: str
    higher_is_better: bool
    rate: ScoreRate
    target_rate: ScoreRate
    change: ScoreRate
    points: ScoreFigure
    target_points: ScoreFigure
    effort: Rate = Field(description="|change| as a share of the band's span, 4 decimals")


class Loss(ResponseModel):
    metric: str
    dimension: str
    points: ScoreFigure
    loss: ScoreFigure = Field(description="points of the total this metric costs, 3 decimals")
    gain: ScoreFigure
    improvement: Improvement | None


class Threshold(ResponseModel):
    value: ScoreFigure
    name: str
    unlocks: list[str]


class NextStep(Threshold):
    plan: list[Improvement]


class ScoreHistoryDay(ResponseModel):
    day: ScoreDay
    total: ScoreFigure | None
    display: str


class ScoreView(ResponseModel):
    """Totals and dimensions for anyone; `metrics`, `biggest_losses`, `next_threshold` and
    `history` for the scored shop's owner or the creator only."""

    total: ScoreFigure | None
    display: str
    as_of: ScoreDay | None
    sample_orders: int = Field(description="mature delivered orders in the window (unweighted)")
    dimensions: dict[str, Dimension]
    metrics: dict[str, Metric] | None = None
    biggest_losses: list[Loss] | None = None
    next_threshold: NextStep | None = None
    history: list[ScoreHistoryDay] | None = None


class ShopScoreView(ResponseModel):
    shop_id: str
    store_experience: ScoreView


class CreatorScoreView(ResponseModel):
    creator_id: str
    selling_reputation: ScoreView


class Eligibility(ResponseModel):
    eligible: bool
    reason: str
    reason_zh: str
    threshold: ScoreFigure | None


class CampaignEligibility(ResponseModel):
    regular: Eligibility
    major: Eligibility


class ShopEligibility(ResponseModel):
    shop_id: str
    score: ScoreFigure | None
    display: str
    traffic_multiplier: Rate
    campaigns: CampaignEligibility
    subsidy: Eligibility
    rights: dict[str, Eligibility] = Field(description="badge, faster_settlement, "
                                                       "instant_refunds")
    next_threshold: Threshold | None


class CreatorEligibility(ResponseModel):
    score: ScoreFigure | None
    display: str
    traffic_multiplier: Rate
    campaigns: CampaignEligibility
    rights: dict[str, Eligibility] = Field(description="badge, faster_settlement, "
                                                       "paid_traffic")
    next_threshold: Threshold | None


class Creator(ResponseModel):
    creator_id: str
    name: str
    bio: str | None
    avatar_url: str | None
    created_at: Instant
    score: ScoreFigure | None
    score_display: str
    eligibility: CreatorEligibility


class Campaign(ResponseModel):
    campaign_id: str
    name: str
    kind: str = Field(json_schema_extra={"enum": ["regular", "major"]})
    min_shop_score: ScoreFigure
    min_product_score: ScoreFigure | None
    min_creator_score: ScoreFigure
    starts_at: Instant
    ends_at: Instant
    shop_eligibility: Eligibility | None = Field(
        default=None, description="in the list with ?shop_id=: may that shop enroll")


class CampaignPage(Page[Campaign]):
    pass


class Enrollment(ResponseModel):
    campaign_id: str
    entity: str = Field(description="what enrolled: shop#…, product#… or creator#…")
    score: ScoreFigure | None
    checks: list[Eligibility]


# --- distribution, commissions, Chuanliu -------------------------------------------------------

class DistributionState(ResponseModel):
    product_id: str
    open: bool
    commission_rate_bps: int | None = Field(description="basis points of the amount paid")


class PoolCard(ResponseModel):
    product_id: str
    shop_id: str
    title: str
    category: str
    cover_image: str | None
    min_price_fen: Fen
    max_price_fen: Fen
    commission_rate_bps: int | None


class PoolPage(Page[PoolCard]):
    pass


class LedgerEntry(ResponseModel):
    entry_id: str
    order_id: str
    line: int
    state: EntryState
    amount_fen: Fen = Field(description="signed: a clawback is negative")
    at: Instant


class Ledger(Page[LedgerEntry]):
    totals: dict[str, int] = Field(description="fen per state: "
                                   + ", ".join(state.value for state in EntryState))


class CreditEntry(ResponseModel):
    entry_id: str
    kind: str = Field(json_schema_extra={"enum": ["accrual", "spend"]})
    credits: int = Field(description="signed: a spend is negative")
    due_credits: int | None
    order_id: str | None
    shop_id: str | None
    video_id: str | None
    product_ids: list[str]
    boost_until: Instant | None
    at: Instant


class TrafficCredits(Page[CreditEntry]):
    balance: int
    issued: int
    spent: int


class Boost(ResponseModel):
    video_id: str
    entry_id: str
    credits: int
    product_ids: list[str]
    boost_until: Instant
    balance: int
    takes_effect: str


class PerBuyer(ResponseModel):
    treated: Fen | None
    holdout: Fen | None


class CreditPool(ResponseModel):
    month: str
    cap: int
    issued: int


class ChuanliuReport(ResponseModel):
    shop_id: str
    group_size: int
    holdout_size: int
    treated_size: int
    group_gmv_fen: Fen
    treated_gmv_fen: Fen
    holdout_gmv_fen: Fen
    gmv_per_buyer_fen: PerBuyer
    increment_pct: Percent | None = Field(
        description="treated vs holdout GMV per buyer, %, 1 decimal (halves away "
                    "from zero)")
    credits_issued: int
    pool: CreditPool


# --- behaviour events, jobs, the test clock, the document itself ------------------------------

class Rejection(ResponseModel):
    index: int
    field: str
    message: str


class EventsAccepted(ResponseModel):
    accepted: int
    rejected: list[Rejection]


class JobStarted(BaseModel):
    """The run's resolved parameters (each job's own, e.g. `day`), with its name and run id;
    `started` is false when that run existed already."""

    model_config = ConfigDict(extra="allow")

    job: str
    run_id: str
    started: bool


class JobRun(ResponseModel):
    run_id: str
    job: str
    status: str
    params: dict[str, Any]
    attempt: int | None
    started_at: Instant
    finished_at: Instant | None
    failed_at: Instant | None
    failed_reason: str | None
    chunks_done: int
    items_done: int
    shards_finished: list[int] = Field(description="shards finished, per phase")


class TestClock(ResponseModel):
    now: Instant
    offset_s: int
    stage: str


class OpenApiDocument(BaseModel):
    """This document (OpenAPI 3.1)."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]

