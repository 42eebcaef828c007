"""After-sales (售后): a shopper claims money back for an order line; the merchant decides, the
shopper may escalate a rejection, and ops rules on disputes.

Each step is one conditional transaction with its events (and the stock when goods come back);
the per-line amount rule is enforced by the line's claim item (see store.after_sales).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from chalicelib.auth import Principal, Role, require_role
from chalicelib.domain import ids
from chalicelib.domain.after_sales import (
    CLAIMABLE_ORDER_STATES,
    AfterSalesCase,
    CaseAction,
    CaseStatus,
    ClaimRuleError,
    IllegalCaseTransition,
    Step,
    check_claim,
    handling_ms,
    next_step,
    returned_stock,
)
from chalicelib.domain.clock import now_ms
from chalicelib.domain.events import Event, EventType, order_event
from chalicelib.domain.orders import Order
from chalicelib.errors import Conflict, NotFound, TooManyRequests, Unprocessable
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.services import catalog as catalog_service
from chalicelib.services import orders as order_service
from chalicelib.store import after_sales as case_store
from chalicelib.store import orders as order_store
from chalicelib.store.transactions import Contended

if TYPE_CHECKING:  # request models load with the first request body
    from chalicelib.schemas import aftercare as schemas

# --- opening a case ----------------------------------------------------------------------------

def request_case(principal: Principal, order_id: str,
                 request: schemas.AfterSalesCreate) -> AfterSalesCase:
    """The order's shopper opens a case on one line of a paid (or later) order."""
    order = order_service.buyers_order(principal, order_id)
    line = order_service.order_line(order, request.line)
    if order.status not in CLAIMABLE_ORDER_STATES:
        raise Conflict(f"an order that is {order.status.value} has no after-sales; before "
                       "shipping, cancel the order instead", code="order_not_claimable")
    claim = case_store.get_claim(order.order_id, line.line)
    if claim.open_case_id is not None:
        raise _line_busy(claim.open_case_id)
    try:
        units = check_claim(line, claim, request.type, request.amount_fen, request.quantity)
    except ClaimRuleError as error:
        raise _claim_error(error) from error
    now = now_ms()
    case = AfterSalesCase(
        case_id=ids.new_id("as", now), order_id=order.order_id, line=line.line,
        shop_id=order.shop_id, merchant_id=order.merchant_id, buyer_id=order.buyer_id,
        type=request.type, reason=request.reason, amount_fen=request.amount_fen,
        quantity=units, line_total_fen=line.total_fen, line_quantity=line.quantity,
        description=request.description,
        product_ids=sorted({take.product_id for take in line.parts}),
        status=CaseStatus.REQUESTED, created_at=now, updated_at=now,
        returns=returned_stock(line, units) if units else [],
    )
    try:
        case_store.open_case(case, _event(EventType.AFTER_SALES_REQUESTED, order, case, now))
    except case_store.LineBusy as error:
        raise _line_busy(None) from error
    except case_store.ClaimExceeded as error:
        message = "another case claimed this line meanwhile; the amount no longer fits"
        raise Unprocessable(message, code="claim_exceeded",
                            details=[{"field": "amount_fen", "message": message}]) from error
    except case_store.OrderStateChanged as error:
        raise Conflict("the order changed meanwhile; read it again",
                       code="order_state_changed") from error
    except Contended as error:
        raise _contended() from error
    return case


# --- reads -------------------------------------------------------------------------------------

def get_case(principal: Principal, case_id: str) -> AfterSalesCase:
    """The case for its shopper, its shop's merchant, or ops; 404 for anyone else."""
    case = case_store.get_case(case_id) if case_id.startswith("as") else None
    if case is None or not (principal.role is Role.OPS
                            or (principal.role is Role.SHOPPER
                                and principal.user_id == case.buyer_id)
                            or (principal.role is Role.MERCHANT
                                and principal.user_id == case.merchant_id)):
        raise NotFound("after-sales case not found", code="case_not_found")
    return case


def shop_cases(principal: Principal, shop_id: str, status: str | None, limit: int,
               cursor: str | None):
    wanted = _status_filter(status)
    scope = f"shop-after-sales:{shop_id}:{status or ''}"
    start_key = decode_cursor(scope, cursor)
    catalog_service.owned_shop(principal, shop_id)
    cases, next_key = case_store.list_cases(shop_id=shop_id, status=wanted, limit=limit,
                                            start_key=start_key)
    return cases, encode_cursor(scope, next_key)


def order_cases(principal: Principal, order_id: str, limit: int, cursor: str | None):
    """An order's cases, newest first, for its shopper or its shop's merchant."""
    scope = f"order-after-sales:{order_id}"
    start_key = decode_cursor(scope, cursor)
    order = order_service.get_order(principal, order_id)
    cases, next_key = case_store.list_cases(order_id=order.order_id, limit=limit,
                                            start_key=start_key)
    return cases, encode_cursor(scope, next_key)


# --- transitions -------------------------------------------------------------------------------

def approve(principal: Principal, case_id: str) -> AfterSalesCase:
    """The merchant agrees: a refund is paid at once, a return waits for the goods."""
    case = _merchants_case(principal, case_id)
    step = _step(case, CaseAction.APPROVE)
    now = now_ms()
    order = _order_of(case)
    events = [_event(EventType.AFTER_SALES_APPROVED, order, case, now,
                     handling_ms=handling_ms(case.requested_at, now))]
    return _apply(case, step, now, {"decided_at": now}, events, order)


def reject(principal: Principal, case_id: str, request: schemas.RejectRequest) -> AfterSalesCase:
    case = _merchants_case(principal, case_id)
    step = _step(case, CaseAction.REJECT)
    now = now_ms()
    events = [_event(EventType.AFTER_SALES_REJECTED, _order_of(case), case, now,
                     handling_ms=handling_ms(case.requested_at, now),
                     reject_reason=request.reason)]
    return _apply(case, step, now, {"decided_at": now, "reject_reason": request.reason}, events)


def escalate(principal: Principal, case_id: str,
             request: schemas.EscalateRequest) -> AfterSalesCase:
    """The shopper disputes a rejection; the case claims the line again, so it must fit."""
    require_role(principal, Role.SHOPPER)
    case = get_case(principal, case_id)
    step = _step(case, CaseAction.ESCALATE)
    now = now_ms()
    events = [_event(EventType.AFTER_SALES_ESCALATED, _order_of(case), case, now,
                     waited_ms=handling_ms(case.decided_at, now))]
    return _apply(case, step, now, {"escalated_at": now, "escalate_reason": request.reason},
                  events)


def rule(principal: Principal, case_id: str, request: schemas.RuleRequest) -> AfterSalesCase:
    """Ops decides a dispute: seller at fault → approved as the merchant would have; else closed."""
    require_role(principal, Role.OPS)
    case = get_case(principal, case_id)
    step = _step(case, CaseAction.RULE, seller_fault=request.seller_fault)
    now = now_ms()
    order = _order_of(case)
    events = [_event(EventType.AFTER_SALES_RULED, order, case, now,
                     seller_fault=request.seller_fault,
                     handling_ms=handling_ms(case.escalated_at, now))]
    fields = {"ruled_at": now, "seller_fault": request.seller_fault,
              "ruling_note": request.note}
    if step.target is CaseStatus.CLOSED:
        fields["closed_at"] = now
    return _apply(case, step, now, fields, events, order, seller_fault=request.seller_fault)


def receive(principal: Principal, case_id: str) -> AfterSalesCase:
    """The merchant has the goods back: they go back to stock once, and the money is refunded."""
    case = _merchants_case(principal, case_id)
    step = _step(case, CaseAction.RECEIVE)
    now = now_ms()
    order = _order_of(case)
    events = [_event(EventType.AFTER_SALES_RETURNED, order, case, now, quantity=case.quantity,
                     handling_ms=handling_ms(case.decided_at, now))]
    return _apply(case, step, now, {"returned_at": now}, events, order, returns=case.returns)


# --- helpers -----------------------------------------------------------------------------------

def _apply(case: AfterSalesCase, step: Step, now: int, fields: dict, events: list[Event],
           order: Order | None = None, returns=(), **refund_data) -> AfterSalesCase:
    """Write one step; a step that ends in `refunded` pays (simulated) in the same write."""
    if step.target is CaseStatus.REFUNDED:
        fields = {**fields, "refunded_at": now}
        events = [*events, _event(EventType.AFTER_SALES_REFUNDED, order, case, now,
                                  handling_ms=handling_ms(case.requested_at, now),
                                  **refund_data)]
    try:
        case_store.move_case(case, step.target, step.claim, now, set_fields=fields,
                             events=events, returns=returns)
    except case_store.CaseStateChanged as error:
        raise Conflict("the after-sales case changed meanwhile; read it again",
                       code="case_state_changed") from error
    except case_store.LineBusy as error:
        raise _line_busy(None) from error
    except case_store.ClaimExceeded as error:
        raise Conflict("later cases claimed this line meanwhile; this amount no longer fits",
                       code="claim_exceeded") from error
    except Contended as error:
        raise _contended() from error
    return replace(case, status=step.target, updated_at=now, **fields)  # as written


def _event(event_type: EventType, order: Order, case: AfterSalesCase, at: int,
           **data) -> Event:
    event = order_event(event_type, order, at, amount_fen=case.amount_fen, case_id=case.case_id,
                        type=case.type.value, reason=case.reason.value, line=case.line,
                        **data)
    event.data["amount_fen"] = case.amount_fen
    return replace(event, product_ids=list(case.product_ids))


def _merchants_case(principal: Principal, case_id: str) -> AfterSalesCase:
    require_role(principal, Role.MERCHANT)
    return get_case(principal, case_id)


def _order_of(case: AfterSalesCase) -> Order:
    order = order_store.get_order(case.order_id)
    if order is None:
        raise NotFound("order not found", code="order_not_found")
    return order


def _step(case: AfterSalesCase, action: CaseAction, seller_fault: bool | None = None) -> Step:
    try:
        return next_step(case.status, action, case.type, seller_fault)
    except IllegalCaseTransition as error:
        raise Conflict(str(error), code="illegal_transition") from error


def _line_busy(case_id: str | None) -> Conflict:
    details = [{"case_id": case_id}] if case_id else []
    return Conflict("this order line has an open after-sales case", code="case_open",
                    details=details)


def _contended() -> TooManyRequests:
    return TooManyRequests("this case is being changed by someone else; try again",
                           code="contended")


def _claim_error(error: ClaimRuleError) -> Unprocessable:
    return Unprocessable(str(error), details=[{"field": error.field, "message": str(error),
                                               **error.details}])


def _status_filter(status: str | None) -> CaseStatus | None:
    if not status:
        return None
    try:
        return CaseStatus(status)
    except ValueError as error:
        allowed = ", ".join(s.value for s in CaseStatus)
        raise Unprocessable(f"status must be one of {allowed}",
                            details=[{"field": "status", "message": "unknown status"}]) from error

