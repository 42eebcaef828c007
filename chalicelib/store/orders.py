"""The orders table and the transactions that move orders, stock and events together.

Every state change is an UpdateItem conditioned on the state the caller read, inside one
TransactWriteItems with its stock movement and its event: a raced or illegal transition changes
nothing, and a transition never happens twice.
"""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
)
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.catalog import ProductStatus
from chalicelib.domain.events import Event
from chalicelib.domain.orders import (
    Assist,
    Attribution,
    Channel,
    Order,
    OrderLine,
    OrderStatus,
    Scene,
    Source,
    StockTake,
    shortages,
    stock_by_product,
)
from chalicelib.store import events as event_store
from chalicelib.store import idempotency as idempotency_store
from chalicelib.store import products as product_store
from chalicelib.store.base import table_meta
from chalicelib.store.products import ProductModel
from chalicelib.store.transactions import run_transaction


class StockTakeMap(MapAttribute):
    sku_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    index = NumberAttribute()
    quantity = NumberAttribute()


class AttributionMap(MapAttribute):
    channel = UnicodeAttribute()
    creator_id = UnicodeAttribute(null=True)
    video_id = UnicodeAttribute(null=True)
    live_id = UnicodeAttribute(null=True)
    touched_at = NumberAttribute(null=True)


class AssistMap(MapAttribute):
    video_id = UnicodeAttribute()
    at = NumberAttribute()
    creator_id = UnicodeAttribute(null=True)
    live_id = UnicodeAttribute(null=True)


class OrderLineMap(MapAttribute):
    line = NumberAttribute()
    title = UnicodeAttribute()
    quantity = NumberAttribute()
    unit_price_fen = NumberAttribute()
    specs = MapAttribute(default=dict)
    sku_id = UnicodeAttribute(null=True)
    bundle_id = UnicodeAttribute(null=True)
    product_id = UnicodeAttribute(null=True)
    parts = ListAttribute(of=StockTakeMap, default=list)
    attribution = AttributionMap(null=True)
    commission_rate_bps = NumberAttribute(null=True)


class SourceMap(MapAttribute):
    scene = UnicodeAttribute()
    video_id = UnicodeAttribute(null=True)
    live_id = UnicodeAttribute(null=True)
    creator_id = UnicodeAttribute(null=True)


class ByBuyer(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_buyer"
        projection = AllProjection()

    buyer_id = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class ByBuyerStatus(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_buyer_status"
        projection = AllProjection()

    buyer_status = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class ByShop(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_shop"
        projection = AllProjection()

    shop_id = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class ByShopStatus(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_shop_status"
        projection = AllProjection()

    shop_status = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class ByDue(GlobalSecondaryIndex):
    """Sparse: only orders waiting for a deadline (payment, auto-completion) carry its keys."""

    class Meta:
        index_name = "by_due"
        projection = KeysOnlyProjection()

    due_bucket = UnicodeAttribute(hash_key=True)
    due_at = NumberAttribute(range_key=True)


class OrderModel(Model):
    Meta = table_meta("orders")

    order_id = UnicodeAttribute(hash_key=True)
    checkout_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    shop_name = UnicodeAttribute()
    merchant_id = UnicodeAttribute()
    status = UnicodeAttribute()
    buyer_status = UnicodeAttribute()
    shop_status = UnicodeAttribute()
    lines = ListAttribute(of=OrderLineMap)
    source = SourceMap()
    total_fen = NumberAttribute()
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    paid_at = NumberAttribute(null=True)
    shipped_at = NumberAttribute(null=True)
    collected_at = NumberAttribute(null=True)
    delivered_at = NumberAttribute(null=True)
    completed_at = NumberAttribute(null=True)
    cancelled_at = NumberAttribute(null=True)
    cancel_reason = UnicodeAttribute(null=True)
    carrier = UnicodeAttribute(null=True)
    tracking_number = UnicodeAttribute(null=True)
    payment_id = UnicodeAttribute(null=True)
    reviewed_lines = NumberSetAttribute(null=True)
    assists = ListAttribute(of=AssistMap, null=True)
    due_bucket = UnicodeAttribute(null=True)
    due_at = NumberAttribute(null=True)

    by_buyer = ByBuyer()
    by_buyer_status = ByBuyerStatus()
    by_shop = ByShop()
    by_shop_status = ByShopStatus()
    by_due = ByDue()


class StockShort(Exception):
    """The checkout's transaction was cancelled: `details` names every short SKU."""

    def __init__(self, details: list[dict]):
        super().__init__("not enough stock")
        self.details = details


class AlreadyPlaced(Exception):
    """The checkout's claim was taken: its Idempotency-Key placed `order_ids` before."""

    def __init__(self, order_ids: list[str]):
        super().__init__("this checkout was placed before")
        self.order_ids = order_ids


class StateChanged(Exception):
    """The order was no longer in the state the caller read: someone else moved it first."""


# --- mapping -----------------------------------------------------------------------------------

def to_domain(model: OrderModel) -> Order:
    return Order(
        order_id=model.order_id,
        checkout_id=model.checkout_id,
        buyer_id=model.buyer_id,
        shop_id=model.shop_id,
        shop_name=model.shop_name,
        merchant_id=model.merchant_id,
        status=OrderStatus(model.status),
        lines=[
            OrderLine(
                line=int(line.line), title=line.title, quantity=int(line.quantity),
                unit_price_fen=int(line.unit_price_fen), specs=dict(line.specs.as_dict()),
                sku_id=line.sku_id, bundle_id=line.bundle_id, product_id=line.product_id,
                parts=[StockTake(p.sku_id, p.product_id, int(p.index), int(p.quantity))
                       for p in line.parts],
                attribution=_attribution(line.attribution),
                commission_rate_bps=(None if line.commission_rate_bps is None
                                     else int(line.commission_rate_bps)),
            )
            for line in model.lines
        ],
        source=Source(scene=Scene(model.source.scene), video_id=model.source.video_id,
                      live_id=model.source.live_id, creator_id=model.source.creator_id),
        created_at=int(model.created_at),
        updated_at=int(model.updated_at),
        total_fen=int(model.total_fen),
        **{name: None if getattr(model, name) is None else int(getattr(model, name))
           for name in ("paid_at", "shipped_at", "collected_at", "delivered_at",
                        "completed_at", "cancelled_at")},
        cancel_reason=model.cancel_reason,
        carrier=model.carrier,
        tracking_number=model.tracking_number,
        payment_id=model.payment_id,
        reviewed_lines=sorted(int(n) for n in (model.reviewed_lines or ())),
        assists=[Assist(a.video_id, int(a.at), a.creator_id, a.live_id)
                 for a in (model.assists or ())],
    )


def _attribution(stored: AttributionMap | None) -> Attribution | None:
    if stored is None:
        return None  # an order placed before attribution was stamped
    return Attribution(Channel(stored.channel), creator_id=stored.creator_id,
                       video_id=stored.video_id, live_id=stored.live_id,
                       touched_at=None if stored.touched_at is None else int(stored.touched_at))


def from_domain(order: Order) -> OrderModel:
    return OrderModel(
        order.order_id,
        checkout_id=order.checkout_id,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        shop_name=order.shop_name,
        merchant_id=order.merchant_id,
        status=order.status.value,
        buyer_status=f"{order.buyer_id}#{order.status.value}",
        shop_status=f"{order.shop_id}#{order.status.value}",
        lines=[
            OrderLineMap(
                line=line.line, title=line.title, quantity=line.quantity,
                unit_price_fen=line.unit_price_fen, specs=dict(line.specs),
                sku_id=line.sku_id, bundle_id=line.bundle_id, product_id=line.product_id,
                parts=[StockTakeMap(**vars(part)) for part in line.parts],
                attribution=(None if line.attribution is None else AttributionMap(
                    channel=line.attribution.channel.value,
                    creator_id=line.attribution.creator_id,
                    video_id=line.attribution.video_id, live_id=line.attribution.live_id,
                    touched_at=line.attribution.touched_at)),
                commission_rate_bps=line.commission_rate_bps,
            )
            for line in order.lines
        ],
        source=SourceMap(scene=order.source.scene.value, video_id=order.source.video_id,
                         live_id=order.source.live_id, creator_id=order.source.creator_id),
        total_fen=order.total_fen,
        created_at=order.created_at,
        updated_at=order.updated_at,
        assists=[AssistMap(video_id=a.video_id, at=a.at, creator_id=a.creator_id,
                           live_id=a.live_id) for a in order.assists] or None,
    )


# --- reads -------------------------------------------------------------------------------------

def get_order(order_id: str) -> Order | None:
    try:
        return to_domain(OrderModel.get(order_id, consistent_read=True))
    except OrderModel.DoesNotExist:
        return None


def list_orders(*, buyer_id: str | None = None, shop_id: str | None = None,
                status: OrderStatus | None = None, limit: int, start_key: dict | None):
    """A page of one buyer's or one shop's orders, newest first, optionally of one status."""
    owner_name, owner = ("buyer", buyer_id) if buyer_id else ("shop", shop_id)
    if status is None:
        index, hash_name, hash_value = (
            getattr(OrderModel, f"by_{owner_name}"), f"{owner_name}_id", owner)
    else:
        index, hash_name, hash_value = (
            getattr(OrderModel, f"by_{owner_name}_status"), f"{owner_name}_status",
            f"{owner}#{status.value}")
    results = index.query(hash_value, scan_index_forward=False, limit=limit + 1,
                          page_size=limit + 1, last_evaluated_key=start_key)
    models = list(results)
    if len(models) <= limit:
        return [to_domain(m) for m in models], None
    last = models[limit - 1]
    next_key = {"order_id": {"S": last.order_id}, hash_name: {"S": hash_value},
                "created_at": {"N": str(int(last.created_at))}}
    return [to_domain(m) for m in models[:limit]], next_key


def due_order_ids(bucket: str, now: int, limit: int) -> list[str]:
    """Orders in one due bucket whose deadline has passed (a sparse, keys-only index)."""
    results = OrderModel.by_due.query(bucket, OrderModel.due_at <= now, limit=limit,
                                      page_size=limit)
    return [model.order_id for model in results]


# --- writes ------------------------------------------------------------------------------------

def place_orders(orders: list[Order], events: list[Event], due_at: int,
                 due_buckets: dict[str, str], extra_actions=None, claim: str | None = None) -> None:
    """Take stock for every line and write the orders and their events in one transaction.

    `extra_actions(tx)` may add more actions to the same transaction (clearing the cart).
    `claim` (chalicelib.store.idempotency) is written with them, one action more: when the key
    placed orders before, nothing is written and AlreadyPlaced names them.
    """
    wanted = stock_by_product([take for order in orders for take in order.stock_takes()])
    run_transaction(
        lambda tx: _placement(tx, orders, events, wanted, due_at, due_buckets, extra_actions,
                              claim),
        on_condition_failed=lambda reasons: _raise_shortages(reasons, wanted),
    )


def _placement(tx, orders, events, wanted, due_at, due_buckets, extra_actions, claim) -> None:
    for product_id, per_sku in wanted.items():
        condition = ProductModel.status == ProductStatus.ON_SHELF.value
        actions = []
        for index, quantity in per_sku.items():
            stock = ProductModel.skus[index].stock
            condition &= stock >= quantity
            actions.append(stock.add(-quantity))
        tx.update(ProductModel(product_id), actions=actions, condition=condition,
                  return_values="ALL_OLD")
    for order in orders:
        model = from_domain(order)
        model.due_bucket = due_buckets[order.order_id]
        model.due_at = due_at
        tx.save(model, condition=OrderModel.order_id.does_not_exist())
    for event in events:
        event_store.save_in(tx, event)
    if extra_actions:
        extra_actions(tx)
    if claim:
        idempotency_store.claim_in(tx, claim, [order.order_id for order in orders],
                                   orders[0].created_at)


def _raise_shortages(reasons, wanted: dict[str, dict[int, int]]) -> None:
    for reason in reasons:
        placed = idempotency_store.claimed_in(reason)
        if placed is not None:
            raise AlreadyPlaced(placed)
    found, unavailable = {}, []
    for reason in reasons:
        if reason and reason.code == "ConditionalCheckFailed" and reason.raw_item:
            if "product_id" not in reason.raw_item:
                continue
            product = product_store.to_domain(ProductModel.from_raw_data(reason.raw_item))
            found[product.product_id] = product
            if not product.visible_to_shoppers:
                unavailable.append({"product_id": product.product_id, "reason": "not_available"})
    details = shortages(found, {pid: wanted[pid] for pid in found if pid in wanted})
    raise StockShort(details + unavailable)


def transition(order: Order, expected: OrderStatus, target: OrderStatus, now: int, *,
               set_fields: dict | None = None, event: Event | None = None,
               return_stock: bool = False, due: tuple[str, int] | None = None,
               condition: Condition | None = None) -> None:
    """Move one order from `expected` to `target` with its side effects, or raise StateChanged."""
    actions = [
        OrderModel.status.set(target.value),
        OrderModel.buyer_status.set(f"{order.buyer_id}#{target.value}"),
        OrderModel.shop_status.set(f"{order.shop_id}#{target.value}"),
        OrderModel.updated_at.set(now),
    ]
    for name, value in (set_fields or {}).items():
        actions.append(getattr(OrderModel, name).set(value))
    if due is None:
        actions += [OrderModel.due_bucket.remove(), OrderModel.due_at.remove()]
    else:
        actions += [OrderModel.due_bucket.set(due[0]), OrderModel.due_at.set(due[1])]
    guard = OrderModel.status == expected.value
    if condition is not None:
        guard &= condition

    def build(tx):
        tx.update(OrderModel(order.order_id), actions=actions, condition=guard)
        if return_stock:
            add_stock(tx, stock_by_product(order.stock_takes()))
        if event is not None:
            event_store.save_in(tx, event)

    run_transaction(build, on_condition_failed=_raise_state_changed)


def update_fields(order: Order, expected: OrderStatus, set_fields: dict, event: Event | None,
                  condition: Condition | None = None) -> None:
    """Change fields of an order that stays in `expected` (e.g. record collection time)."""
    actions = [getattr(OrderModel, name).set(value) for name, value in set_fields.items()]
    guard = OrderModel.status == expected.value
    if condition is not None:
        guard &= condition

    def build(tx):
        tx.update(OrderModel(order.order_id), actions=actions, condition=guard)
        if event is not None:
            event_store.save_in(tx, event)

    run_transaction(build, on_condition_failed=_raise_state_changed)


def add_stock(tx: TransactWrite, per_product: dict[str, dict[int, int]]) -> None:
    """Give units back to stock (cancel, return), one update per product."""
    for product_id, per_sku in per_product.items():
        actions = [ProductModel.skus[index].stock.add(quantity)
                   for index, quantity in per_sku.items()]
        tx.update(ProductModel(product_id), actions=actions,
                  condition=ProductModel.product_id.exists())


def _raise_state_changed(reasons) -> None:
    raise StateChanged()
