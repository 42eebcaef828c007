"""Taking behaviour events from the app: who sends them, which are good, the rate limit, and the
device link.

A request costs, for a batch of n good events: one UpdateItem per rate bucket (the shopper's
and the device's when both are sent), ceil(n / 25) BatchWriteItem (1 WCU per event), and, when
a shopper token comes with an X-Device-Id, one conditional UpdateItem linking them (it writes
once a day per pair; a refused condition costs 1 WCU and is not an error). A batch with no good
event writes nothing and reads nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.auth import Role, principal_from_headers, require_role
from chalicelib.domain import behaviour as rules
from chalicelib.domain import clock
from chalicelib.domain.behaviour import BehaviourEvent, EventKind, Rejection
from chalicelib.errors import TooManyRequests, Unauthorized, Unprocessable
from chalicelib.observability import logger
from chalicelib.settings import get_settings
from chalicelib.store import behaviour as behaviour_store

DEVICE_HEADER = "X-Device-Id"


class RateLimited(TooManyRequests):
    code = "rate_limited"

    def __init__(self, limit: int, retry_after: int):
        super().__init__(f"more than {limit} events a minute; retry in {retry_after} s",
                         details=[{"limit_per_minute": limit, "retry_after": retry_after}])
        self.retry_after = retry_after


@dataclass(frozen=True)
class Caller:
    shopper_id: str | None
    device_id: str | None

    @property
    def actor(self) -> str:
        """Whose events these are: the shopper when signed in, else the device."""
        if self.shopper_id is not None:
            return rules.shopper_actor(self.shopper_id)
        return rules.device_actor(self.device_id or "")

    @property
    def buckets(self) -> list[str]:
        """Every identity the batch is charged to (a device cannot dodge by signing in)."""
        actors = []
        if self.shopper_id is not None:
            actors.append(rules.shopper_actor(self.shopper_id))
        if self.device_id is not None:
            actors.append(rules.device_actor(self.device_id))
        return actors


def identify(headers) -> Caller:
    """A shopper token (any other role is 403), an X-Device-Id, or both; neither is 401."""
    device_id = headers.get(DEVICE_HEADER.lower())
    shopper_id = None
    if headers.get("authorization"):
        shopper_id = require_role(principal_from_headers(headers), Role.SHOPPER).user_id
    if device_id is not None and not rules.is_device_id(device_id):
        message = "X-Device-Id must be 8 to 64 letters, digits, _ or -"
        raise Unprocessable(message, details=[{"field": DEVICE_HEADER, "message": message}],
                            code="bad_device_id")
    if shopper_id is None and device_id is None:
        raise Unauthorized("send a shopper token or an X-Device-Id header",
                           code="missing_caller")
    return Caller(shopper_id, device_id)


def ingest(caller: Caller, items: list, now_ms: int | None = None) -> dict:
    """Take the good events of a batch; 422 when none is good, 429 over the rate limit (then
    nothing is written)."""
    now = clock.now_ms() if now_ms is None else now_ms
    accepted, rejected = check_events(items, caller.actor, now)
    if not accepted:
        raise Unprocessable("no event of the batch was accepted",
                            details=[r.as_dict() for r in rejected])
    _charge(caller, len(accepted), now)
    behaviour_store.put_events(accepted)
    if caller.shopper_id is not None and caller.device_id is not None:
        behaviour_store.link_device(caller.shopper_id, caller.device_id, now)
    return {"accepted": len(accepted), "rejected": [r.as_dict() for r in rejected]}


def check_events(items: list, actor: str, now_ms: int
                 ) -> tuple[list[BehaviourEvent], list[Rejection]]:
    """Each item on its own: the good events, and one rejection per bad item (its first
    problem). A second event with the id of an accepted one is a duplicate."""
    accepted: list[BehaviourEvent] = []
    rejected: list[Rejection] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        event = _check(index, item, actor, now_ms)
        if isinstance(event, Rejection):
            rejected.append(event)
        elif event.event_id in seen:
            rejected.append(Rejection(index, "event_id", "event_id repeats an earlier event of "
                                                         "this batch"))
        else:
            seen.add(event.event_id)
            accepted.append(event)
    return accepted, rejected


def _check(index: int, item, actor: str, now_ms: int) -> BehaviourEvent | Rejection:
    from pydantic import ValidationError

    from chalicelib.schemas.behaviour import EventIn

    if not isinstance(item, dict):
        return Rejection(index, "event", "an event is a JSON object")
    try:
        event = EventIn.model_validate(item)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "event"
        return Rejection(index, field, first["msg"])
    at = rules.parse_instant(event.at)
    problem = rules.time_problem(at, now_ms)
    if problem:
        return Rejection(index, "at", problem)
    kind = EventKind(event.type)
    missing = rules.missing_field(kind, event.model_dump())
    if missing:
        return Rejection(index, missing, f"a {kind.value} event needs {missing}")
    shop_id, problem = rules.resolve_shop(event.product_id, event.shop_id)
    if problem:
        return Rejection(index, "shop_id", problem)
    return BehaviourEvent(
        event_id=event.event_id, type=kind, scene=event.scene.value, at=at, actor=actor,
        product_id=event.product_id, shop_id=shop_id, video_id=event.video_id,
        live_id=event.live_id, creator_id=event.creator_id, position=event.position,
        request_id=event.request_id, query=event.query)


def _charge(caller: Caller, events: int, now_ms: int) -> None:
    """One ADD per bucket of this minute; over the limit → 429 until the minute ends. The count
    is of events offered, refused ones included, so a client that keeps pushing stays
    throttled for the rest of the minute."""
    limit = get_settings().events_per_minute
    minute = now_ms // 60_000
    totals = [behaviour_store.charge(actor, events, minute) for actor in caller.buckets]
    if max(totals) > limit:
        retry_after = max(1, 60 - (now_ms // 1000) % 60)
        logger.info("behaviour events throttled",
                    extra={"actors": caller.buckets, "totals": totals})
        raise RateLimited(limit, retry_after)




def devices_of(shopper_id: str) -> list[str]:
    return behaviour_store.devices_of(shopper_id)
