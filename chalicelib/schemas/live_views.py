"""Response bodies for live sessions and videos."""

from __future__ import annotations

from chalicelib.domain.clock import to_iso
from chalicelib.domain.live import LiveSession, Video


def session_view(session: LiveSession, with_figures: bool) -> dict:
    """Public: who streams what and when. The stream figures (GMV, orders) only for the
    session's owner and ops (`with_figures`); the keys are absent for anyone else."""
    body = {
        "live_id": session.live_id,
        "title": session.title,
        "shop_id": session.shop_id,
        "creator_id": session.creator_id,
        "products": session.products,
        "status": "live" if session.running else "ended",
        "started_at": to_iso(session.started_at),
        "ended_at": to_iso(session.ended_at),
        "ends_automatically_at": to_iso(session.auto_end_at) if session.running else None,
    }
    if with_figures:
        body.update({"gmv_fen": session.gmv_fen, "orders": session.orders,
                     "ended_by": session.ended_by})
    return body


def video_view(video: Video) -> dict:
    return {
        "video_id": video.video_id,
        "title": video.title,
        "creator_id": video.creator_id,
        "shop_id_owner": video.shop_id_owner,
        "anchors": video.anchors,
        "shop_id": video.shop_id,
        "live_id": video.live_id,
        "created_at": to_iso(video.created_at),
    }
