"""The commission ledger's use cases: the events consumer's handlers, the settlement of due
orders, and the creators' and shops' ledger pages (rules: chalicelib/domain/commissions.py,
docs/commissions.md; table: chalicelib/store/commissions.py).

Costs per order event, for an order with at least one earning line (an order without one
costs nothing: the rule is decided from the order the consumer already read):

    ORDER_PAID              1 TransactWriteItems (entries, totals, head `attribute_not_exists`)
    cancel / refund / done  1 consistent Query of the order's ledger + 1 TransactWriteItems
    settle (job, per order) 1 Query + 1 TransactWriteItems (its due-index page is shared)
    a replay                the Query and no write (the payment: 1 refused transaction + 1 Query)

More than CHANGES_PER_WRITE entries on one event take one more transaction per 40.

Reads: a creator's ledger page is 1 BatchGetItem (its totals) + 1 Query; a shop's is the
ownership GetItem more.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from chalicelib.auth import Principal, Role, require_role
from chalicelib.domain import commissions as rules
from chalicelib.domain.commissions import EntryState, OrderLedger, PartyKind
from chalicelib.domain.events import Event, EventType
from chalicelib.domain.orders import Order
from chalicelib.errors import Forbidden
from chalicelib.observability import logger
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.store import commissions as ledger_store

SETTLEMENT_DAYS_ENV = "SHELF_SETTLEMENT_DAYS"
_WRITE_ATTEMPTS = 3

Rule = Callable[[OrderLedger], OrderLedger]


def settlement_period_ms() -> int:
    """The settlement period: SHELF_SETTLEMENT_DAYS (whole days, default 15), read when used."""
    days = int(os.environ.get(SETTLEMENT_DAYS_ENV) or rules.DEFAULT_SETTLEMENT_DAYS)
    return rules.settlement_period_ms(max(days, 0))


# --- the events consumer's handlers ------------------------------------------------------------

def on_paid(event: Event, order: Order) -> int:
    """ORDER_PAID: accrue a pending entry per earning line. Returns the entries posted."""
    if not rules.earnings(order):
        return 0
    return post(order.order_id, lambda ledger: rules.accrue(order, ledger), read_first=False)


def on_money_moved(event: Event, order: Order) -> int:
    """ORDER_CANCELLED, AFTER_SALES_REFUNDED, ORDER_COMPLETED: post what the event changes.
    Returns the entries posted or moved (0 for a replay). An order never paid (a payment
    window that ran out) has nothing on the ledger and costs nothing."""
    if order.paid_at is None or not rules.earnings(order):
        return 0
    rule = _rule_for(event, order)
    return 0 if rule is None else post(order.order_id, rule)


def _rule_for(event: Event, order: Order) -> Rule | None:
    if event.type is EventType.ORDER_CANCELLED:
        return lambda ledger: rules.cancel(order, ledger)
    if event.type is EventType.AFTER_SALES_REFUNDED:
        line, case_id = event.data.get("line"), event.data.get("case_id")
        if line is None or not case_id:
            logger.warning("refund event without its line or case", extra={
                "event_id": event.event_id})
            return None
        return lambda ledger: rules.refund(order, ledger, int(line), event.amount_fen,
                                           str(case_id), event.at)
    if event.type is EventType.ORDER_COMPLETED:
        completed_at = order.completed_at or event.at
        return lambda ledger: rules.complete(order, ledger, completed_at,
                                             settlement_period_ms())
    return None


def settle_order(order_id: str, now: int) -> int:
    """The settlement job's work on one due order: its pending entries → settled."""
    return post(order_id, lambda ledger: rules.settle(ledger, now))


def post(order_id: str, rule: Rule, read_first: bool = True) -> int:
    """Read the order's ledger, apply `rule`, write the difference; a write that lost a race
    (or found the work done: a replay) reads again and recomputes, which then writes nothing.
    Without `read_first` the first attempt assumes an empty ledger (the payment, the first
    event of an order, saves its Query)."""
    for attempt in range(_WRITE_ATTEMPTS):
        before = (ledger_store.order_ledger(order_id) if read_first or attempt
                  else OrderLedger(order_id))
        after = rule(before)
        found = rules.changes(before, after)
        if not found and not rules.head_changed(before, after):
            return 0
        try:
            ledger_store.write(before, after, rules.in_writes(found))
        except ledger_store.LedgerMoved:
            continue
        return len(found)
    raise ledger_store.LedgerMoved()  # the stream retries the record


# --- reads -------------------------------------------------------------------------------------

def creator_ledger(principal: Principal, creator_id: str, state: EntryState | None,
                   limit: int, cursor: str | None) -> dict:
    """The creator's own ledger (ops may read any): 403 for another creator or anyone else."""
    if principal.role is not Role.OPS:
        require_role(principal, Role.CREATOR)
        if principal.user_id != creator_id:
            raise Forbidden("this ledger belongs to another creator", code="not_owner")
    return _ledger_page(PartyKind.CREATOR, creator_id, state, limit, cursor)


def shop_ledger(principal: Principal, shop_id: str, state: EntryState | None, limit: int,
                cursor: str | None) -> dict:
    """What the shop owes creators: its merchant (or ops); 403 for another, 404 no shop."""
    from chalicelib.services.reports import authorize_shop

    authorize_shop(principal, shop_id)
    return _ledger_page(PartyKind.SHOP, shop_id, state, limit, cursor)


def _ledger_page(kind: PartyKind, party_id: str, state: EntryState | None, limit: int,
                 cursor: str | None) -> dict:
    scope = f"commissions:{kind.value}:{party_id}:{state.value if state else '*'}"
    start_key = decode_cursor(scope, cursor)
    totals = ledger_store.party_totals(kind, party_id)
    entries, next_key = ledger_store.party_entries(kind, party_id, state, limit, start_key)
    return {"totals": totals, "entries": entries,
            "next_cursor": encode_cursor(scope, next_key)}
