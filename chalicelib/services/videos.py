"""Short videos: post one (a merchant or a creator), read one, list a session's (anyone).

    create  1 BatchGetItem (the anchors' status, the shops named, the session it was cut
            from) + 1 PutItem
    read    1 GetItem
    a session's videos  1 Query of the videos' `by_live` index (+ 1 GetItem of the session
            when its first page is empty, to tell "no videos yet" from "no such session")
The rules (who may anchor, link and cut from what) are chalicelib.domain.live's.
"""

from __future__ import annotations

from chalicelib.auth import Principal, Role, require_role
from chalicelib.domain import ids
from chalicelib.domain.clock import now_ms
from chalicelib.domain.live import (
    LiveRuleError,
    Video,
    VideoAuthor,
    check_anchors,
    check_cut_from,
    check_link,
    video_owner_shop,
)
from chalicelib.errors import NotFound
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.services.live import rule_error
from chalicelib.store import live as live_store
from chalicelib.store import videos as video_store

VIDEO_ID_PREFIX = "vd"


def create_video(principal: Principal, request) -> Video:
    require_role(principal, Role.MERCHANT, Role.CREATOR)
    is_merchant = principal.role is Role.MERCHANT
    # a merchant's ownership is checked on the anchors' shops; a creator's is not needed
    shop_ids = {request.shop_id} - {None}
    if is_merchant:
        shop_ids |= {ids.shop_of_product(product_id) for product_id in request.anchors}
    refs = live_store.references(request.anchors, shop_ids, request.live_id)
    author = VideoAuthor(principal.user_id, is_merchant, frozenset(
        shop_id for shop_id, owner in refs.shop_owners.items() if owner == principal.user_id))
    try:
        check_anchors(request.anchors, [pid for pid, on_shelf in refs.products.items()
                                        if on_shelf])
        owner_shop = video_owner_shop(author, request.anchors, ids.shop_of_product)
        check_link(author, request.shop_id, request.shop_id in refs.shop_owners)
        check_cut_from(author, owner_shop, refs.session, request.live_id)
    except LiveRuleError as error:
        raise rule_error(error) from error
    now = now_ms()
    video = Video(video_id=ids.new_id(VIDEO_ID_PREFIX, now), title=request.title,
                  creator_id=None if is_merchant else principal.user_id,
                  shop_id_owner=owner_shop, anchors=list(request.anchors),
                  shop_id=request.shop_id, live_id=request.live_id, created_at=now)
    video_store.save_video(video)
    return video


def get_video(video_id: str) -> Video:
    video = video_store.get_video(video_id)
    if video is None:
        raise NotFound("video not found", code="video_not_found")
    return video


def session_videos(live_id: str, limit: int, cursor: str | None):
    """The videos cut from a session, newest first, and the next page's cursor (404 for no
    such session)."""
    scope = f"session-videos:{live_id}"
    start_key = decode_cursor(scope, cursor)
    videos, next_key = video_store.session_videos(live_id, limit, start_key)
    if not videos and start_key is None and live_store.get_session(live_id) is None:
        raise NotFound("live session not found", code="live_not_found")
    return videos, encode_cursor(scope, next_key)
