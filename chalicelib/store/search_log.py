"""search_log: one item per (business day, query), counted by one UpdateItem per search.

- key: `shard_day` = `<day>#<shard>` (shard = crc32(query) % 16), `query` (normalised). A day's
  queries spread over 16 partitions instead of one.
- index `by_outcome` (ALL): `outcome` = `<shard_day>#found` or `<shard_day>#zero`, set from the
  last search's result count, ranged by `searches`. The top of a `found` partition is a shard's
  hot queries, a `zero` partition lists what found nothing, most searched first: no Scan.
- TTL `expires_at`: LOG_DAYS after the day began.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.domain import query_log
from chalicelib.domain.clock import DAY_MS, business_day_start_ms
from chalicelib.domain.query_log import LoggedQuery
from chalicelib.store.base import apply_update, table_meta, worker_pool


class _LogMeta(table_meta("search_log")):
    # A best-effort write on the search path: fail fast rather than hold the shopper's page.
    connect_timeout_seconds = 1
    read_timeout_seconds = 1
    max_retry_attempts = 1


class ByOutcome(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_outcome"
        projection = AllProjection()

    outcome = UnicodeAttribute(hash_key=True)
    searches = NumberAttribute(range_key=True)


class SearchLogModel(Model):
    Meta = _LogMeta

    shard_day = UnicodeAttribute(hash_key=True)
    # `query` in DynamoDB; not as a Python name, which would hide Model.query
    text = UnicodeAttribute(range_key=True, attr_name="query")
    outcome = UnicodeAttribute()
    searches = NumberAttribute()  # first pages: what a shopper asked for
    pages = NumberAttribute()  # every request, later pages included
    relaxed_searches = NumberAttribute()
    last_results = NumberAttribute()
    last_relaxed = BooleanAttribute()
    scene = UnicodeAttribute()
    first_seen = NumberAttribute()
    last_seen = NumberAttribute()
    expires_at = NumberAttribute()  # epoch seconds (TTL)

    by_outcome = ByOutcome()


def record(day: str, query: str, results: int, relaxed: bool, first_page: bool,
           now_ms: int) -> None:
    """Count one search request: one UpdateItem (ADD the counters, SET the last outcome)."""
    shard = query_log.shard_of(query)
    expires_at = (business_day_start_ms(day) + query_log.LOG_DAYS * DAY_MS) // 1000
    apply_update(SearchLogModel(query_log.partition(day, shard), query), [
        SearchLogModel.searches.add(1 if first_page else 0),
        SearchLogModel.pages.add(1),
        SearchLogModel.relaxed_searches.add(1 if relaxed and first_page else 0),
        SearchLogModel.last_results.set(results),
        SearchLogModel.last_relaxed.set(relaxed),
        SearchLogModel.outcome.set(query_log.outcome_partition(day, shard, results > 0)),
        SearchLogModel.scene.set(query_log.SCENE),
        SearchLogModel.first_seen.set(SearchLogModel.first_seen | now_ms),
        SearchLogModel.last_seen.set(now_ms),
        SearchLogModel.expires_at.set(expires_at),
    ])


def most_searched(day: str, shard: int, found: bool, limit: int,
                  after: tuple[int, str] | None = None) -> tuple[list[LoggedQuery], bool]:
    """One shard's queries of the day, most searched first, from after `after` (searches,
    query): one Query of `by_outcome`. Returns (items, whether the shard has more)."""
    outcome = query_log.outcome_partition(day, shard, found)
    start = None
    if after is not None:
        start = {"outcome": {"S": outcome}, "searches": {"N": str(after[0])},
                 "shard_day": {"S": query_log.partition(day, shard)}, "query": {"S": after[1]}}
    results = SearchLogModel.by_outcome.query(outcome, scan_index_forward=False, limit=limit,
                                              page_size=limit, last_evaluated_key=start)
    items = [_logged(model) for model in results]
    return items, results.last_evaluated_key is not None


def most_searched_many(day: str, after: dict[int, tuple[int, str] | None],
                       limit: int) -> dict[int, tuple[list[LoggedQuery], bool]]:
    """most_searched of the zero-result partition of several shards, in parallel (one round
    trip of wall time, one Query per shard)."""
    pool = worker_pool("search-log", query_log.SHARDS)
    futures = {shard: pool.submit(most_searched, day, shard, False, limit, start)
               for shard, start in after.items()}
    return {shard: future.result() for shard, future in futures.items()}


def _logged(model: SearchLogModel) -> LoggedQuery:
    return LoggedQuery(query=model.text, searches=int(model.searches),
                       last_results=int(model.last_results),
                       last_relaxed=bool(model.last_relaxed),
                       last_seen_ms=int(model.last_seen))
