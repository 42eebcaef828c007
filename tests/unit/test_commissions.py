"""The commission ledger's rules: pay, refunds, cancel, completion, settlement, clawback; the
floor rule per line at every step; self-purchase; replays and any order of events; totals."""

import random
from dataclasses import replace

import pytest

from chalicelib.domain import commissions as rules
from chalicelib.domain.commissions import (
    Change,
    EntryKind,
    EntryState,
    OrderLedger,
    PartyKind,
    commission_fen,
)
from chalicelib.domain.orders import (
    Attribution,
    Channel,
    Order,
    OrderLine,
    OrderStatus,
    Source,
    StockTake,
)

PAID_AT, DONE_AT, PERIOD = 1_000, 5_000, 15 * 86_400_000
P, S, V, C = EntryState.PENDING, EntryState.SETTLED, EntryState.VOID, EntryState.CLAWBACK


def _line(number, unit_fen, quantity=1, creator="c1", rate=1000):
    attribution = Attribution(Channel.DISTRIBUTION, creator_id=creator) if creator else None
    return OrderLine(line=number, title=f"t{number}", quantity=quantity,
                     unit_price_fen=unit_fen, product_id=f"s1.p{number}",
                     parts=[StockTake(f"s1.p{number}.0", f"s1.p{number}", 0, 1)],
                     attribution=attribution, commission_rate_bps=rate if creator else None)


def _order(*lines, buyer="u1", paid=True):
    return Order(order_id="o1", checkout_id="c", buyer_id=buyer, shop_id="s1", shop_name="n",
                 merchant_id="m1", status=OrderStatus.PAID, lines=list(lines),
                 source=Source(scene="distribution"), created_at=0, updated_at=0,
                 total_fen=sum(line.total_fen for line in lines),
                 paid_at=PAID_AT if paid else None)


class Books:
    """A ledger and its parties' totals, moved only through `changes` + `totals_deltas`, as
    the store writes them."""

    def __init__(self, order):
        self.order = order
        self.ledger = OrderLedger(order.order_id)
        self.totals: dict = {}
        self.written: list[list[Change]] = []

    def apply(self, rule) -> list[Change]:
        after = rule(self.ledger)
        found = rules.changes(self.ledger, after)
        for (kind, party), deltas in rules.totals_deltas(found).items():
            per_state = self.totals.setdefault((kind, party), dict.fromkeys(EntryState, 0))
            for state, delta in deltas.items():
                per_state[state] += delta
        self.ledger = after
        self.written.append(found)
        return found

    def pay(self):
        return self.apply(lambda ledger: rules.accrue(self.order, ledger))

    def refund(self, line, amount, case, at=3_000):
        return self.apply(lambda ledger: rules.refund(self.order, ledger, line, amount, case,
                                                      at))

    def cancel(self):
        return self.apply(lambda ledger: rules.cancel(self.order, ledger))

    def complete(self):
        return self.apply(lambda ledger: rules.complete(self.order, ledger, DONE_AT, PERIOD))

    def settle(self, now):
        return self.apply(lambda ledger: rules.settle(ledger, now))

    def states(self):
        return sorted((e.line, e.kind.value, e.amount_fen, e.state.value)
                      for e in self.ledger.entries.values())

    def creator_totals(self, creator="c1"):
        return self.totals.get((PartyKind.CREATOR, creator), dict.fromkeys(EntryState, 0))

    def check_totals(self):
        """Each party's totals are exactly the sums of its entries by state."""
        for (kind, party), per_state in self.totals.items():
            for state in EntryState:
                assert per_state[state] == sum(
                    e.amount_fen for e in self.ledger.entries.values()
                    if e.state is state and party == (
                        e.creator_id if kind is PartyKind.CREATOR else e.shop_id))


@pytest.mark.parametrize(("rate", "paid", "refunded", "expected"), [
    (1000, 259900, 0, 25990), (1, 9999, 0, 0), (1, 10000, 0, 1), (5000, 3, 0, 1),
    (333, 1001, 1, 33), (1000, 100, 100, 0), (1000, 100, 150, 0), (2500, 7, 3, 1),
])
def test_floor_rule_in_integer_fen(rate, paid, refunded, expected):
    assert commission_fen(rate, paid, refunded) == expected


def test_payment_accrues_a_pending_entry_per_earning_line():
    order = _order(_line(0, 259900), _line(1, 9900, creator=None), _line(2, 5, rate=100),
                   _line(3, 1000, creator="c2", rate=5000))
    books = Books(order)
    found = books.pay()
    # line 1: no creator; line 2: floor(100 × 5 / 10000) = 0 fen, so no entry
    assert books.states() == [(0, "accrual", 25990, "pending"), (3, "accrual", 500, "pending")]
    assert all(change.before is None for change in found)
    entry = books.ledger.entries["o1.0.accrual"]
    assert (entry.creator_id, entry.shop_id, entry.at) == ("c1", "s1", PAID_AT)
    assert books.creator_totals("c1")[P] == 25990
    assert books.creator_totals("c2")[P] == 500
    assert books.totals[(PartyKind.SHOP, "s1")][P] == 26490
    assert books.pay() == []  # a replay posts nothing
    books.check_totals()


def test_partial_refund_posts_a_negative_pending_difference():
    books = Books(_order(_line(0, 1000, quantity=3)))  # paid 3000 at 10 %: 300
    books.pay()
    books.refund(0, 1001, "as1")  # floor(0.1 × 1999) = 199 → −101
    assert books.states() == [(0, "accrual", 300, "pending"), (0, "refund", -101, "pending")]
    assert books.refund(0, 1001, "as1") == []  # the same case again: nothing
    books.refund(0, 9, "as2")  # floor(0.1 × 1990) = 199: the floor did not move, no entry
    assert len(books.ledger.entries) == 2 and "as2" in books.ledger.cases
    assert books.creator_totals()[P] == 199
    books.check_totals()


def test_full_refund_voids_the_lines_pending_entries():
    books = Books(_order(_line(0, 1000), _line(1, 2000)))
    books.pay()
    books.refund(0, 400, "as1")  # 100 → 60: −40
    found = books.refund(0, 600, "as2")  # the rest: line 0 is fully refunded
    assert {(c.entry.entry_id, c.before, c.entry.state) for c in found} == {
        ("o1.0.accrual", P, V), ("o1.0.refund.as1", P, V)}
    assert books.states() == [(0, "accrual", 100, "void"), (0, "refund", -40, "void"),
                              (1, "accrual", 200, "pending")]
    assert books.creator_totals() == {P: 200, S: 0, V: 60, C: 0}
    books.check_totals()


def test_cancel_voids_every_pending_entry_once():
    books = Books(_order(_line(0, 1000), _line(1, 3000)))
    books.pay()
    books.cancel()
    assert books.states() == [(0, "accrual", 100, "void"), (1, "accrual", 300, "void")]
    assert books.creator_totals() == {P: 0, S: 0, V: 400, C: 0}
    assert books.cancel() == [] and books.pay() == []
    books.check_totals()


def test_completion_makes_the_order_due_and_settlement_moves_pending_to_settled():
    books = Books(_order(_line(0, 1000), _line(1, 3000)))
    books.pay()
    books.complete()
    assert books.ledger.due_at == DONE_AT + PERIOD
    assert books.complete() == []  # completing again changes nothing
    assert books.settle(DONE_AT + PERIOD - 1) == []  # not yet due
    books.refund(1, 1000, "as1", at=DONE_AT + 1)  # in the window: still pending, −100
    moved = books.settle(DONE_AT + PERIOD)
    assert {c.entry.entry_id for c in moved} == {"o1.0.accrual", "o1.1.accrual",
                                                 "o1.1.refund.as1"}
    assert all((c.before, c.entry.state) == (P, S) for c in moved)
    assert (books.ledger.due_at, books.ledger.settled_at) == (None, DONE_AT + PERIOD)
    assert books.creator_totals() == {P: 0, S: 300, V: 0, C: 0}
    assert books.settle(DONE_AT + 2 * PERIOD) == []
    books.check_totals()


def test_refunds_after_settlement_are_clawbacks():
    books = Books(_order(_line(0, 1000), _line(1, 3000)))
    books.pay()
    books.complete()
    books.settle(DONE_AT + PERIOD)
    books.refund(0, 250, "as1", at=DONE_AT + PERIOD + 1)  # 100 → 75
    books.refund(1, 3000, "as2", at=DONE_AT + PERIOD + 2)  # line 1 in full: 300 → 0
    assert books.states() == [(0, "accrual", 100, "settled"), (0, "refund", -25, "clawback"),
                              (1, "accrual", 300, "settled"), (1, "refund", -300, "clawback")]
    assert books.creator_totals() == {P: 0, S: 400, V: 0, C: -325}
    books.check_totals()


def test_self_purchase_and_lines_without_a_rate_earn_nothing():
    own = _order(_line(0, 1000, creator="c1"), buyer="c1")
    assert rules.earnings(own) == {}
    books = Books(own)
    books.pay()
    assert books.ledger.entries == {}
    no_rate = _order(_line(0, 1000, rate=None))
    assert rules.earnings(no_rate) == {}
    bundle = _order(_line(0, 1000, rate=0))
    assert rules.earnings(bundle) == {}


def test_an_unpaid_order_accrues_nothing():
    books = Books(_order(_line(0, 1000), paid=False))
    books.cancel()
    assert books.ledger.entries == {} and not books.ledger.accrued


def test_later_events_first_accrue_a_payment_not_seen_yet():
    """The stream may hand a refund or a cancel over before the payment: the ledger ends the
    same as in order, and the late payment posts nothing."""
    in_order, out_of_order = Books(_order(_line(0, 1000))), Books(_order(_line(0, 1000)))
    in_order.pay()
    in_order.refund(0, 300, "as1")
    out_of_order.refund(0, 300, "as1")
    assert out_of_order.pay() == []
    assert out_of_order.states() == in_order.states()
    assert out_of_order.creator_totals() == in_order.creator_totals()
    cancelled = Books(_order(_line(0, 1000)))
    (change,) = cancelled.cancel()  # the accrual is put straight in its final state
    assert (change.before, change.entry.state, change.entry.amount_fen) == (None, V, 100)
    assert cancelled.creator_totals() == {P: 0, S: 0, V: 100, C: 0}


def test_amounts_are_never_edited():
    books = Books(_order(_line(0, 1000)))
    books.pay()
    edited = books.ledger.with_entry(replace(books.ledger.entries["o1.0.accrual"],
                                             amount_fen=1))
    with pytest.raises(rules.AmountEdited):
        rules.changes(books.ledger, edited)


def test_rounding_over_many_lines_holds_at_every_step():
    """Random prices, rates and refunds over 25 lines: each line's live entries always add up
    to floor(rate × (paid − refunded)), the totals to the entries, and nothing is posted twice."""
    rng = random.Random(20261201)
    lines = [_line(n, rng.randint(1, 500_000), quantity=rng.randint(1, 5),
                   creator=rng.choice(("c1", "c2", "c3")), rate=rng.randint(1, 5000))
             for n in range(25)]
    order = _order(*lines)
    books = Books(order)
    books.pay()
    refunded = dict.fromkeys(range(25), 0)
    settled_after = rng.randint(10, 30)
    for step in range(60):
        if step == settled_after:
            books.complete()
            books.settle(DONE_AT + PERIOD)
        line = rng.randrange(25)
        left = lines[line].total_fen - refunded[line]
        if left == 0:
            continue
        amount = left if rng.random() < 0.15 else rng.randint(1, left)
        books.refund(line, amount, f"as{step}", at=2_000 + step)
        refunded[line] += amount
        assert books.refund(line, amount, f"as{step}") == []  # replayed
        for number, item in enumerate(lines):
            expected = commission_fen(item.commission_rate_bps, item.total_fen,
                                      refunded[number])
            assert rules.live_fen(books.ledger, number) == expected
    books.check_totals()
    kinds = {entry.kind for entry in books.ledger.entries.values()}
    assert kinds == {EntryKind.ACCRUAL, EntryKind.REFUND}
    assert {entry.state for entry in books.ledger.entries.values()} >= {S, C}


def test_writes_are_chunked_under_the_transaction_limit():
    changes = [Change(entry) for entry in _entries(95)]
    groups = rules.in_writes(changes)
    assert [len(group) for group in groups] == [40, 40, 15]
    for group in groups:  # entries + their totals items + the head
        assert len(group) + len(rules.totals_deltas(group)) + 1 <= 100
    assert rules.in_writes([]) == [[]]  # a head-only write is still one transaction


def _entries(count):
    order = _order(*[_line(n % 25, 1000 + n, creator=f"c{n}") for n in range(count)])
    return [rules.Entry(order.order_id, n, EntryKind.ACCRUAL, "", f"c{n}", "s1", 10, P, 1)
            for n in range(count)]


def test_totals_shard_is_stable_per_order():
    assert rules.totals_shard("o1") == rules.totals_shard("o1")
    assert {rules.totals_shard(f"o{n}") for n in range(100)} == set(range(rules.TOTALS_SHARDS))
