"""The videos table: one item per short video (pk `video_id`), written once.

A video carries its product anchors (挂车), its storefront link and the session it was cut from
(直播切片), so whoever follows a video (the post-stream job, Chuanliu's boosts) needs one read:
get_video = 1 GetItem, batch_get_videos = 1 BatchGetItem per 100 ids.

Creating one reads what it refers to in one BatchGetItem (store.live.references: the anchors'
status, the shops' owners, the session) and writes one PutItem.

Sparse GSI `by_live` (`live_id`, `created_at`, all attributes): only videos cut from a session
carry `live_id`, so a session's videos, newest first, are one Query (session_videos). All
attributes because a video is written once and never updated: projecting it costs the one index
write a keys-only index would cost too, and spares the read a BatchGetItem.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.domain.live import Video
from chalicelib.store.base import batch_get, query_page, table_meta

__all__ = ["Video", "VideoModel", "batch_get_videos", "get_video", "save_video",
           "session_videos"]


class ByLive(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_live"
        projection = AllProjection()

    live_id = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class VideoModel(Model):
    Meta = table_meta("videos")

    video_id = UnicodeAttribute(hash_key=True)
    title = UnicodeAttribute()
    creator_id = UnicodeAttribute(null=True)
    shop_id_owner = UnicodeAttribute(null=True)
    anchors = ListAttribute(of=UnicodeAttribute)
    shop_id = UnicodeAttribute(null=True)
    live_id = UnicodeAttribute(null=True)
    created_at = NumberAttribute()

    by_live = ByLive()


def to_domain(model: VideoModel) -> Video:
    return Video(video_id=model.video_id, title=model.title, creator_id=model.creator_id,
                 shop_id_owner=model.shop_id_owner, anchors=list(model.anchors),
                 shop_id=model.shop_id, live_id=model.live_id, created_at=int(model.created_at))


def key(video_id: str) -> tuple[str, dict]:
    return VideoModel.Meta.table_name, {"video_id": {"S": video_id}}


def save_video(video: Video) -> None:
    VideoModel(video.video_id, title=video.title, creator_id=video.creator_id,
               shop_id_owner=video.shop_id_owner, anchors=video.anchors, shop_id=video.shop_id,
               live_id=video.live_id, created_at=video.created_at).save(
        condition=VideoModel.video_id.does_not_exist())


def get_video(video_id: str) -> Video | None:
    try:
        return to_domain(VideoModel.get(video_id))
    except VideoModel.DoesNotExist:
        return None


def batch_get_videos(video_ids) -> dict[str, Video]:
    """Videos by id (unknown ids left out): one BatchGetItem per 100 ids."""
    found = batch_get([key(video_id) for video_id in sorted(set(video_ids))])
    return {item["video_id"]["S"]: to_domain(VideoModel.from_raw_data(item))
            for item in found.values()}



def session_videos(live_id: str, limit: int,
                   start_key: dict | None) -> tuple[list[Video], dict | None]:
    """One page of the videos cut from a session, newest first, and the key of the next page:
    1 Query of the `by_live` index."""
    models, next_key = query_page(VideoModel.by_live, live_id, limit, start_key)
    return [to_domain(model) for model in models], next_key
