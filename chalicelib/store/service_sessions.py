"""The service_sessions table: finished customer-service chats a shop's service system reports.

Key: shop_id (hash), session_id (range: the service system's own id). The record and its
SERVICE_SESSION event are one transaction conditioned on the key being new, so a report sent
again (the service system retries) writes nothing and the stored record is returned instead.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.domain.after_sales import ServiceSession
from chalicelib.domain.events import Event
from chalicelib.store import events as event_store
from chalicelib.store.base import table_meta
from chalicelib.store.transactions import run_transaction


class ServiceSessionModel(Model):
    Meta = table_meta("service_sessions")

    shop_id = UnicodeAttribute(hash_key=True)
    session_id = UnicodeAttribute(range_key=True)
    buyer_id = UnicodeAttribute(null=True)
    started_at = NumberAttribute()
    first_reply_at = NumberAttribute()
    human_reply_at = NumberAttribute(null=True)
    resolved = BooleanAttribute()
    first_reply_ms = NumberAttribute()
    human_reply_ms = NumberAttribute(null=True)
    reported_at = NumberAttribute()


class AlreadyReported(Exception):
    """A session with this id was stored before."""


def to_domain(model: ServiceSessionModel) -> ServiceSession:
    return ServiceSession(
        shop_id=model.shop_id,
        session_id=model.session_id,
        started_at=int(model.started_at),
        first_reply_at=int(model.first_reply_at),
        resolved=bool(model.resolved),
        reported_at=int(model.reported_at),
        buyer_id=model.buyer_id,
        human_reply_at=None if model.human_reply_at is None else int(model.human_reply_at),
    )


def from_domain(session: ServiceSession) -> ServiceSessionModel:
    return ServiceSessionModel(
        session.shop_id,
        session.session_id,
        buyer_id=session.buyer_id,
        started_at=session.started_at,
        first_reply_at=session.first_reply_at,
        human_reply_at=session.human_reply_at,
        resolved=session.resolved,
        first_reply_ms=session.first_reply_ms,
        human_reply_ms=session.human_reply_ms,
        reported_at=session.reported_at,
    )


def get_session(shop_id: str, session_id: str) -> ServiceSession | None:
    try:
        return to_domain(ServiceSessionModel.get(shop_id, session_id, consistent_read=True))
    except ServiceSessionModel.DoesNotExist:
        return None


def record_session(session: ServiceSession, event: Event) -> None:
    """Store the session and its event once; raises AlreadyReported for a known session id."""

    def build(tx):
        tx.save(from_domain(session),
                condition=ServiceSessionModel.session_id.does_not_exist())
        event_store.save_in(tx, event)

    def refused(reasons) -> None:
        raise AlreadyReported()

    run_transaction(build, on_condition_failed=refused)
