"""Time in one place: epoch milliseconds in storage, ISO 8601 (UTC) in the API."""

from __future__ import annotations

import time
from datetime import UTC, datetime

DAY_MS = 24 * 60 * 60 * 1000


def now_ms() -> int:
    return int(time.time() * 1000)


def to_iso(epoch_ms: int | None) -> str | None:
    if epoch_ms is None:
        return None
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_datetime(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def day_to_iso(day: int) -> str:
    """A day number (days since the epoch, UTC) as "YYYY-MM-DD"."""
    return datetime.fromtimestamp(day * DAY_MS / 1000, tz=UTC).date().isoformat()


def iso_to_day(text: str) -> int:
    moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000) // DAY_MS
