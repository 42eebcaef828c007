"""Field types every request model shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

MAX_FEN = 10**10  # 100 million yuan: far above any real price, far below overflow


class RequestModel(BaseModel):
    """Unknown fields are refused, strings are trimmed, and nothing is coerced from strings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


Fen = Annotated[StrictInt, Field(gt=0, le=MAX_FEN, description="integer fen (分)")]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=500)]


def text(max_length: int, min_length: int = 1):
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length)]
