"""Time in one place: epoch milliseconds in storage, ISO 8601 (UTC) in the API.

Every module reads the time through `now_ms()`: ids, token checks, requests, jobs. It answers
`source()` when a test or a bench set one, else the system time plus the **test clock**'s offset.

The test clock (local stage only) moves the whole local stack forward, like Stripe's test clocks:
`POST /ops/clock` calls `advance()`, and every process of `make run` (chalice local, its
scheduler, `make jobs`, `make token`) adds the same offset, kept in a small JSON file
(`{"offset_s": N}`) named by SHELF_TEST_CLOCK_FILE. Its costs and rules:
- SHELF_TEST_CLOCK_FILE unset (every deployed stage): offset 0, no file is ever touched.
- Set: a process reads the file at most once every OFFSET_REFRESH_SECONDS (on the monotonic
  clock) and answers from memory in between, so a call costs no I/O and never a DynamoDB read;
  another process's advance is seen within that interval, the advancing process's at once.
- A missing or garbled file counts as offset 0, logged once per process and problem.
- Offsets only grow: each advance is 1 s to MAX_ADVANCE_S (90 days), the total is unbounded.
  The file is replaced atomically (a temporary file, then os.replace), under a lock so two
  advances at once both count. Only `make run` resets it to 0, when it starts on an empty moto.
"""

from __future__ import annotations

import contextlib
import json
import os
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
    return int(time.time() * 1000) + offset_ms()


# --- the test clock --------------------------------------------------------------------------

CLOCK_FILE_ENV = "SHELF_TEST_CLOCK_FILE"
OFFSET_REFRESH_SECONDS = 2.0
MAX_ADVANCE_S = 90 * 24 * 60 * 60

# (file, offset in ms, monotonic time it was read): one tuple, replaced whole, so threads that
# race on a refresh each see a consistent entry
_cached: tuple[str, int, float] | None = None
_monotonic: Callable[[], float] = time.monotonic  # what the refresh interval is measured on
_warned: set[tuple[str, str]] = set()


class NoTestClock(RuntimeError):
    """SHELF_TEST_CLOCK_FILE is not set: this process has no test clock to move."""


def clock_file() -> str | None:
    """The test clock's file, or None when this process has none: deployed stages never have
    one, even if the variable were set by mistake."""
    from chalicelib.settings import DEV_STAGES

    if os.environ.get("SHELF_STAGE", "local") not in DEV_STAGES:
        return None
    return os.environ.get(CLOCK_FILE_ENV) or None


def offset_ms() -> int:
    """How far the test clock is ahead of the system clock, in ms (0 without a test clock)."""
    global _cached
    path = clock_file()
    if path is None:
        return 0
    now = _monotonic()
    cached = _cached
    if cached is not None and cached[0] == path and now - cached[2] < OFFSET_REFRESH_SECONDS:
        return cached[1]
    offset = _read_offset_s(path) * 1000
    _cached = (path, offset, now)
    return offset


def advance(seconds: int) -> int:
    """Move the test clock forward by `seconds` (1 s to 90 days); returns the new offset in
    seconds. Raises ValueError for a step out of bounds, NoTestClock without a clock file."""
    if type(seconds) is not int or not 1 <= seconds <= MAX_ADVANCE_S:
        raise ValueError(f"advance must be a whole number of seconds from 1 to {MAX_ADVANCE_S}")
    path = _required_file()
    with _locked(path):
        offset_s = _read_offset_s(path) + seconds
        _write_offset_s(path, offset_s)
    return offset_s


def reset() -> None:
    """Back to offset 0: only for `make run` starting on an empty database, before anything
    reads the clock (an offset must never go back while data written in moved time exists)."""
    path = _required_file()
    with _locked(path):
        _write_offset_s(path, 0)


def _required_file() -> str:
    path = clock_file()
    if path is None:
        raise NoTestClock(f"{CLOCK_FILE_ENV} is not set: there is no test clock")
    return path


def _read_offset_s(path: str) -> int:
    try:
        with open(path, encoding="utf-8") as file:
            offset = json.load(file)["offset_s"]
    except FileNotFoundError:
        return _unusable(path, "missing")
    except (OSError, ValueError, TypeError, KeyError):
        return _unusable(path, "garbled")
    if type(offset) is not int or offset < 0:
        return _unusable(path, "garbled")
    return offset


def _unusable(path: str, problem: str) -> int:
    if (path, problem) not in _warned:
        _warned.add((path, problem))
        import logging  # only on this rare path: the module stays import-light

        logging.getLogger("shelf.clock").warning(
            "test clock file %s is %s: offset 0", path, problem)
    return 0


def _write_offset_s(path: str, offset_s: int) -> None:
    """Replace the file atomically: a reader sees the old offset or the new one, never half."""
    global _cached
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as file:
        json.dump({"offset_s": offset_s}, file)
    os.replace(temporary, path)
    _cached = (path, offset_s * 1000, _monotonic())  # this process sees its own write at once


@contextlib.contextmanager
def _locked(path: str):
    """An exclusive lock on `<file>.lock` around a read-modify-write of the clock file (the
    file itself is replaced, so it cannot carry the lock)."""
    import fcntl

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(f"{path}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


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
