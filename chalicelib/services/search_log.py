"""The search query log and what it feeds: recording searches, hot queries, the ops
blocklist, and the zero-result queries ops look at.

Costs (docs/data-model.md, "Search: query log, hot queries, suggestions"): a search adds one
UpdateItem; GET /search/hot is one BatchGetItem; the hot job is 1 GetItem + 16 Queries + 1
PutItem; a zero-results page is one Query per shard not yet exhausted (≤ 16, in parallel).
"""

from __future__ import annotations

from chalicelib.auth import Principal, Role, require_role
from chalicelib.domain import clock, query_log
from chalicelib.observability import logger
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.store import search_log as log_store
from chalicelib.store import suggestions as lexicon_store


def record_search(query: str, results: int, relaxed: bool, first_page: bool) -> bool:
    """Count one search in its business day's log. Best effort: a failure is logged and
    swallowed, since losing one count must never cost the shopper the results."""
    if not query:
        return False
    try:
        now = clock.now_ms()
        log_store.record(clock.business_day(now), query, results, relaxed, first_page, now)
    except Exception:  # whatever broke the log, the search goes on
        logger.warning("search not logged", exc_info=True, extra={"query": query})
        return False
    return True


# --- hot queries ---------------------------------------------------------------------------

def refresh_hot_queries(day: str | None = None) -> dict:
    """Summarise a business day's hot queries (default: the last complete one) into the one
    item GET /search/hot reads: each shard's top queries that found results, merged, blocked
    ones left out. A single bounded pass: 1 GetItem, 16 Queries, 1 PutItem."""
    day = day or clock.previous_business_day(clock.now_ms())
    blocked = lexicon_store.blocklist()
    per_shard = [log_store.most_searched(day, shard, True, query_log.HOT_CANDIDATES)[0]
                 for shard in range(query_log.SHARDS)]
    hot = query_log.hot_candidates(per_shard, blocked)
    written = lexicon_store.save_hot(day, [(query.query, query.searches) for query in hot])
    return {"day": day, "hot_queries": len(hot), "written": written}


def hot_queries() -> dict:
    """The summary and the blocklist in one BatchGetItem, so a query ops block leaves the
    list at once, before the job runs again."""
    day, candidates, blocked = lexicon_store.hot_and_blocklist()
    items = query_log.visible_hot(candidates, blocked)
    return {"items": [{"query": query, "searches": searches} for query, searches in items],
            "day": day or clock.previous_business_day(clock.now_ms())}


# --- ops --------------------------------------------------------------------------------------

def authorize_ops(principal: Principal) -> Principal:
    return require_role(principal, Role.OPS)


def blocklist(principal: Principal) -> dict:
    authorize_ops(principal)
    return {"queries": sorted(lexicon_store.blocklist(consistent=True))}


def replace_blocklist(principal: Principal, queries: list[str]) -> dict:
    """Replace the blocklist whole with already validated, normalised queries."""
    authorize_ops(principal)
    lexicon_store.put_blocklist(set(queries))
    return {"queries": sorted(set(queries))}


def zero_results(principal: Principal, day: str | None, limit: int,
                 cursor: str | None) -> dict:
    """A day's queries that found nothing, most searched first. The 16 shards merge: every
    shard not exhausted reads `limit` + 1 items from its own position (one Query each, in
    parallel), the page takes the top `limit`, and the cursor carries each shard's position."""
    authorize_ops(principal)
    day = day or clock.business_day(clock.now_ms())
    scope = f"search-zero-results:{day}"
    state = decode_cursor(scope, cursor) or {}
    positions = {int(shard): position for shard, position in state.get("p", {}).items()}
    wanted = {shard: _after(positions.get(shard)) for shard in query_log.open_shards(positions)}
    reads = {shard: query_log.ShardRead(*read)
             for shard, read in log_store.most_searched_many(day, wanted, limit + 1).items()}
    page, moved = query_log.merge_page(reads, positions, limit)
    more = bool(query_log.open_shards(moved))
    return {
        "day": day,
        "items": [{"query": item.query, "searches": item.searches,
                   "last_seen": clock.to_iso(item.last_seen_ms)} for item in page],
        "next_cursor": encode_cursor(scope, {"p": {str(s): p for s, p in moved.items()}})
        if more else None,
    }


def _after(position: query_log.Position) -> tuple[int, str] | None:
    return (int(position[0]), str(position[1])) if isinstance(position, list) else None
