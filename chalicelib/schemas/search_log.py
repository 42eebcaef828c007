"""Request models of the search log's ops endpoints."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from chalicelib.domain import analyzer, query_log
from chalicelib.schemas.common import RequestModel
from chalicelib.schemas.search import QueryParams


def _blocked_query(text: str) -> str:
    """A blocked query as the log holds it (analyzer.normalize), 1..50 characters."""
    normalized = analyzer.normalize(text)
    if not 1 <= len(normalized) <= query_log.BLOCKED_QUERY_MAX_LENGTH:
        raise ValueError(f"a blocked query must have 1 to "
                         f"{query_log.BLOCKED_QUERY_MAX_LENGTH} characters")
    return normalized


class BlocklistBody(RequestModel):
    queries: Annotated[list[Annotated[str, AfterValidator(_blocked_query)]],
                       Field(max_length=query_log.BLOCKLIST_MAX)]


class ZeroResultsParams(QueryParams):
    day: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    limit: Annotated[int, Field(ge=1, le=50)] = 20
    cursor: Annotated[str, StringConstraints(max_length=4000)] | None = None

    @field_validator("day")
    @classmethod
    def _a_date(cls, value: str | None) -> str | None:
        if value is not None:
            date.fromisoformat(value)  # ValueError: not a calendar day
        return value
