"""The after_sales table: after-sales cases, and one claim item per order line.

Two kinds of item share the table (hash key `case_id`):

- a **case** (`case_id` = ``as…``, time-ordered), with the GSIs by_order (order_id, created_at),
  by_shop (shop_id, created_at) and by_shop_status ("shop_id#status", created_at);
- a **claim item** per order line (`case_id` = ``claim#<order_id>#<line>``) holding what the
  line's counting cases claim together (`claimed_fen`, `claimed_units`) and the line's open case
  (`open_case_id`). It carries no GSI key attributes, so no index ever lists it.

Every case transition is one TransactWriteItems: the case's update conditioned on the state the
caller read, the claim item's update conditioned on the claim rule (acquire: no open case and the
amount still fits; settle/withdraw: this case is the line's open case), the stock movement when
goods come back, and the events. So the per-line amount rule holds under races: two requests for
the same line cannot both pass the claim item's condition, and a transition never happens twice.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.domain.after_sales import (
    CLAIMABLE_ORDER_STATES,
    AfterSalesCase,
    CaseReason,
    CaseStatus,
    CaseType,
    ClaimChange,
    LineClaim,
)
from chalicelib.domain.events import Event
from chalicelib.domain.orders import StockTake, stock_by_product
from chalicelib.store import events as event_store
from chalicelib.store.base import table_meta
from chalicelib.store.orders import OrderModel, StockTakeMap, add_stock
from chalicelib.store.transactions import run_transaction


class ByOrder(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_order"
        projection = AllProjection()

    order_id = UnicodeAttribute(hash_key=True)
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


class AfterSalesCaseModel(Model):
    Meta = table_meta("after_sales")

    case_id = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute()
    line = NumberAttribute()
    shop_id = UnicodeAttribute()
    merchant_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    type = UnicodeAttribute()
    reason = UnicodeAttribute()
    amount_fen = NumberAttribute()
    quantity = NumberAttribute(default=0)
    line_total_fen = NumberAttribute()
    line_quantity = NumberAttribute()
    description = UnicodeAttribute(default="")
    product_ids = ListAttribute(of=UnicodeAttribute, default=list)
    returns = ListAttribute(of=StockTakeMap, default=list)
    status = UnicodeAttribute()
    shop_status = UnicodeAttribute()
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    requested_at = NumberAttribute()
    decided_at = NumberAttribute(null=True)
    reject_reason = UnicodeAttribute(null=True)
    escalated_at = NumberAttribute(null=True)
    escalate_reason = UnicodeAttribute(null=True)
    ruled_at = NumberAttribute(null=True)
    seller_fault = BooleanAttribute(null=True)
    ruling_note = UnicodeAttribute(null=True)
    returned_at = NumberAttribute(null=True)
    refunded_at = NumberAttribute(null=True)
    closed_at = NumberAttribute(null=True)

    by_order = ByOrder()
    by_shop = ByShop()
    by_shop_status = ByShopStatus()


class LineClaimModel(Model):
    """The claim item of one order line (same table, no index attributes)."""

    Meta = table_meta("after_sales")

    case_id = UnicodeAttribute(hash_key=True)
    claimed_fen = NumberAttribute(null=True)
    claimed_units = NumberAttribute(null=True)
    open_case_id = UnicodeAttribute(null=True)


class LineBusy(Exception):
    """The line has another open case."""


class ClaimExceeded(Exception):
    """The amount (or the units) no longer fits what is left of the line."""


class CaseStateChanged(Exception):
    """The case was no longer in the state the caller read: someone else moved it first."""


class OrderStateChanged(Exception):
    """The order left the states a case may be opened in."""


_TIMESTAMPS = ("decided_at", "escalated_at", "ruled_at", "returned_at", "refunded_at",
               "closed_at")


# --- mapping -----------------------------------------------------------------------------------

def claim_key(order_id: str, line: int) -> str:
    return f"claim#{order_id}#{line}"


def to_domain(model: AfterSalesCaseModel) -> AfterSalesCase:
    return AfterSalesCase(
        case_id=model.case_id,
        order_id=model.order_id,
        line=int(model.line),
        shop_id=model.shop_id,
        merchant_id=model.merchant_id,
        buyer_id=model.buyer_id,
        type=CaseType(model.type),
        reason=CaseReason(model.reason),
        amount_fen=int(model.amount_fen),
        quantity=int(model.quantity),
        line_total_fen=int(model.line_total_fen),
        line_quantity=int(model.line_quantity),
        description=model.description,
        product_ids=list(model.product_ids),
        status=CaseStatus(model.status),
        created_at=int(model.created_at),
        updated_at=int(model.updated_at),
        returns=[StockTake(t.sku_id, t.product_id, int(t.index), int(t.quantity))
                 for t in model.returns],
        reject_reason=model.reject_reason,
        escalate_reason=model.escalate_reason,
        seller_fault=None if model.seller_fault is None else bool(model.seller_fault),
        ruling_note=model.ruling_note,
        **{name: None if getattr(model, name) is None else int(getattr(model, name))
           for name in _TIMESTAMPS},
    )


def from_domain(case: AfterSalesCase) -> AfterSalesCaseModel:
    return AfterSalesCaseModel(
        case.case_id,
        order_id=case.order_id,
        line=case.line,
        shop_id=case.shop_id,
        merchant_id=case.merchant_id,
        buyer_id=case.buyer_id,
        type=case.type.value,
        reason=case.reason.value,
        amount_fen=case.amount_fen,
        quantity=case.quantity,
        line_total_fen=case.line_total_fen,
        line_quantity=case.line_quantity,
        description=case.description,
        product_ids=list(case.product_ids),
        returns=[StockTakeMap(**vars(take)) for take in case.returns],
        status=case.status.value,
        shop_status=f"{case.shop_id}#{case.status.value}",
        created_at=case.created_at,
        updated_at=case.updated_at,
        requested_at=case.requested_at,
    )


# --- reads -------------------------------------------------------------------------------------

def get_case(case_id: str) -> AfterSalesCase | None:
    try:
        return to_domain(AfterSalesCaseModel.get(case_id, consistent_read=True))
    except AfterSalesCaseModel.DoesNotExist:
        return None


def get_claim(order_id: str, line: int) -> LineClaim:
    try:
        model = LineClaimModel.get(claim_key(order_id, line), consistent_read=True)
    except LineClaimModel.DoesNotExist:
        return LineClaim()
    return LineClaim(claimed_fen=int(model.claimed_fen or 0),
                     claimed_units=int(model.claimed_units or 0),
                     open_case_id=model.open_case_id)


def list_cases(*, shop_id: str | None = None, order_id: str | None = None,
               status: CaseStatus | None = None, limit: int, start_key: dict | None):
    """A page of one shop's (optionally of one status) or one order's cases, newest first."""
    if order_id is not None:
        index, hash_name, hash_value = AfterSalesCaseModel.by_order, "order_id", order_id
    elif status is None:
        index, hash_name, hash_value = AfterSalesCaseModel.by_shop, "shop_id", shop_id
    else:
        index, hash_name, hash_value = (AfterSalesCaseModel.by_shop_status, "shop_status",
                                        f"{shop_id}#{status.value}")
    results = index.query(hash_value, scan_index_forward=False, limit=limit + 1,
                          page_size=limit + 1, last_evaluated_key=start_key)
    models = list(results)
    if len(models) <= limit:
        return [to_domain(m) for m in models], None
    last = models[limit - 1]
    next_key = {"case_id": {"S": last.case_id}, hash_name: {"S": hash_value},
                "created_at": {"N": str(int(last.created_at))}}
    return [to_domain(m) for m in models[:limit]], next_key


# --- writes ------------------------------------------------------------------------------------

def open_case(case: AfterSalesCase, event: Event) -> None:
    """Claim the line, put the case and its event, while the order is still claimable.

    Raises LineBusy, ClaimExceeded or OrderStateChanged; nothing is written then.
    """
    order_guard = OrderModel.status.is_in(*(s.value for s in CLAIMABLE_ORDER_STATES))

    def build(tx):
        _claim_action(tx, case, ClaimChange.ACQUIRE)
        tx.save(from_domain(case), condition=AfterSalesCaseModel.case_id.does_not_exist())
        tx.condition_check(OrderModel, case.order_id, condition=order_guard)
        event_store.save_in(tx, event)

    def refused(reasons) -> None:
        _raise_claim_refused(reasons, case)
        raise OrderStateChanged()

    run_transaction(build, on_condition_failed=refused)


def move_case(case: AfterSalesCase, target: CaseStatus, claim: ClaimChange, now: int, *,
              set_fields: dict | None = None, events: list[Event] = (),
              returns: list[StockTake] = ()) -> None:
    """Move one case from the state it was read in to `target` with its side effects.

    Raises CaseStateChanged (someone moved the case first), or LineBusy / ClaimExceeded when the
    case must claim the line again (an escalation) and cannot; nothing is written then.
    """
    actions = [
        AfterSalesCaseModel.status.set(target.value),
        AfterSalesCaseModel.shop_status.set(f"{case.shop_id}#{target.value}"),
        AfterSalesCaseModel.updated_at.set(now),
    ]
    for name, value in (set_fields or {}).items():
        actions.append(getattr(AfterSalesCaseModel, name).set(value))
    guard = AfterSalesCaseModel.status == case.status.value

    def build(tx):
        tx.update(AfterSalesCaseModel(case.case_id), actions=actions, condition=guard,
                  return_values="ALL_OLD")
        _claim_action(tx, case, claim)
        if returns:
            add_stock(tx, stock_by_product(list(returns)))
        for event in events:
            event_store.save_in(tx, event)

    def refused(reasons) -> None:
        if claim is ClaimChange.ACQUIRE and not any(
                key.startswith("as") for key in _failed_keys(reasons)):
            _raise_claim_refused(reasons, case)
        raise CaseStateChanged()

    run_transaction(build, on_condition_failed=refused)


def _claim_action(tx, case: AfterSalesCase, change: ClaimChange) -> None:
    if change is ClaimChange.NONE:
        return
    claim = LineClaimModel
    item = LineClaimModel(claim_key(case.order_id, case.line))
    if change is ClaimChange.ACQUIRE:
        fits_fen = claim.claimed_fen.does_not_exist() | (
            claim.claimed_fen <= case.line_total_fen - case.amount_fen)
        fits_units = claim.claimed_units.does_not_exist() | (
            claim.claimed_units <= case.line_quantity - case.quantity)
        tx.update(item, actions=[claim.claimed_fen.add(case.amount_fen),
                                 claim.claimed_units.add(case.quantity),
                                 claim.open_case_id.set(case.case_id)],
                  condition=claim.open_case_id.does_not_exist() & fits_fen & fits_units,
                  return_values="ALL_OLD")
        return
    actions = [claim.open_case_id.remove()]
    if change is ClaimChange.WITHDRAW:
        actions += [claim.claimed_fen.add(-case.amount_fen),
                    claim.claimed_units.add(-case.quantity)]
    tx.update(item, actions=actions, condition=claim.open_case_id == case.case_id,
              return_values="ALL_OLD")


def _failed_items(reasons) -> list[dict]:
    """The old items of the actions whose condition failed (those that asked for them)."""
    return [reason.raw_item for reason in reasons
            if reason and reason.code == "ConditionalCheckFailed" and reason.raw_item]


def _failed_keys(reasons) -> list[str]:
    return [item["case_id"]["S"] for item in _failed_items(reasons) if "case_id" in item]


def _raise_claim_refused(reasons, case: AfterSalesCase) -> None:
    """If the line's claim item refused, say why: another open case, or no room left."""
    key = claim_key(case.order_id, case.line)
    for item in _failed_items(reasons):
        if item.get("case_id", {}).get("S") != key:
            continue
        old = LineClaimModel.from_raw_data(item)
        if old.open_case_id is not None and old.open_case_id != case.case_id:
            raise LineBusy()
        raise ClaimExceeded()
