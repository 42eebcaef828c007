"""The post-stream tables: the daily index of video-attributed sales, and the shops' daily rows.

tail_lines (the post-stream job's input, written by the events consumer)
- pk `day_shard` = "<business day>#<n>" (n = crc32(order_id) % TAIL_SHARDS, so one order's
  entries share a partition and a day's writes spread over TAIL_SHARDS partitions), sk `entry`
  = "<order_id>#<line:03>" (a line attributed to a video) or "<order_id>#assist#<video_id>"
  (a video that assisted the order). Attributes: kind, video_id, shop_id, gmv_fen, paid_at.
  Only attributed sales are written here, so reading a day costs what that day's attributed
  sales are, never what all its orders are. Writes are idempotent puts of the same key and
  content (a replayed event rewrites the same items). TTL `expires_at`: TAIL_DAYS.
- one state item, pk "~state", sk "post-stream-watermark": the last business day a scheduled
  run processed after it was complete (`day`).

shop_tail_days (the per-shop report, written by the job)
- pk `shop_id`, sk `day`: gmv_fen, orders, assisted_gmv_fen of the shop's own sessions' nights
  that fall on that day. The report is one Query of a day range.

Costs: index an order = 1 BatchWriteItem (≤ 25 entries); read a day = TAIL_SHARDS Queries (one
page per 1 MB each); write a day's shop rows = 1 BatchWriteItem per 25; the watermark = 1
GetItem / 1 conditional UpdateItem.
"""

from __future__ import annotations

import zlib

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from chalicelib.domain.live import LINE, NightTotals, TailEntry
from chalicelib.store.base import apply_update, table_meta

TAIL_SHARDS = 8
TAIL_DAYS = 120  # index entries expire: a day is final long before (the last night is 14)
STATE = "~state"
WATERMARK = "post-stream-watermark"


class TailLineModel(Model):
    Meta = table_meta("tail_lines")

    day_shard = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute(null=True)
    order_id = UnicodeAttribute(null=True)
    line = NumberAttribute(null=True)
    video_id = UnicodeAttribute(null=True)
    shop_id = UnicodeAttribute(null=True)
    gmv_fen = NumberAttribute(null=True)
    paid_at = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # epoch seconds (TTL); the state item has none
    day = UnicodeAttribute(null=True)  # the watermark item


class ShopTailDayModel(Model):
    Meta = table_meta("shop_tail_days")

    shop_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)
    gmv_fen = NumberAttribute(default=0)
    orders = NumberAttribute(default=0)
    assisted_gmv_fen = NumberAttribute(default=0)
    updated_at = NumberAttribute()


def shard_of(order_id: str) -> int:
    return zlib.crc32(order_id.encode()) % TAIL_SHARDS


def entry_key(entry: TailEntry) -> str:
    if entry.kind == LINE:
        return f"{entry.order_id}#{entry.line:03d}"
    return f"{entry.order_id}#assist#{entry.video_id}"


# --- the index ---------------------------------------------------------------------------------

def put_entries(day: str, entries: list[TailEntry]) -> None:
    """Write one order's entries under its paid day (one BatchWriteItem per 25)."""
    with TailLineModel.batch_write() as batch:
        for entry in entries:
            batch.save(TailLineModel(
                f"{day}#{shard_of(entry.order_id)}", entry_key(entry), kind=entry.kind,
                order_id=entry.order_id, line=entry.line, video_id=entry.video_id,
                shop_id=entry.shop_id, gmv_fen=entry.gmv_fen, paid_at=entry.paid_at,
                expires_at=entry.paid_at // 1000 + TAIL_DAYS * 86400))


def day_entries(day: str) -> list[TailEntry]:
    """Every index entry of one business day: TAIL_SHARDS Queries, each paged by 1 MB."""
    entries = []
    for shard in range(TAIL_SHARDS):
        for model in TailLineModel.query(f"{day}#{shard}"):
            entries.append(TailEntry(
                order_id=model.order_id, kind=model.kind, video_id=model.video_id,
                shop_id=model.shop_id, gmv_fen=int(model.gmv_fen), paid_at=int(model.paid_at),
                line=None if model.line is None else int(model.line)))
    return entries


# --- the watermark -----------------------------------------------------------------------------

def watermark() -> str | None:
    try:
        return TailLineModel.get(STATE, WATERMARK, consistent_read=True).day
    except TailLineModel.DoesNotExist:
        return None


def advance_watermark(day: str) -> bool:
    """Move the watermark forward to `day` (never back); False when it was there already."""
    model = TailLineModel
    try:
        apply_update(model(STATE, WATERMARK), [model.day.set(day)],
                     model.day.does_not_exist() | (model.day < day))
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


# --- the shops' rows ---------------------------------------------------------------------------

def put_shop_days(day: str, rows: dict[str, NightTotals], now_ms: int) -> None:
    """Overwrite the shops' rows of `day` (one BatchWriteItem per 25)."""
    with ShopTailDayModel.batch_write() as batch:
        for shop_id, totals in sorted(rows.items()):
            batch.save(ShopTailDayModel(shop_id, day, gmv_fen=totals.gmv_fen,
                                        orders=totals.orders,
                                        assisted_gmv_fen=totals.assisted_gmv_fen,
                                        updated_at=now_ms))


def shop_days(shop_id: str, first: str, last: str) -> dict[str, dict]:
    """A shop's rows from `first` to `last` (business days) by day: one Query (≤ 92 items)."""
    results = ShopTailDayModel.query(shop_id, ShopTailDayModel.day.between(first, last))
    return {model.day: {"gmv_fen": int(model.gmv_fen), "orders": int(model.orders),
                        "assisted_gmv_fen": int(model.assisted_gmv_fen)} for model in results}
