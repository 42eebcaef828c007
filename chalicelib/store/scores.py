"""The scores table: each entity's current score and one snapshot per day.

Items are (entity, "current") and (entity, "day#<day number, zero-padded>"); the history is a
Query on the entity, newest first. A score is stored as the JSON-safe breakdown the domain makes,
so what a merchant reads is exactly what the job computed.
"""

from __future__ import annotations

import json

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.store.base import table_meta

CURRENT = "current"


class ScoreModel(Model):
    Meta = table_meta("scores")

    entity = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    day = NumberAttribute()
    total = NumberAttribute(null=True)
    breakdown = UnicodeAttribute()  # the ScoreResult as JSON, read back as it was written


def snapshot_key(day: int) -> str:
    return f"day#{day:06d}"


def save(entity: str, day: int, total: float | None, breakdown: dict) -> bool:
    """Write the day's snapshot, and the current score unless a later day's is there already
    (ops backfilling an old day must not roll the current score back). Two PutItems, not a
    transaction: a rerun overwrites both with the same values. True when current was written."""
    text = json.dumps(breakdown, ensure_ascii=False, sort_keys=True)
    ScoreModel(entity, snapshot_key(day), day=day, total=total, breakdown=text).save()
    try:
        ScoreModel(entity, CURRENT, day=day, total=total, breakdown=text).save(
            condition=ScoreModel.day.does_not_exist() | (ScoreModel.day <= day))
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def current(entity: str) -> dict | None:
    try:
        model = ScoreModel.get(entity, CURRENT)
    except ScoreModel.DoesNotExist:
        return None
    return _read(model)


def snapshot(entity: str, day: int) -> dict | None:
    try:
        model = ScoreModel.get(entity, snapshot_key(day))
    except ScoreModel.DoesNotExist:
        return None
    return _read(model)


def history(entity: str, days: int) -> list[dict]:
    """The last `days` daily snapshots, newest first: one Query."""
    results = ScoreModel.query(entity, ScoreModel.key.startswith("day#"),
                               scan_index_forward=False, limit=days, page_size=days)
    return [_read(model) for model in results]


def _read(model: ScoreModel) -> dict:
    return {"day": int(model.day), "total": model.total, **json.loads(model.breakdown)}
