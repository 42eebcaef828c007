"""One process of the scores concurrency tests, run against the moto server over HTTP.

    python -m tests.integration.score_worker <command> [args]

The environment (endpoint, table prefix) comes from the test, so several of these processes
race on one DynamoDB and one SQS queue, as concurrent Lambda invocations would. Commands:

  write-events N SHOP   N delivered-order events for SHOP into the events table (stream on)
  pump                  the events stream from its start into the daily counters
  counters ENTITY DAY   that day's counters, as JSON
  seed-history SHOPS    30 days of counters for SHOPS shops with one product each
  start-run DAY FORCE   start the score run of DAY (FORCE: 1 or 0)
  drain                 work the jobs queue until it is empty
  scores                every current score and snapshot, as JSON
"""

from __future__ import annotations

import json
import sys

from chalicelib.domain.aggregation import PLATFORM, EntityInfo, product_key, shop_key
from chalicelib.domain.clock import DAY_MS, now_ms
from chalicelib.domain.events import Event, EventType
from chalicelib.queues import JOBS_QUEUE, ensure_queue
from chalicelib.store import aggregates as aggregate_store
from chalicelib.store.events import EventModel, from_domain
from chalicelib.store.scores import ScoreModel

PREFIX = "shelf-it-"


def write_events(count: str, shop_id: str) -> None:
    delivered_at = now_ms() - 10 * DAY_MS
    for number in range(int(count)):
        event = Event(event_id=f"e-{shop_id}-{number}", type=EventType.ORDER_DELIVERED,
                      at=delivered_at, shop_id=shop_id, order_id=f"o-{shop_id}-{number}",
                      data={"paid_at": delivered_at - DAY_MS})
        from_domain(event).save(condition=EventModel.event_id.does_not_exist())


def pump() -> None:
    from local.pumps import EventsStreamPump

    print(EventsStreamPump().pump())


def counters(entity: str, day: str) -> None:
    print(json.dumps(dict(aggregate_store.days_of(entity, int(day), int(day))).get(int(day), {})))


def seed_history(shops: str) -> None:
    """Loaded in bulk: the race under test is the job's, not the counting's."""
    today = now_ms() // DAY_MS
    days: dict[tuple[str, int], dict[str, int]] = {}
    entities: dict[str, tuple[EntityInfo, int]] = {}
    for number in range(int(shops)):
        shop_id = f"s-it-{number}"
        infos = [EntityInfo(shop_key(shop_id), "shop"), EntityInfo(PLATFORM, "platform"),
                 EntityInfo(product_key(f"{shop_id}.p1"), "product", shop_id=shop_id)]
        for age in range(8, 38):
            bad = (number + age) % 3 % 2  # shops differ, so their scores do
            counts = {"orders": 3, "on_time": 3 - bad, "reviews": 2, "bad_reviews": bad,
                      "positive_reviews": 1}
            for info in infos:
                day = days.setdefault((info.key, today - age), {})
                for name, value in counts.items():
                    day[name] = day.get(name, 0) + value
                entities[info.key] = (info, today - 8)
    aggregate_store.load_history(((key, day, values) for (key, day), values in days.items()),
                                 entities.values())


def start_run(day: str, force: str) -> None:
    from chalicelib.jobs.scores import start_run as start

    print(json.dumps(start(int(day), force=force == "1")))


def drain() -> None:
    from local.pumps import drain_job_queue

    print(drain_job_queue())


def scores() -> None:
    print(json.dumps(sorted([m.entity, m.key, m.total, m.breakdown] for m in ScoreModel.scan())))


COMMANDS = {"write-events": write_events, "pump": pump, "counters": counters,
            "seed-history": seed_history, "start-run": start_run, "drain": drain,
            "scores": scores}

if __name__ == "__main__":
    ensure_queue(JOBS_QUEUE, PREFIX)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
