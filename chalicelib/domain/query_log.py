"""The search query log's rules: how a query is keyed, what may be shown to other shoppers,
and how the 16 shards of a day merge into one ranked list. Pure: no I/O.

A day's queries are spread over SHARDS partitions (`<day>#<shard>`, shard = crc32(query) % 16)
so the day's busy queries do not all land in one partition. Each item also sits in one of two
partitions of the `by_outcome` index, `<day>#<shard>#found` or `<day>#<shard>#zero` (by its
last result count), ranged by searches: hot queries read the top of the `found` partitions,
ops read the `zero` ones.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

SHARDS = 16
SCENE = "search"
LOG_DAYS = 35  # a day's items expire (TTL) this long after the day began
HOT_LIMIT = 20  # what GET /search/hot shows
HOT_CANDIDATES = 50  # what the job keeps: enough to fill HOT_LIMIT after later blocks
# A query is shown to other shoppers (hot, suggested) only once it was searched this often in a
# day: a one-off query may be someone's name or phone number.
MIN_PUBLIC_SEARCHES = 3
BLOCKLIST_MAX = 500
BLOCKED_QUERY_MAX_LENGTH = 50

DONE = "done"  # a shard position: nothing left in that shard


@dataclass(frozen=True)
class LoggedQuery:
    query: str
    searches: int
    last_results: int
    last_relaxed: bool
    last_seen_ms: int


def shard_of(query: str) -> int:
    return zlib.crc32(query.encode()) % SHARDS


def partition(day: str, shard: int) -> str:
    return f"{day}#{shard:02d}"


def outcome_partition(day: str, shard: int, found: bool) -> str:
    return f"{partition(day, shard)}#{'found' if found else 'zero'}"


def is_public(query: LoggedQuery) -> bool:
    """May other shoppers see it: it found products without being relaxed (a relaxed query is a
    misspelling), and enough searches that it is not one person's."""
    return (query.last_results > 0 and not query.last_relaxed
            and query.searches >= MIN_PUBLIC_SEARCHES)


def hot_candidates(per_shard: Iterable[list[LoggedQuery]], blocked: set[str],
                   limit: int = HOT_CANDIDATES) -> list[LoggedQuery]:
    """The day's most searched public queries across shards, blocked ones left out."""
    pool = (query for shard in per_shard for query in shard
            if is_public(query) and query.query not in blocked)
    return heapq.nsmallest(limit, pool, key=lambda q: (-q.searches, q.query))


def visible_hot(candidates: list[tuple[str, int]], blocked: set[str],
                limit: int = HOT_LIMIT) -> list[tuple[str, int]]:
    """What the route shows: the summary's (query, searches) minus queries blocked since."""
    return [(query, searches) for query, searches in candidates if query not in blocked][:limit]


# --- merging the zero-result shards into pages -------------------------------------------------

Position = list | str | None  # [searches, query] of the last item read; DONE; None: the start


@dataclass(frozen=True)
class ShardRead:
    items: list[LoggedQuery]  # the shard's next items, most searched first
    more: bool  # the read stopped before the shard's end


def merge_page(reads: dict[int, ShardRead], positions: dict[int, Position],
               limit: int) -> tuple[list[LoggedQuery], dict[int, Position]]:
    """The page's `limit` most searched items across the shards read, and every shard's
    position after it. Each shard read `limit` + 1 items from its position, so a page is
    exact: no item of any shard can rank above one it shows without having been read."""
    streams = [[(shard, item) for item in read.items] for shard, read in sorted(reads.items())]
    taken = list(heapq.merge(*streams, key=lambda pair: -pair[1].searches))[:limit]
    moved = dict(positions)
    for shard, read in reads.items():
        mine = [item for owner, item in taken if owner == shard]
        if len(mine) == len(read.items) and not read.more:
            moved[shard] = DONE
        elif mine:
            moved[shard] = [mine[-1].searches, mine[-1].query]
    return [item for _, item in taken], moved


def open_shards(positions: dict[int, Position]) -> list[int]:
    return [shard for shard in range(SHARDS) if positions.get(shard) != DONE]
