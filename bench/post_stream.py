"""`python -m bench.post_stream [--json PATH]`: the post-stream job's DynamoDB calls against the
number of sessions, of the day's attributed orders and of all the day's orders (target: flat in
the unattributed orders; it may grow with sessions and attributed sales only).

Each row is a fresh moto (in-process, with local/moto_server.py's patches, as tests/api uses):
shops and their ended sessions (10:00–12:00 on the business day), two videos cut from each,
then A attributed orders (a line from one of those videos; every 4th also assisted by a
video's store visit) and U unattributed ones, all paid at 20:00 that day. The orders are
bulk-written and each is handed to the real paid-order handler of the events consumer
(services.live.count_paid_order), the only writer of the job's input. Then the real job runs
for that day (`runner.start("post-stream", {"day": ...})` and every SQS chunk), counted at
botocore: the whole run (the runner's own bookkeeping included) and `sum_day` alone, with the
items its Queries read. The night-0 figures it wrote are checked against the orders placed, so
a cheap wrong answer cannot pass.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from bench import env
from bench.counter import dynamodb_calls
from bench.round_trips import _quiet_logs
from bench.table import render, run_section

Progress = Callable[[str], None]

DAY = "2026-12-01"
# (sessions, attributed orders, unattributed orders)
ROWS = ((5, 20, 10), (5, 20, 100), (5, 20, 1_000), (5, 200, 1_000), (50, 200, 1_000))
SESSIONS_PER_SHOP = 5
VIDEOS_PER_SESSION = 2
LINE_FEN = 9_900
HOUR_MS = 3_600_000
FLAT_TARGET = "job calls flat in the day's unattributed orders (10 → 1,000)"


def measure(progress: Progress = print) -> dict:
    env.apply()
    from moto import mock_aws

    from chalicelib.domain import clock
    from local.moto_server import apply_patches

    apply_patches()
    day_start = clock.business_day_start_ms(DAY)
    previous = clock.source
    clock.source = lambda: day_start + 22 * HOUR_MS  # 22:00 that day in Shanghai
    rows = []
    try:
        for sessions, attributed, unattributed in ROWS:
            with mock_aws(), _quiet_logs():
                rows.append(_row(sessions, attributed, unattributed, day_start, progress))
    finally:
        clock.source = previous
    return {"day": DAY, "target": FLAT_TARGET, "rows": rows}


def _row(sessions: int, attributed: int, unattributed: int, day_start: int,
         progress: Progress) -> dict:
    from chalicelib.queues import JOBS_QUEUE, ensure_queue
    from chalicelib.store.tables import create_missing_tables

    create_missing_tables(progress=lambda _: None)
    os.environ["SHELF_JOBS_QUEUE_URL"] = ensure_queue(JOBS_QUEUE, "shelf-bench-",
                                                      visibility_timeout=0)
    started = time.perf_counter()
    videos = _streams(sessions, day_start)
    expected = _orders(videos, attributed, unattributed, day_start + 20 * HOUR_MS)
    loaded = time.perf_counter() - started
    job_calls, day_calls = _run_job()
    problem = _check(expected)
    row = {"sessions": sessions, "attributed_orders": attributed,
           "unattributed_orders": unattributed, "job_calls": job_calls.total,
           "job_by_operation": dict(job_calls.by_operation), "sum_day_calls": day_calls.total,
           "sum_day_by_operation": dict(day_calls.by_operation),
           "index_items_read": day_calls.items_read["Query"],
           "verdict": "PASS" if problem is None else f"FAIL: {problem}"}
    progress(f"{sessions} sessions, {attributed} attributed + {unattributed} other orders "
             f"(loaded in {loaded:.1f}s): job {job_calls.describe()}")
    return row


def _streams(sessions: int, day_start: int) -> list:
    """Shops with ended sessions (10:00–12:00) and the videos cut from them."""
    from chalicelib.domain.catalog import Shop
    from chalicelib.domain.live import OWNER, LiveSession, Video
    from chalicelib.store import live as live_store
    from chalicelib.store import shops as shop_store
    from chalicelib.store import videos as video_store

    videos = []
    for n in range(sessions):
        shop_id, owner = f"s{n // SESSIONS_PER_SHOP:020d}", f"bench-m{n // SESSIONS_PER_SHOP}"
        if n % SESSIONS_PER_SHOP == 0:
            shop_store.create_shop(Shop(shop_id, owner, f"店 {n}", "", None, day_start,
                                        day_start))
        session = LiveSession(f"lv{n:020d}", f"专场 {n}", owner, [f"{shop_id}.p{0:020d}"],
                              day_start + 10 * HOUR_MS, day_start + 10 * HOUR_MS,
                              shop_id=shop_id)
        live_store.create_session(session)
        live_store.end_session(session, day_start + 12 * HOUR_MS, OWNER)
        for v in range(VIDEOS_PER_SESSION):
            video = Video(f"vd{n:018d}{v:02d}", f"切片 {v}", None, shop_id, session.products,
                          shop_id, session.live_id, day_start + 13 * HOUR_MS)
            video_store.save_video(video)
            videos.append(video)
    return videos


def _orders(videos: list, attributed: int, unattributed: int, paid_at: int) -> dict:
    """Bulk-write the day's paid orders and hand each to the paid-order handler; returns the
    night-0 figures expected per session."""
    from chalicelib.domain.events import Event, EventType
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
    from chalicelib.services.live import count_paid_order
    from chalicelib.store import orders as order_store

    expected: dict[str, dict] = {}
    orders = []
    for n in range(attributed + unattributed):
        video = videos[n % len(videos)] if n < attributed else None
        attribution = (Attribution(Channel.VIDEO, video_id=video.video_id) if video
                       else Attribution(Channel.SEARCH))
        assists = [Assist(video.video_id, paid_at - 60_000)] if video and n % 4 == 0 else []
        shop_id = video.shop_id if video else f"s{9:020d}"
        orders.append(Order(
            order_id=f"o{n:020d}", checkout_id=f"c{n:020d}", buyer_id=f"bench-u{n}",
            shop_id=shop_id, shop_name="店", merchant_id="bench-m", status=OrderStatus.PAID,
            lines=[OrderLine(0, "商品", 1, LINE_FEN, product_id=f"{shop_id}.p{0:020d}",
                             attribution=attribution)],
            source=Source(Scene.VIDEO if video else Scene.SEARCH), created_at=paid_at,
            updated_at=paid_at, total_fen=LINE_FEN, paid_at=paid_at, assists=assists))
        if video:
            figures = expected.setdefault(video.live_id, {"gmv_fen": 0, "orders": 0,
                                                          "assisted_gmv_fen": 0})
            figures["gmv_fen"] += LINE_FEN
            figures["orders"] += 1
            figures["assisted_gmv_fen"] += LINE_FEN if assists else 0
    with order_store.OrderModel.batch_write() as batch:
        for order in orders:
            batch.save(order_store.from_domain(order))
    for order in orders:
        event = Event(event_id=f"e{order.order_id}", type=EventType.ORDER_PAID, at=paid_at,
                      shop_id=order.shop_id, order_id=order.order_id)
        count_paid_order(event, order)
    return expected


def _run_job():
    from chalicelib.jobs import runner
    from chalicelib.services import post_stream
    from local.pumps import drain_job_queue

    with dynamodb_calls() as job_calls:
        runner.start("post-stream", {"day": DAY}, force=True)
        drain_job_queue()
    with dynamodb_calls() as day_calls:
        post_stream.sum_day(DAY)
    return job_calls, day_calls


def _check(expected: dict[str, dict]) -> str | None:
    from chalicelib.store import live as live_store

    for live_id, figures in expected.items():
        _, nights = live_store.session_with_nights(live_id)
        if nights.get(DAY) != figures:
            return f"{live_id} night 0 is {nights.get(DAY)}, expected {figures}"
    return None


def report(figures: dict) -> None:
    print(f"\n== The post-stream job's DynamoDB calls for one business day ({figures['day']}); "
          f"target: {figures['target']}")
    rows = [[r["sessions"], r["attributed_orders"], r["unattributed_orders"], r["job_calls"],
             ", ".join(f"{op} {n}" for op, n in sorted(r["job_by_operation"].items())),
             r["sum_day_calls"], r["index_items_read"], r["verdict"]]
            for r in figures["rows"]]
    print(render(["sessions", "attributed", "unattributed", "job calls", "by operation",
                  "sum_day calls", "index items read", "result"], rows,
                 right={0, 1, 2, 3, 5, 6}))


def targets(figures: dict) -> tuple[list[str], list[str]]:
    rows = figures["rows"]
    same = [r for r in rows if (r["sessions"], r["attributed_orders"]) == (
        rows[0]["sessions"], rows[0]["attributed_orders"])]
    calls = sorted({r["job_calls"] for r in same})
    line = f"{FLAT_TARGET}: {' / '.join(str(r['job_calls']) for r in same)} calls"
    ok = len(calls) == 1 and all(r["verdict"] == "PASS" for r in rows)
    return ([line], []) if ok else ([], [line])


def main(argv: list[str] | None = None) -> int:
    return run_section(__doc__.splitlines()[0], measure, report, targets, argv)


if __name__ == "__main__":
    raise SystemExit(main())
