"""Customer-service sessions: a shop's service system reports each finished chat, once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.auth import Principal
from chalicelib.domain import ids
from chalicelib.domain.after_sales import ServiceSession, SessionRuleError, check_session_times
from chalicelib.domain.clock import from_datetime, now_ms
from chalicelib.domain.events import Event, EventType
from chalicelib.errors import Unprocessable
from chalicelib.services import catalog as catalog_service
from chalicelib.store import service_sessions as session_store

if TYPE_CHECKING:  # request models load with the first request body
    from chalicelib.schemas import aftercare as schemas


def report(principal: Principal, shop_id: str,
           request: schemas.ServiceSessionReport) -> tuple[ServiceSession, bool]:
    """Store a finished session and its event: (session, created). The same session_id again
    returns the stored record and writes nothing."""
    shop = catalog_service.owned_shop(principal, shop_id)
    now = now_ms()
    human = None if request.human_reply_at is None else from_datetime(request.human_reply_at)
    session = ServiceSession(
        shop_id=shop.shop_id, session_id=request.session_id,
        started_at=from_datetime(request.started_at),
        first_reply_at=from_datetime(request.first_reply_at), human_reply_at=human,
        resolved=request.resolved, reported_at=now, buyer_id=request.buyer_id,
    )
    try:
        check_session_times(session.started_at, session.first_reply_at, human, now)
    except SessionRuleError as error:
        raise Unprocessable(str(error), details=[{"field": error.field,
                                                  "message": str(error)}]) from error
    # The event is dated when the chat started, so score windows count it on the chat's day.
    data = {"session_id": session.session_id, **session.metrics()}
    event = Event(event_id=ids.new_id("e", session.started_at), type=EventType.SERVICE_SESSION,
                  at=session.started_at, shop_id=shop.shop_id, buyer_id=session.buyer_id,
                  data={key: value for key, value in data.items() if value is not None})
    try:
        session_store.record_session(session, event)
    except session_store.AlreadyReported:
        return session_store.get_session(shop.shop_id, session.session_id), False
    return session, True
