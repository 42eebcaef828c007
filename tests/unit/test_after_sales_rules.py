"""The after-sales state machine, the per-line claim rule and the service-session metrics."""

import pytest

from chalicelib.domain.after_sales import (
    CLAIMABLE_ORDER_STATES,
    CaseAction,
    CaseStatus,
    CaseType,
    ClaimChange,
    ClaimRuleError,
    IllegalCaseTransition,
    LineClaim,
    ServiceSession,
    SessionRuleError,
    check_claim,
    check_session_times,
    handling_ms,
    is_low_rating,
    next_step,
    returned_stock,
    reviewed_product,
)
from chalicelib.domain.orders import OrderLine, OrderStatus, StockTake

S = CaseStatus
A = CaseAction
REFUND, RETURN = CaseType.REFUND, CaseType.RETURN_REFUND


def _line(quantity=2, unit=1000, parts=None, product_id="p1"):
    return OrderLine(line=0, title="t", quantity=quantity, unit_price_fen=unit,
                     product_id=product_id,
                     parts=parts or [StockTake("p1.0", "p1", 0, 1)])


@pytest.mark.parametrize(("status", "action", "case_type", "fault", "target", "claim"), [
    (S.REQUESTED, A.APPROVE, REFUND, None, S.REFUNDED, ClaimChange.SETTLE),
    (S.REQUESTED, A.APPROVE, RETURN, None, S.AWAITING_RETURN, ClaimChange.NONE),
    (S.REQUESTED, A.REJECT, RETURN, None, S.REJECTED, ClaimChange.WITHDRAW),
    (S.REJECTED, A.ESCALATE, REFUND, None, S.DISPUTED, ClaimChange.ACQUIRE),
    (S.DISPUTED, A.RULE, REFUND, True, S.REFUNDED, ClaimChange.SETTLE),
    (S.DISPUTED, A.RULE, RETURN, True, S.AWAITING_RETURN, ClaimChange.NONE),
    (S.DISPUTED, A.RULE, RETURN, False, S.CLOSED, ClaimChange.WITHDRAW),
    (S.AWAITING_RETURN, A.RECEIVE, RETURN, None, S.REFUNDED, ClaimChange.SETTLE),
])
def test_legal_steps(status, action, case_type, fault, target, claim):
    step = next_step(status, action, case_type, fault)
    assert (step.target, step.claim) == (target, claim)
    assert step.approved == (target in (S.REFUNDED, S.AWAITING_RETURN)
                             and action is not A.RECEIVE)


LEGAL = {(S.REQUESTED, A.APPROVE), (S.REQUESTED, A.REJECT), (S.REJECTED, A.ESCALATE),
         (S.DISPUTED, A.RULE), (S.AWAITING_RETURN, A.RECEIVE)}


@pytest.mark.parametrize(("status", "action"), [
    (status, action) for status in CaseStatus for action in CaseAction
    if (status, action) not in LEGAL])
def test_every_other_step_is_illegal(status, action):
    with pytest.raises(IllegalCaseTransition) as raised:
        next_step(status, action, RETURN, True)
    assert (raised.value.status, raised.value.action) == (status, action)


def test_terminal_states_allow_nothing():
    for status in (S.REFUNDED, S.CLOSED):
        for action in CaseAction:
            with pytest.raises(IllegalCaseTransition):
                next_step(status, action, REFUND, True)


def test_claim_fits_what_is_left_of_the_line():
    line = _line(quantity=2, unit=1000)
    assert check_claim(line, LineClaim(), REFUND, 2000, None) == 0
    assert check_claim(line, LineClaim(claimed_fen=1500), REFUND, 500, None) == 0
    with pytest.raises(ClaimRuleError) as raised:
        check_claim(line, LineClaim(claimed_fen=1500), REFUND, 501, None)
    assert (raised.value.field, raised.value.details["claimable_fen"]) == ("amount_fen", 500)
    with pytest.raises(ClaimRuleError):
        check_claim(line, LineClaim(), REFUND, 2001, None)
    with pytest.raises(ClaimRuleError) as raised:
        check_claim(line, LineClaim(claimed_fen=2500), REFUND, 1, None)  # never negative room
    assert raised.value.details["claimable_fen"] == 0


def test_returned_units_default_to_the_line_and_fit_what_is_left():
    line = _line(quantity=3, unit=1000)
    assert check_claim(line, LineClaim(), RETURN, 3000, None) == 3
    assert check_claim(line, LineClaim(claimed_fen=1000, claimed_units=1), RETURN, 2000,
                       None) == 2
    assert check_claim(line, LineClaim(claimed_units=1), RETURN, 100, 2) == 2
    with pytest.raises(ClaimRuleError) as raised:  # nothing left to send back
        check_claim(line, LineClaim(claimed_fen=1000, claimed_units=3), RETURN, 100, None)
    assert raised.value.details["returnable_units"] == 0
    with pytest.raises(ClaimRuleError) as raised:
        check_claim(line, LineClaim(claimed_units=2), RETURN, 100, 2)
    assert (raised.value.field, raised.value.details["returnable_units"]) == ("quantity", 1)
    with pytest.raises(ClaimRuleError) as raised:
        check_claim(line, LineClaim(), REFUND, 100, 1)
    assert raised.value.field == "quantity"


def test_returned_stock_scales_every_bundle_part():
    line = _line(quantity=3, parts=[StockTake("a.0", "a", 0, 1), StockTake("b.2", "b", 2, 2)],
                 product_id=None)
    assert returned_stock(line, 2) == [StockTake("a.0", "a", 0, 2), StockTake("b.2", "b", 2, 4)]
    assert reviewed_product(line) == "a"
    assert reviewed_product(_line()) == "p1"


def test_after_sales_starts_once_goods_left():
    for status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        assert status in CLAIMABLE_ORDER_STATES
    for status in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.CANCELLED):
        assert status not in CLAIMABLE_ORDER_STATES


def test_low_ratings_and_handling_time():
    assert [is_low_rating(n) for n in range(1, 6)] == [True, True, False, False, False]
    assert handling_ms(1000, 4000) == 3000
    assert handling_ms(None, 4000) is None and handling_ms(1000, None) is None


def _session(first_ms, human_ms=None):
    return ServiceSession(shop_id="s", session_id="k", started_at=10_000,
                          first_reply_at=10_000 + first_ms, resolved=False, reported_at=0,
                          human_reply_at=None if human_ms is None else 10_000 + human_ms)


@pytest.mark.parametrize(("first", "human", "within_3s", "within_3min"), [
    (0, None, True, True),
    (3_000, None, True, True),
    (3_001, None, False, True),
    (180_000, None, False, True),
    (180_001, None, False, False),
    (1_000, 180_000, True, True),
    (1_000, 180_001, True, False),
])
def test_session_reply_metrics(first, human, within_3s, within_3min):
    metrics = _session(first, human).metrics()
    assert (metrics["first_reply_ms"], metrics["human_reply_ms"]) == (first, human)
    assert (metrics["replied_within_3s"], metrics["replied_within_3min"]) == (within_3s,
                                                                              within_3min)


@pytest.mark.parametrize(("started", "first", "human", "field"), [
    (100, 99, None, "first_reply_at"),
    (100, 200, 150, "human_reply_at"),
    (100, 1_000 + 5 * 60_000 + 1, None, "first_reply_at"),
    (100, 200, 1_000 + 5 * 60_000 + 1, "human_reply_at"),
])
def test_session_times_are_checked(started, first, human, field):
    with pytest.raises(SessionRuleError) as raised:
        check_session_times(started, first, human, now=1_000)
    assert raised.value.field == field


def test_session_times_accept_equal_instants_and_small_skew():
    check_session_times(100, 100, 100, now=100)
    check_session_times(100, 200, 1_000 + 5 * 60_000, now=1_000)
