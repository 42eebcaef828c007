"""The commission ledger of creators' distribution (达人分销): pure rules, no I/O.

An order line earns commission for one creator: the creator stamped on the line at checkout
(`line.attribution.creator_id`), at the rate stamped with it (`line.commission_rate_bps`, the
product's rate when the order was placed). A line without either earns nothing, and a creator
earns nothing on its own purchases (creator == buyer).

The one rounding rule, in integer fen::

    commission(line) = floor(rate_bps × (paid − refunded) / 10000)

The ledger is append-only. Each event posts the *difference* between what the line should
earn now and what its live (not void) entries already hold, as a new entry; an amount is
never edited, only an entry's state moves (pending → settled, pending → void):

    ORDER_PAID            an `accrual` entry per earning line, pending
    ORDER_CANCELLED       every pending entry of the order → void (a cancel is before shipping)
    AFTER_SALES_REFUNDED  partial: a negative `refund` entry for the difference (pending, or
                          `clawback` once the order settled); full (refunded = paid): the line's
                          pending entries → void, and after settlement a clawback of what settled
    ORDER_COMPLETED       the order is due for settlement at completed_at + settlement period
    settlement job        due orders: every pending entry → settled

What the ledger holds for one order is an `OrderLedger`: its entries and its head (the refunds
seen per line, the cases processed, cancelled, due and settled times). Every rule here maps a
ledger to the next one; `changes(before, after)` is what to write: new entries and state moves.
The rules converge, so events may arrive in any order and twice: any event first accrues the
order if its payment was not seen yet (the accrual is a fact of the paid order), a case already
seen and a state already reached change nothing, and a replay posts no entry.

Totals per creator and per shop (pending, settled, void, clawback) are the sums of the amounts
of the entries in each state; `totals_deltas` says how a set of changes moves them, so they are
updated in the same write as the entries and reads never sum the ledger.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from enum import StrEnum

from chalicelib.domain.orders import Order, OrderLine

BPS = 10_000  # basis points in one whole
MIN_RATE_BPS, MAX_RATE_BPS = 1, 5_000  # a merchant gives 0.01 % to 50 % of the paid amount
DEFAULT_SETTLEMENT_DAYS = 15
TOTALS_SHARDS = 4  # a creator's totals over 4 items: a top creator's live sale spreads its writes
# entries written per transaction: each touches its creator's and the shop's totals, so a
# transaction holds ≤ 40 entries + ≤ 41 totals items + the head, under DynamoDB's 100 actions
CHANGES_PER_WRITE = 40


class EntryState(StrEnum):
    PENDING = "pending"
    SETTLED = "settled"
    VOID = "void"
    CLAWBACK = "clawback"


STATES = tuple(EntryState)


class EntryKind(StrEnum):
    ACCRUAL = "accrual"  # posted when the order is paid
    REFUND = "refund"  # posted by an after-sales refund of the line (negative)


class PartyKind(StrEnum):
    CREATOR = "creator"  # earns the commission
    SHOP = "shop"  # owes it


def commission_fen(rate_bps: int, paid_fen: int, refunded_fen: int = 0) -> int:
    """floor(rate × (paid − refunded)), in integer fen; never below zero."""
    return rate_bps * max(paid_fen - refunded_fen, 0) // BPS


@dataclass(frozen=True)
class Earning:
    """Who an order line earns for, and at which rate."""

    creator_id: str
    rate_bps: int
    paid_fen: int


def earning(order: Order, line: OrderLine) -> Earning | None:
    """The line's earning: its stamped creator and rate, None when it earns nothing."""
    creator_id = line.attribution.creator_id if line.attribution else None
    rate = line.commission_rate_bps
    if not creator_id or not rate or rate <= 0 or creator_id == order.buyer_id:
        return None
    return Earning(creator_id, int(rate), line.total_fen)


def earnings(order: Order) -> dict[int, Earning]:
    """Earning lines by line number; empty when the order pays no commission at all."""
    found = {}
    for line in order.lines:
        if (earned := earning(order, line)) is not None:
            found[line.line] = earned
    return found


def entry_id(order_id: str, line: int, kind: EntryKind, ref: str = "") -> str:
    """Deterministic: the same event on the same line always names the same entry, so a
    replay finds it written (refund entries carry the after-sales case id)."""
    return f"{order_id}.{line}.{kind.value}" + (f".{ref}" if ref else "")


@dataclass(frozen=True)
class Entry:
    order_id: str
    line: int
    kind: EntryKind
    ref: str  # "" for the accrual, the case id for a refund
    creator_id: str
    shop_id: str
    amount_fen: int
    state: EntryState
    at: int  # when it was posted (the event's time)

    @property
    def entry_id(self) -> str:
        return entry_id(self.order_id, self.line, self.kind, self.ref)


@dataclass(frozen=True)
class OrderLedger:
    """One order's entries (by entry id) and its head. `accrued`: the payment was posted."""

    order_id: str
    entries: dict[str, Entry] = field(default_factory=dict)
    accrued: bool = False
    refunded: dict[int, int] = field(default_factory=dict)  # fen refunded so far, per line
    cases: frozenset[str] = frozenset()  # after-sales cases already posted
    cancelled: bool = False
    due_at: int | None = None  # set at completion: when it settles
    settled_at: int | None = None
    version: int = 0  # the head's optimistic lock (0: no head yet)

    def line_entries(self, line: int) -> list[Entry]:
        return [entry for entry in self.entries.values() if entry.line == line]

    def with_states(self, moved: dict[str, EntryState]) -> OrderLedger:
        entries = dict(self.entries)
        for key, state in moved.items():
            entries[key] = replace(entries[key], state=state)
        return replace(self, entries=entries)

    def with_entry(self, entry: Entry) -> OrderLedger:
        return replace(self, entries={**self.entries, entry.entry_id: entry})


# --- the rules: ledger → next ledger ----------------------------------------------------------

def accrue(order: Order, ledger: OrderLedger) -> OrderLedger:
    """The payment: an accrual entry per earning line (none for a line whose commission floors
    to 0 fen). Once per order; an order never paid accrues nothing."""
    if ledger.accrued or order.paid_at is None:
        return ledger
    accrued = replace(ledger, accrued=True)
    for number, earned in earnings(order).items():
        amount = commission_fen(earned.rate_bps, earned.paid_fen)
        if amount:
            accrued = accrued.with_entry(Entry(
                order.order_id, number, EntryKind.ACCRUAL, "", earned.creator_id,
                order.shop_id, amount, EntryState.PENDING, order.paid_at))
    return accrued


def cancel(order: Order, ledger: OrderLedger) -> OrderLedger:
    """A cancel (only possible before shipping): every pending entry of the order turns void."""
    ledger = accrue(order, ledger)
    pending = {key: EntryState.VOID for key, entry in ledger.entries.items()
               if entry.state is EntryState.PENDING}
    return replace(ledger.with_states(pending), cancelled=True)


def refund(order: Order, ledger: OrderLedger, line: int, amount_fen: int, case_id: str,
           at: int) -> OrderLedger:
    """An after-sales refund of `amount_fen` on `line` (case `case_id`): post the difference
    between the line's new commission and its live entries; a full refund voids the line's
    pending entries first. After settlement the difference is a clawback."""
    ledger = accrue(order, ledger)
    earned = earnings(order).get(line)
    if earned is None or case_id in ledger.cases:
        return ledger
    refunded = min(ledger.refunded.get(line, 0) + amount_fen, earned.paid_fen)
    ledger = replace(ledger, refunded={**ledger.refunded, line: refunded},
                     cases=ledger.cases | {case_id})
    if refunded >= earned.paid_fen:
        ledger = ledger.with_states({
            entry.entry_id: EntryState.VOID for entry in ledger.line_entries(line)
            if entry.state is EntryState.PENDING})
    difference = commission_fen(earned.rate_bps, earned.paid_fen, refunded) - live_fen(
        ledger, line)
    if difference == 0:
        return ledger
    state = EntryState.CLAWBACK if ledger.settled_at is not None else EntryState.PENDING
    return ledger.with_entry(Entry(order.order_id, line, EntryKind.REFUND, case_id,
                                   earned.creator_id, order.shop_id, difference, state, at))


def complete(order: Order, ledger: OrderLedger, completed_at: int,
             settlement_period_ms: int) -> OrderLedger:
    """Completion: the order's pending entries (and any posted later) settle at
    completed_at + the settlement period."""
    ledger = accrue(order, ledger)
    if ledger.due_at is not None or ledger.settled_at is not None:
        return ledger
    return replace(ledger, due_at=completed_at + settlement_period_ms)


def settle(ledger: OrderLedger, now: int) -> OrderLedger:
    """The settlement job, once the order is due: every pending entry → settled."""
    if ledger.due_at is None or ledger.due_at > now or ledger.settled_at is not None:
        return ledger
    pending = {key: EntryState.SETTLED for key, entry in ledger.entries.items()
               if entry.state is EntryState.PENDING}
    return replace(ledger.with_states(pending), due_at=None, settled_at=now)


def live_fen(ledger: OrderLedger, line: int) -> int:
    """What the line's entries that still count (every state but void) add up to: the line's
    commission as the ledger holds it."""
    return sum(entry.amount_fen for entry in ledger.line_entries(line)
               if entry.state is not EntryState.VOID)


# --- what to write ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """A new entry (`before` None) or an entry's state move (`before` = its state as read)."""

    entry: Entry  # as it is to be stored
    before: EntryState | None = None


class AmountEdited(ValueError):
    """A rule tried to change a stored amount: the ledger never edits one."""


def changes(before: OrderLedger, after: OrderLedger) -> list[Change]:
    """The entries to put and the states to move, in entry-id order."""
    found = []
    for key in sorted(after.entries):
        entry, old = after.entries[key], before.entries.get(key)
        if old is None:
            found.append(Change(entry))
        elif old.amount_fen != entry.amount_fen:
            raise AmountEdited(key)
        elif old.state is not entry.state:
            found.append(Change(entry, old.state))
    return found


def head_changed(before: OrderLedger, after: OrderLedger) -> bool:
    return (before.accrued, before.refunded, before.cases, before.cancelled, before.due_at,
            before.settled_at) != (after.accrued, after.refunded, after.cases, after.cancelled,
                                   after.due_at, after.settled_at)


Party = tuple[PartyKind, str]


def totals_shard(order_id: str) -> int:
    """Which of a party's totals items an order's entries move (all of them the same one)."""
    return zlib.crc32(order_id.encode()) % TOTALS_SHARDS


def totals_deltas(moves: list[Change]) -> dict[Party, dict[EntryState, int]]:
    """How the changes move each party's totals: a new entry adds its amount to its state; a
    move takes it from the old state and adds it to the new. Zero deltas are left out."""
    deltas: dict[Party, dict[EntryState, int]] = {}
    for change in moves:
        entry = change.entry
        for party in ((PartyKind.CREATOR, entry.creator_id), (PartyKind.SHOP, entry.shop_id)):
            per_state = deltas.setdefault(party, {})
            per_state[entry.state] = per_state.get(entry.state, 0) + entry.amount_fen
            if change.before is not None:
                per_state[change.before] = per_state.get(change.before, 0) - entry.amount_fen
    return {party: {state: delta for state, delta in per_state.items() if delta}
            for party, per_state in deltas.items()
            if any(per_state.values())}


def in_writes(found: list[Change]) -> list[list[Change]]:
    """The changes in groups of at most CHANGES_PER_WRITE, one transaction each (the last one
    carries the head, so a crash between them leaves the head as it was and a replay finishes
    the work: the rules converge on what landed)."""
    return [found[start:start + CHANGES_PER_WRITE]
            for start in range(0, len(found), CHANGES_PER_WRITE)] or [[]]


def settlement_period_ms(days: int) -> int:
    return days * 24 * 60 * 60 * 1000
