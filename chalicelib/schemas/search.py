"""Search request parameters (query strings: numbers arrive as text and are parsed here)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from chalicelib.domain.search import SearchSort
from chalicelib.schemas.common import MAX_FEN

MAX_QUERY_LENGTH = 50
ShopId = Annotated[str, StringConstraints(pattern=r"^s[0-9a-hjkmnp-tv-z]{20}$")]


class QueryParams(BaseModel):
    """Query-string parameters: unknown ones are refused (a misspelt filter must not be
    silently ignored), text is trimmed, numbers are parsed from their digits."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PageParams(QueryParams):
    """A plain page of a list: `limit` 1..100 (default 20) and the signed cursor of the page
    before (chalicelib/pagination.py)."""

    limit: Annotated[int, Field(ge=1, le=100)] = 20
    cursor: Annotated[str, StringConstraints(max_length=4000)] | None = None


class SearchParams(QueryParams):
    q: Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUERY_LENGTH)]
    category: Annotated[str, StringConstraints(min_length=1, max_length=50)] | None = None
    shop_id: ShopId | None = None
    price_min_fen: Annotated[int, Field(ge=0, le=MAX_FEN)] | None = None
    price_max_fen: Annotated[int, Field(ge=0, le=MAX_FEN)] | None = None
    sort: SearchSort = SearchSort.COMPREHENSIVE
    limit: Annotated[int, Field(ge=1, le=50)] = 20
    cursor: Annotated[str, StringConstraints(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _price_range(self):
        if (self.price_min_fen is not None and self.price_max_fen is not None
                and self.price_min_fen > self.price_max_fen):
            raise ValueError("price_min_fen must not be above price_max_fen")
        return self


class SuggestParams(QueryParams):
    q: Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUERY_LENGTH)]
