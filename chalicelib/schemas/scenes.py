"""Query parameters of the mall and recommendation scenes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.schemas.search import QueryParams

Cursor = Annotated[str, StringConstraints(max_length=4000)]
Limit = Annotated[int, Field(ge=1, le=50)]


class MallParams(QueryParams):
    category: Annotated[str, StringConstraints(min_length=1, max_length=50)] | None = None
    limit: Limit = 20
    cursor: Cursor | None = None


class RecommendationParams(QueryParams):
    limit: Limit = 20
    cursor: Cursor | None = None


class SimilarParams(QueryParams):
    limit: Annotated[int, Field(ge=1, le=30)] = 10
