"""The scores table: each entity's current score and one snapshot per day.

Items are (entity, "current") and (entity, "day#<day number, zero-padded>"); the history is a
Query on the entity, newest first. A score is stored as the JSON-safe breakdown the domain makes,
so what a merchant reads is exactly what the job computed.
"""

from __future__ import annotations

import json

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.store.base import table_meta
from chalicelib.store.transactions import run_transaction

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


def save(entity: str, day: int, total: float | None, breakdown: dict) -> None:
    """Write the current score and the day's snapshot together (a rerun overwrites both)."""
    text = json.dumps(breakdown, ensure_ascii=False, sort_keys=True)

    def build(tx: TransactWrite) -> None:
        for key in (CURRENT, snapshot_key(day)):
            tx.save(ScoreModel(entity, key, day=day, total=total, breakdown=text))

    run_transaction(build, on_condition_failed=lambda reasons: None)


def current(entity: str) -> dict | None:
    try:
        model = ScoreModel.get(entity, CURRENT)
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
