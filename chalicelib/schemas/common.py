"""Field types every request model shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, model_validator

MAX_FEN = 10**10  # 100 million yuan: far above any real price, far below overflow


class RequestModel(BaseModel):
    """Unknown fields are refused, strings are trimmed, and nothing is coerced from strings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


def _drop_absent_defaults(schema: dict) -> None:
    """A patch field's default None means "absent", not a value: the document leaves it out, so
    a field that refuses null does not show null as its default."""
    for field in schema.get("properties", {}).values():
        if field.get("default", ...) is None:
            del field["default"]


class PatchModel(RequestModel):
    """A partial update: the fields sent change, the others stay as they are, and at least one
    is sent. A field typed without None refuses null (422 naming it: its default only marks it
    absent); one typed `X | None` may be sent as null to empty it (a shop's logo)."""

    model_config = ConfigDict(json_schema_extra=_drop_absent_defaults)

    @model_validator(mode="after")
    def _not_empty(self):
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        return self

    def changes(self) -> dict:
        """The fields sent, by name."""
        return {name: getattr(self, name) for name in self.model_fields_set}


Fen = Annotated[StrictInt, Field(gt=0, le=MAX_FEN, description="integer fen (分)")]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=500)]


def text(max_length: int, min_length: int = 1):
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length)]
