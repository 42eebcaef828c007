"""Requests and response bodies of the Chuanliu plan: a creator's traffic credits, a video boost,
a brand's report (domain/chuanliu.py has the rules)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

from chalicelib.domain.chuanliu import MAX_BOOST_CREDITS, MIN_BOOST_CREDITS
from chalicelib.domain.clock import to_iso
from chalicelib.schemas.common import RequestModel
from chalicelib.schemas.scenes import Cursor, Limit
from chalicelib.schemas.search import QueryParams


class TrafficCreditsParams(QueryParams):
    limit: Limit = 20
    cursor: Cursor | None = None


class BoostRequest(RequestModel):
    """Credits to spend on the video: 1 credit = 1 hour of boost for every anchored product,
    at least 24 (a nightly feed rebuild falls in every window), at most 7 days' worth."""

    credits: Annotated[StrictInt, Field(ge=MIN_BOOST_CREDITS, le=MAX_BOOST_CREDITS)]


def entry_view(entry) -> dict:
    return {
        "entry_id": entry.entry_id,
        "kind": entry.kind,
        "credits": entry.credits,
        "due_credits": entry.due,
        "order_id": entry.order_id,
        "shop_id": entry.shop_id,
        "video_id": entry.video_id,
        "product_ids": list(entry.product_ids),
        "boost_until": to_iso(entry.until),
        "at": to_iso(entry.at),
    }


def traffic_credits_view(balance, entries, next_cursor: str | None) -> dict:
    return {"balance": balance.balance, "issued": balance.issued, "spent": balance.spent,
            "items": [entry_view(entry) for entry in entries], "next_cursor": next_cursor}


def boost_view(boost) -> dict:
    entry = boost.entry
    return {"video_id": entry.video_id, "entry_id": entry.entry_id, "credits": -entry.credits,
            "product_ids": list(entry.product_ids), "boost_until": to_iso(entry.until),
            "balance": boost.balance, "takes_effect": "at the next feed rebuild"}
