"""Request model of the local stack's test clock (POST /ops/clock)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

from chalicelib.domain.clock import MAX_ADVANCE_S
from chalicelib.schemas.common import RequestModel


class ClockAdvance(RequestModel):
    """How far to move the test clock forward: whole seconds, 1 s to 90 days per call."""

    advance_s: Annotated[StrictInt, Field(ge=1, le=MAX_ADVANCE_S)]
