"""Aftercare: reviews, after-sales cases (售后) and customer-service sessions. No I/O.

After-sales states (``approved`` is a transition, not a resting state: an approved refund is
refunded at once, an approved return waits for the goods)::

    requested ──approve──▶ refunded            (type refund)
              ──approve──▶ awaiting_return ──receive──▶ refunded   (type return_refund)
              ──reject───▶ rejected ──escalate──▶ disputed ──rule(seller fault)──▶ as approve
                                                           ──rule(no fault)─────▶ closed

The per-line claim rule: what a line's cases may claim together is at most what was paid for the
line. A case *counts* toward the line's claim from the moment it is requested until it ends
without money (rejected, or ruled closed); a refunded case keeps counting for good. Escalating a
rejected case makes it count again, so it must fit again. At most one case per line is *open*
(requested, disputed or awaiting_return). The store keeps the running totals on one claim item
per order line and moves them in each transition's transaction (see store.after_sales).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.domain.orders import OrderLine, OrderStatus, StockTake

# --- reviews -----------------------------------------------------------------------------------

LOW_RATING_MAX = 2  # 1–2★ is a bad review (the product and shop scores count them)
REVIEWABLE_ORDER_STATES = frozenset({OrderStatus.DELIVERED, OrderStatus.COMPLETED})


@dataclass
class Review:
    review_id: str
    product_id: str
    order_id: str
    line: int
    shop_id: str
    buyer_id: str
    rating: int
    text: str
    images: list[str]
    title: str
    specs: dict[str, str]
    created_at: int
    sku_id: str | None = None
    bundle_id: str | None = None


def reviewed_product(line: OrderLine) -> str:
    """The product a line's review is filed under: its product, or a bundle's first part."""
    return line.product_id or line.parts[0].product_id


def is_low_rating(rating: int) -> bool:
    return rating <= LOW_RATING_MAX


# --- after-sales -------------------------------------------------------------------------------

# After-sales starts once the goods left. Before shipping the shopper cancels instead (full refund,
# stock back), so a cancel and a case can never both pay out for the same line: their order
# states are disjoint, and each write is conditioned on its state.
CLAIMABLE_ORDER_STATES = frozenset(
    {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED})


class CaseType(StrEnum):
    REFUND = "refund"  # 仅退款
    RETURN_REFUND = "return_refund"  # 退货退款


class CaseReason(StrEnum):
    QUALITY = "quality"
    NOT_AS_DESCRIBED = "not_as_described"
    DAMAGED = "damaged"
    CHANGED_MIND = "changed_mind"
    OTHER = "other"


class CaseStatus(StrEnum):
    REQUESTED = "requested"
    REJECTED = "rejected"
    DISPUTED = "disputed"
    AWAITING_RETURN = "awaiting_return"
    REFUNDED = "refunded"
    CLOSED = "closed"


class CaseAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ESCALATE = "escalate"
    RULE = "rule"
    RECEIVE = "receive"


class ClaimChange(StrEnum):
    """What a transition does to the line's claim item."""

    ACQUIRE = "acquire"  # the case opens and counts (must fit under the paid amount)
    SETTLE = "settle"  # the case closes with money: it stops being open, keeps counting
    WITHDRAW = "withdraw"  # the case closes without money: it stops being open and counting
    NONE = "none"


OPEN_STATES = frozenset({CaseStatus.REQUESTED, CaseStatus.DISPUTED, CaseStatus.AWAITING_RETURN})

# action → state it may start from
_STARTS: dict[CaseAction, CaseStatus] = {
    CaseAction.APPROVE: CaseStatus.REQUESTED,
    CaseAction.REJECT: CaseStatus.REQUESTED,
    CaseAction.ESCALATE: CaseStatus.REJECTED,
    CaseAction.RULE: CaseStatus.DISPUTED,
    CaseAction.RECEIVE: CaseStatus.AWAITING_RETURN,
}


class IllegalCaseTransition(Exception):
    def __init__(self, status: CaseStatus, action: CaseAction):
        super().__init__(f"an after-sales case that is {status.value} cannot {action.value}")
        self.status = status
        self.action = action


class ClaimRuleError(ValueError):
    """A case that does not fit the line: the route maps it to 422 naming the field."""

    def __init__(self, message: str, field: str, details: dict | None = None):
        super().__init__(message)
        self.field = field
        self.details = details or {}


@dataclass(frozen=True)
class Step:
    """One transition: the state it leads to and what it does to the line's claim."""

    target: CaseStatus
    claim: ClaimChange
    approved: bool = False  # the refund is granted (approve, or a seller-fault ruling)


def approved_status(case_type: CaseType) -> CaseStatus:
    """Approval refunds a refund-only case at once; a return waits for the goods."""
    return CaseStatus.REFUNDED if case_type is CaseType.REFUND else CaseStatus.AWAITING_RETURN


def next_step(status: CaseStatus, action: CaseAction, case_type: CaseType,
              seller_fault: bool | None = None) -> Step:
    if _STARTS[action] is not status:
        raise IllegalCaseTransition(status, action)
    if action is CaseAction.REJECT:
        return Step(CaseStatus.REJECTED, ClaimChange.WITHDRAW)
    if action is CaseAction.ESCALATE:
        return Step(CaseStatus.DISPUTED, ClaimChange.ACQUIRE)
    if action is CaseAction.RECEIVE:
        return Step(CaseStatus.REFUNDED, ClaimChange.SETTLE)
    if action is CaseAction.RULE and not seller_fault:
        return Step(CaseStatus.CLOSED, ClaimChange.WITHDRAW)
    target = approved_status(case_type)
    claim = ClaimChange.SETTLE if target is CaseStatus.REFUNDED else ClaimChange.NONE
    return Step(target, claim, approved=True)


@dataclass
class LineClaim:
    """What a line's counting cases claim together, and its open case if any."""

    claimed_fen: int = 0
    claimed_units: int = 0
    open_case_id: str | None = None


def claimable_fen(line: OrderLine, claim: LineClaim) -> int:
    return max(line.total_fen - claim.claimed_fen, 0)


def returnable_units(line: OrderLine, claim: LineClaim) -> int:
    return max(line.quantity - claim.claimed_units, 0)


def check_claim(line: OrderLine, claim: LineClaim, case_type: CaseType, amount_fen: int,
                quantity: int | None) -> int:
    """The units coming back with this case (0 for a refund), or ClaimRuleError."""
    if case_type is CaseType.REFUND and quantity is not None:
        raise ClaimRuleError("quantity applies to return_refund cases only", "quantity")
    left = claimable_fen(line, claim)
    if amount_fen > left:
        raise ClaimRuleError(
            f"amount_fen must not exceed {left}: the line's paid amount less what earlier "
            "cases claimed", "amount_fen",
            {"line_total_fen": line.total_fen, "claimed_fen": claim.claimed_fen,
             "claimable_fen": left})
    if case_type is CaseType.REFUND:
        return 0
    returnable = returnable_units(line, claim)
    units = returnable if quantity is None else quantity  # default: what is left of the line
    if units == 0 or units > returnable:
        raise ClaimRuleError(f"quantity must not exceed {returnable}: units of the line not "
                             "already being returned", "quantity",
                             {"returnable_units": returnable})
    return units


def returned_stock(line: OrderLine, units: int) -> list[StockTake]:
    """What `units` of the line give back to stock (a bundle line gives back every part)."""
    return [StockTake(p.sku_id, p.product_id, p.index, p.quantity * units) for p in line.parts]


@dataclass
class AfterSalesCase:
    case_id: str
    order_id: str
    line: int
    shop_id: str
    merchant_id: str
    buyer_id: str
    type: CaseType
    reason: CaseReason
    amount_fen: int
    quantity: int  # units coming back (0 for a refund-only case)
    line_total_fen: int  # what was paid for the line (the cap of its cases together)
    line_quantity: int
    description: str
    product_ids: list[str]
    status: CaseStatus
    created_at: int
    updated_at: int
    returns: list[StockTake] = field(default_factory=list)  # what `receive` puts back
    decided_at: int | None = None
    reject_reason: str | None = None
    escalated_at: int | None = None
    escalate_reason: str | None = None
    ruled_at: int | None = None
    seller_fault: bool | None = None
    ruling_note: str | None = None
    returned_at: int | None = None
    refunded_at: int | None = None
    closed_at: int | None = None

    @property
    def requested_at(self) -> int:
        return self.created_at

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES


def handling_ms(start: int | None, end: int | None) -> int | None:
    return None if start is None or end is None else max(end - start, 0)


# --- customer-service sessions -----------------------------------------------------------------

FAST_FIRST_REPLY_MS = 3_000  # the field's bar: first reply within 3 seconds
REPLY_WITHIN_MS = 3 * 60_000  # the score's metric: a human reply within 3 minutes (3分钟人工回复)


@dataclass
class ServiceSession:
    shop_id: str
    session_id: str
    started_at: int
    first_reply_at: int
    resolved: bool
    reported_at: int
    buyer_id: str | None = None
    human_reply_at: int | None = None

    @property
    def first_reply_ms(self) -> int:
        return self.first_reply_at - self.started_at

    @property
    def human_reply_ms(self) -> int | None:
        return None if self.human_reply_at is None else self.human_reply_at - self.started_at

    def metrics(self) -> dict:
        """What the SERVICE_SESSION event carries. The 3-minute metric is on the human reply;
        a session reported without human_reply_at was answered by a human first."""
        human = self.first_reply_ms if self.human_reply_ms is None else self.human_reply_ms
        return {
            "first_reply_ms": self.first_reply_ms,
            "human_reply_ms": self.human_reply_ms,
            "resolved": self.resolved,
            "replied_within_3s": self.first_reply_ms <= FAST_FIRST_REPLY_MS,
            "replied_within_3min": human <= REPLY_WITHIN_MS,
        }


class SessionRuleError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


MAX_CLOCK_SKEW_MS = 5 * 60_000


def check_session_times(started_at: int, first_reply_at: int, human_reply_at: int | None,
                        now: int) -> None:
    """Replies come after the chat started, a human after the first reply, none in the future."""
    if first_reply_at < started_at:
        raise SessionRuleError("first_reply_at must not be before started_at", "first_reply_at")
    if human_reply_at is not None and human_reply_at < first_reply_at:
        raise SessionRuleError("human_reply_at must not be before first_reply_at",
                               "human_reply_at")
    latest = max(first_reply_at, human_reply_at or first_reply_at)
    if latest > now + MAX_CLOCK_SKEW_MS:
        field_name = "human_reply_at" if latest != first_reply_at else "first_reply_at"
        raise SessionRuleError("a finished session cannot end in the future", field_name)
