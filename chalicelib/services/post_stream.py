"""Post-stream tail GMV (docs/post-stream.md): the index a paid order feeds, the day the job
sums, and the two reads.

    index a paid order  nothing unless a line is attributed to a video or a video assisted
                        it; then 1 BatchWriteItem (≤ 25 entries)
    sum one day (job)   TAIL_SHARDS Queries of the day's index (paged by 1 MB) + 1
                        BatchGetItem per 100 videos + 1 per 100 sessions + 1 BatchWriteItem
                        per 25 night rows and per 25 shop rows: it grows with the day's
                        attributed sales, never with all orders
    tail GMV            1 Query (the session's partition: session + night rows)
    shop report         1 GetItem (the shop's owner) + 1 Query
"""

from __future__ import annotations

from chalicelib.auth import Principal
from chalicelib.domain.clock import business_day, now_ms, to_iso
from chalicelib.domain.events import Event
from chalicelib.domain.live import day_range, day_totals, ended_sessions, night_days, tail_entries
from chalicelib.domain.orders import Order
from chalicelib.errors import NotFound
from chalicelib.services import live as live_service
from chalicelib.services import reports
from chalicelib.store import live as live_store
from chalicelib.store import tail as tail_store
from chalicelib.store import videos as video_store

_ZERO = {"gmv_fen": 0, "orders": 0, "assisted_gmv_fen": 0}


def index_paid(event: Event, order: Order) -> int:
    """Events-consumer handler of a paid order: its video-attributed lines and assists go to
    the post-stream index (idempotent puts)."""
    return index_paid_order(order, live_service.paid_time(event, order))


def index_paid_order(order: Order, paid_at: int) -> int:
    """Put the order's video-attributed lines and assists under its paid business day;
    returns how many entries (rewriting the same ones on a replay)."""
    entries = tail_entries(order, paid_at)
    if entries:
        tail_store.put_entries(business_day(paid_at), entries)
    return len(entries)


def sum_day(day: str) -> dict:
    """Recompute and overwrite one business day's night rows (per session) and shop rows from
    the day's index; the same index gives the same rows however often it runs."""
    entries = tail_store.day_entries(day)
    if not entries:
        return {"day": day, "entries": 0, "sessions": 0, "shops": 0}
    videos = video_store.batch_get_videos({entry.video_id for entry in entries})
    cut_from = {video_id: video.live_id for video_id, video in videos.items() if video.live_id}
    sessions = live_store.batch_get_sessions(set(cut_from.values())) if cut_from else {}
    totals = day_totals(entries, cut_from, ended_sessions(sessions))
    now = now_ms()
    if totals.sessions:
        live_store.put_night_rows(day, totals.sessions, now)
    if totals.shops:
        tail_store.put_shop_days(day, totals.shops, now)
    return {"day": day, "entries": len(entries), "sessions": len(totals.sessions),
            "shops": len(totals.shops)}


def tail_gmv(principal: Principal, live_id: str) -> dict:
    """Nights 0..14 of the session that have begun, zeros included (none while it runs)."""
    session, rows = live_store.session_with_nights(live_id)
    if session is None:
        raise NotFound("live session not found", code="live_not_found")
    live_service.authorize_owner(principal, session)
    days = [] if session.ended_at is None else night_days(session.ended_at,
                                                          business_day(now_ms()))
    return {"live_id": live_id, "ended_at": to_iso(session.ended_at),
            "nights": [{"night": day, **rows.get(day, _ZERO)} for day in days]}


def shop_report(shop_id: str, first: str | None, last: str | None) -> dict:
    """The shop's own sessions' post-stream figures per business day, zeros included (the
    caller authorized the reader: reports.authorize_shop)."""
    start, end = reports.window(first, last)
    rows = tail_store.shop_days(shop_id, start, end)
    return {"shop_id": shop_id, "from": start, "to": end,
            "items": [{"day": day, **rows.get(day, _ZERO)} for day in day_range(start, end)]}
