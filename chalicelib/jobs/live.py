"""Scheduled: end every live session still running 24 h after its start (at start + 24 h).

It reads only the sparse due index of live_sessions (running sessions past their automatic
end), so its cost grows with the sessions due, not with all sessions; a session someone ended
first is skipped, so a run is idempotent. After the test clock skips days, one tick ends them
all, each at the moment it was due.
"""

from __future__ import annotations

from chalicelib.domain.clock import now_ms
from chalicelib.observability import logger


def end_overdue_sessions() -> dict:
    from chalicelib.services import live

    ended = live.end_overdue(now_ms())
    logger.info("overdue live sessions ended", extra={"ended": ended})
    return {"ended": ended}
