"""Query parameters of the list routes without a model of their own: a page (`limit` 1..50,
default 20, and the signed `cursor` of the page before) and each list's filters.

An empty filter (`?status=`) means no filter, as it always has; unknown parameters are refused
(QueryParams), so a misspelt filter is a 422, not a silently unfiltered list.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from chalicelib.domain.after_sales import CaseStatus
from chalicelib.domain.orders import OrderStatus
from chalicelib.domain.shelf import ShelfSort
from chalicelib.schemas.search import QueryParams


def _blank_is_none(value):
    return None if value == "" else value


Blank = BeforeValidator(_blank_is_none)
Text = Annotated[str, StringConstraints(max_length=50)]


class ListParams(QueryParams):
    limit: Annotated[int, Field(ge=1, le=50)] = 20
    cursor: Annotated[str, StringConstraints(max_length=4000)] | None = None


class OrderListParams(ListParams):
    status: Annotated[OrderStatus | None, Blank] = None


class CaseListParams(ListParams):
    status: Annotated[CaseStatus | None, Blank] = None


class CampaignListParams(ListParams):
    # with a shop: each campaign says whether that shop may enroll (an unknown shop is 404)
    shop_id: Annotated[Text | None, Blank] = None


class StorefrontParams(ListParams):
    sort: Annotated[ShelfSort, BeforeValidator(lambda value: value or ShelfSort.COMPREHENSIVE)
                    ] = ShelfSort.COMPREHENSIVE
    category: Annotated[Text | None, Blank] = None
