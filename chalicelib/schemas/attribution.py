"""Query parameters of the attribution report."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import StringConstraints, field_validator

from chalicelib.schemas.search import QueryParams


class AttributionReportParams(QueryParams):
    # a business day (Asia/Shanghai); today's when absent
    day: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None

    @field_validator("day")
    @classmethod
    def _calendar_day(cls, value: str | None) -> str | None:
        if value is not None:
            date.fromisoformat(value)  # ValueError ("2026-02-30") → a field error on `day`
        return value
