"""Live sessions, videos and the post-stream night rule, as pure rules."""

import pytest

from chalicelib.domain.clock import DAY_MS, business_day_start_ms
from chalicelib.domain.live import (
    ASSIST,
    LINE,
    MAX_SESSION_MS,
    EndedSession,
    LiveRuleError,
    LiveSession,
    TailEntry,
    VideoAuthor,
    check_anchors,
    check_cut_from,
    check_ended_at,
    check_link,
    check_session_products,
    check_started_at,
    day_totals,
    ended_sessions,
    night_days,
    night_number,
    night_of,
    stream_sales,
    tail_entries,
    video_owner_shop,
)
from chalicelib.domain.orders import (
    Assist,
    Attribution,
    Channel,
    Order,
    OrderLine,
    OrderStatus,
    Scene,
    Source,
)

MINUTE = 60_000
# 23:59 on 2026-12-01 in Shanghai (15:59 UTC): the stream ends one minute before midnight
END = business_day_start_ms("2026-12-02") - MINUTE


def at(day: str, hh: int = 0, mm: int = 0, ss: int = 0) -> int:
    """An instant of a Shanghai business day."""
    return business_day_start_ms(day) + ((hh * 60 + mm) * 60 + ss) * 1000


# --- the night rule ----------------------------------------------------------------------------

def test_night_zero_is_the_rest_of_the_shanghai_day_the_stream_ended_on():
    assert night_of(END, END) == 0
    assert night_of(END, at("2026-12-01", 23, 59, 59)) == 0
    assert night_of(END, END - 1) is None  # during the stream: stream GMV, not tail
    assert night_of(END, at("2026-12-01", 9)) is None  # earlier that day
    # one minute later it is 00:00 in Shanghai (16:00 UTC, still Dec 1 in UTC): night 1
    assert night_of(END, at("2026-12-02")) == 1


def test_nights_one_to_fourteen_are_the_days_after_and_later_counts_nothing():
    assert night_of(END, at("2026-12-02", 12)) == 1
    assert night_of(END, at("2026-12-15", 23, 59, 59)) == 14
    assert night_of(END, at("2026-12-16")) is None
    assert [night_number(END, day) for day in ("2026-11-30", "2026-12-01", "2026-12-02",
                                               "2026-12-15", "2026-12-16")] == [
        None, 0, 1, 14, None]


def test_a_stream_ending_at_shanghai_midnight_has_its_night_zero_on_the_new_day():
    midnight = business_day_start_ms("2026-12-02")  # 16:00 UTC on Dec 1
    assert night_number(midnight, "2026-12-02") == 0
    assert night_number(midnight, "2026-12-01") is None


def test_night_days_run_to_today_and_stop_after_night_fourteen():
    assert night_days(END, "2026-12-01") == ["2026-12-01"]
    assert night_days(END, "2026-12-03") == ["2026-12-01", "2026-12-02", "2026-12-03"]
    everything = night_days(END, "2027-01-30")
    assert (len(everything), everything[0], everything[-1]) == (15, "2026-12-01", "2026-12-15")


# --- sessions ----------------------------------------------------------------------------------

def session(**changes) -> LiveSession:
    fields = {"live_id": "lv1", "title": "t", "owner_id": "m1", "products": ["p"],
              "started_at": at("2026-12-01", 20), "created_at": at("2026-12-01", 20),
              "shop_id": "s1"}
    return LiveSession(**{**fields, **changes})


def test_a_session_ends_automatically_24_hours_after_its_start():
    running = session()
    assert running.running and running.auto_end_at == running.started_at + MAX_SESSION_MS
    assert running.in_stream(running.started_at)
    assert running.in_stream(running.auto_end_at)
    assert not running.in_stream(running.auto_end_at + 1)  # overdue: the job ends it then
    assert not running.in_stream(running.started_at - 1)
    ended = session(ended_at=at("2026-12-01", 22))
    assert not ended.running and ended.stream_end == at("2026-12-01", 22)
    assert not ended.in_stream(at("2026-12-01", 22) + 1)


def test_start_and_end_bounds():
    now = at("2026-12-01", 12)
    check_started_at(now + 5 * MINUTE, now)
    check_started_at(now - MAX_SESSION_MS, now)
    for bad in (now + 5 * MINUTE + 1, now - MAX_SESSION_MS - 1):
        with pytest.raises(LiveRuleError) as error:
            check_started_at(bad, now)
        assert error.value.field == "started_at"
    running = session(started_at=now - DAY_MS // 2)
    check_ended_at(running, running.started_at, now)
    check_ended_at(running, now, now)
    for bad in (running.started_at - 1, now + 6 * MINUTE):
        with pytest.raises(LiveRuleError):
            check_ended_at(running, bad, now)
    with pytest.raises(LiveRuleError, match="24 hours"):
        check_ended_at(running, running.auto_end_at + 1, running.auto_end_at + 2)


def test_session_products_must_exist_and_a_shop_session_sells_only_its_own():
    def shop_of(product_id):
        return product_id.split(".")[0]

    check_session_products("s1", ["s1.a", "s1.b"], {"s1.a", "s1.b"}, shop_of)
    check_session_products(None, ["s1.a", "s2.b"], {"s1.a", "s2.b"}, shop_of)  # a creator's
    with pytest.raises(LiveRuleError) as error:
        check_session_products("s1", ["s1.a", "s1.x"], {"s1.a"}, shop_of)
    assert error.value.code == "products_not_found"
    with pytest.raises(LiveRuleError) as error:
        check_session_products("s1", ["s1.a", "s2.b"], {"s1.a", "s2.b"}, shop_of)
    assert error.value.code == "products_not_of_shop"


def order(lines, assists=(), order_id="o1", shop_id="s1") -> Order:
    built = [OrderLine(line=n, title="x", quantity=1, unit_price_fen=fen,
                       attribution=attribution) for n, (fen, attribution) in enumerate(lines)]
    return Order(order_id=order_id, checkout_id="c1", buyer_id="u1", shop_id=shop_id,
                 shop_name="n", merchant_id="m1", status=OrderStatus.PAID, lines=built,
                 source=Source(Scene.VIDEO), created_at=0, updated_at=0,
                 total_fen=sum(fen for fen, _ in lines), assists=list(assists))


def test_stream_sales_sum_the_lines_attributed_to_each_session():
    live = Attribution(Channel.LIVE, live_id="lv1")
    cut = Attribution(Channel.VIDEO, video_id="vd1", live_id="lv1")
    other = Attribution(Channel.LIVE, live_id="lv2")
    paid = order([(100, live), (200, cut), (300, other), (400, Attribution(Channel.SEARCH)),
                  (500, None)])
    assert stream_sales(paid) == {"lv1": 300, "lv2": 300}


# --- videos ------------------------------------------------------------------------------------

MERCHANT = VideoAuthor("m1", True, frozenset({"s1", "s3"}))
CREATOR = VideoAuthor("c1", False)


def shop_of(product_id):
    return product_id.split(".")[0]


def test_a_merchant_video_belongs_to_the_one_owned_shop_of_its_anchors():
    assert video_owner_shop(MERCHANT, ["s1.a", "s1.b"], shop_of) == "s1"
    assert video_owner_shop(CREATOR, ["s1.a", "s2.b"], shop_of) is None
    with pytest.raises(LiveRuleError) as error:
        video_owner_shop(MERCHANT, ["s1.a", "s3.b"], shop_of)
    assert error.value.code == "anchors_of_several_shops"
    with pytest.raises(LiveRuleError) as error:
        video_owner_shop(MERCHANT, ["s2.a"], shop_of)
    assert error.value.code == "not_owner"


def test_anchors_must_be_on_shelf():
    check_anchors(["s1.a"], ["s1.a", "s1.b"])
    with pytest.raises(LiveRuleError) as error:
        check_anchors(["s1.a", "s1.off"], ["s1.a"])
    assert (error.value.field, error.value.code) == ("anchors", "anchors_unavailable")


def test_storefront_links():
    check_link(MERCHANT, None, False)
    check_link(MERCHANT, "s3", True)  # another shop of its own
    check_link(CREATOR, "s9", True)  # a creator links any shop
    with pytest.raises(LiveRuleError) as error:
        check_link(MERCHANT, "s9", True)
    assert error.value.code == "not_owner"
    with pytest.raises(LiveRuleError) as error:
        check_link(CREATOR, "s9", False)
    assert error.value.code == "shop_not_found"


def test_a_video_is_cut_only_from_a_session_of_the_same_creator_or_shop():
    shop_session = session(shop_id="s1", owner_id="m1")
    creator_session = session(shop_id=None, creator_id="c1", owner_id="c1")
    check_cut_from(MERCHANT, "s1", shop_session, "lv1")
    check_cut_from(CREATOR, None, creator_session, "lv1")
    check_cut_from(CREATOR, None, None, None)  # not cut from a stream
    for author, owner_shop, cut_from in ((MERCHANT, "s3", shop_session),  # its other shop
                                         (MERCHANT, "s1", creator_session),
                                         (CREATOR, None, shop_session),
                                         (VideoAuthor("c2", False), None, creator_session)):
        with pytest.raises(LiveRuleError) as error:
            check_cut_from(author, owner_shop, cut_from, "lv1")
        assert (error.value.field, error.value.code) == ("live_id", "live_of_another_owner")
    with pytest.raises(LiveRuleError) as error:
        check_cut_from(CREATOR, None, None, "lv-gone")
    assert error.value.code == "live_not_found"


# --- the day's sums ----------------------------------------------------------------------------

def test_tail_entries_are_the_video_lines_and_one_per_assisting_video():
    cut = Attribution(Channel.VIDEO, video_id="vd1", live_id="lv1")
    paid = order([(100, cut), (200, Attribution(Channel.SEARCH))],
                 assists=[Assist("vd2", 1), Assist("vd2", 2), Assist("vd3", 3)])
    entries = tail_entries(paid, END)
    assert [(e.kind, e.video_id, e.gmv_fen, e.line) for e in entries] == [
        (LINE, "vd1", 100, 0), (ASSIST, "vd2", 300, None), (ASSIST, "vd3", 300, None)]


def entry(order_id, video_id, fen, paid_at, kind=LINE, line=0):
    return TailEntry(order_id, kind, video_id, "s1", fen, paid_at, line if kind == LINE else None)


def test_day_totals_count_orders_once_keep_assists_apart_and_sum_shops():
    cut_from = {"vdA": "lvA", "vdA2": "lvA", "vdB": "lvB", "vdR": "lvRun", "vdX": "lvGone"}
    sessions = {"lvA": EndedSession("lvA", END, "s1"), "lvB": EndedSession("lvB", END, "s1"),
                "lvC": EndedSession("lvC", END, None)}
    paid = at("2026-12-02", 10)  # night 1 for all of them
    entries = [
        entry("o1", "vdA", 100, paid, line=0), entry("o1", "vdA2", 50, paid, line=1),
        entry("o1", "vdB", 30, paid, line=2),
        entry("o1", "vdA", 180, paid, kind=ASSIST), entry("o1", "vdA2", 180, paid, kind=ASSIST),
        entry("o2", "vdB", 70, paid),
        entry("o3", "vdR", 999, paid),  # its session still runs
        entry("o4", "vdX", 999, paid),  # cut from a session that does not exist
        entry("o5", "vdNone", 999, paid),  # cut from no session
    ]
    totals = day_totals(entries, cut_from, sessions)
    night_a, a = totals.sessions["lvA"]
    night_b, b = totals.sessions["lvB"]
    assert (night_a, a.gmv_fen, a.orders, a.assisted_gmv_fen) == (1, 150, 1, 180)
    assert (night_b, b.gmv_fen, b.orders, b.assisted_gmv_fen) == (1, 100, 2, 0)
    assert set(totals.sessions) == {"lvA", "lvB"}
    shop = totals.shops["s1"]
    assert (shop.gmv_fen, shop.orders, shop.assisted_gmv_fen) == (250, 2, 180)


def test_day_totals_leave_out_what_falls_outside_a_session_nights():
    sessions = {"lvA": EndedSession("lvA", END, "s1")}
    entries = [entry("o1", "vdA", 100, END - 1), entry("o2", "vdA", 10, at("2026-12-16", 1)),
               entry("o3", "vdA", 7, END)]
    totals = day_totals(entries, {"vdA": "lvA"}, sessions)
    night, only = totals.sessions["lvA"]
    assert (night, only.gmv_fen, only.orders) == (0, 7, 1)


def test_ended_sessions_leave_running_ones_out():
    assert ended_sessions({"a": session(ended_at=END), "b": session()}) == {
        "a": EndedSession("lv1", END, "s1")}
