"""Time in one place: epoch milliseconds in storage, ISO 8601 (UTC) in the API."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

DAY_MS = 24 * 60 * 60 * 1000


# What a test or a bench puts in place of the system clock (epoch ms), or None. Set here and not
# by replacing now_ms: the modules that imported now_ms by name see it too.
source: Callable[[], int] | None = None


def now_ms() -> int:
    if source is not None:
        return source()
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


BUSINESS_OFFSET_MS = 8 * 60 * 60 * 1000  # the platform's business day is Asia/Shanghai (UTC+8)


def business_day(epoch_ms: int) -> str:
    """The platform's business day (Asia/Shanghai, UTC+8, no daylight saving) of an instant,
    as "YYYY-MM-DD": reports and the search log group by it, not by the UTC day."""
    return day_to_iso((epoch_ms + BUSINESS_OFFSET_MS) // DAY_MS)


def previous_business_day(epoch_ms: int) -> str:
    """The last complete business day before the one `epoch_ms` falls in."""
    return business_day(epoch_ms - DAY_MS)


def business_day_start_ms(day: str) -> int:
    """The instant a business day ("YYYY-MM-DD") begins: 00:00 in Shanghai, 16:00 UTC the day
    before. Raises ValueError for text that is not a date."""
    return iso_to_day(day) * DAY_MS - BUSINESS_OFFSET_MS
