"""The search aids shoppers read, kept as items of the search_lexicon table (LexiconModel):

- `sug#<prefix>` → the top completions of a prefix (text, kind, weight), written whole by each
  suggestion rebuild, TTL `expires_at` a few days out (a prefix no phrase reaches any more
  fades out instead of lingering).
- `hot#current` → the last business day's hot queries (`value` = the day, `suggestions` =
  the query and its searches, most searched first), written by the hot-queries job.
- `ops#search_blocklist` → the normalised queries ops keep out of hot queries and suggestions
  (`terms`, absent when empty; `count`).
- `meta#suggestions` → the digest of the lists last written whole (`value`), `count` items;
  its `expires_at` is when they must be written again anyway, before their own TTL.
"""

from __future__ import annotations

from pynamodb.exceptions import PutError

from chalicelib.store.search_index import LexiconModel, SuggestionMap

SUGGESTION_PREFIX = "sug#"
HOT = "hot#current"
BLOCKLIST = "ops#search_blocklist"
WRITTEN = "meta#suggestions"

Entry = tuple[str, str, float]  # text, kind, weight


def write_suggestions(entries: dict[str, list[Entry]], expires_at: int) -> int:
    """Put every prefix's list, overwriting the last rebuild's: BatchWriteItem, 25 items a
    call. Returns how many items were written."""
    with LexiconModel.batch_write() as batch:
        for prefix, suggestions in entries.items():
            batch.save(LexiconModel(SUGGESTION_PREFIX + prefix, expires_at=expires_at,
                                    suggestions=[_entry(*entry) for entry in suggestions]))
    return len(entries)


def written_digest(now_s: int) -> str | None:
    """The digest of the lists last written whole, unless they are due for a rewrite."""
    try:
        item = LexiconModel.get(WRITTEN, consistent_read=True)
    except LexiconModel.DoesNotExist:
        return None
    return item.value if item.expires_at is not None and int(item.expires_at) > now_s else None


def mark_written(digest: str, count: int, rewrite_by_s: int) -> None:
    LexiconModel(WRITTEN, value=digest, count=count, expires_at=rewrite_by_s).save()


def suggestions(prefix: str, now_s: int) -> list[tuple[str, str]]:
    """The completions stored for a prefix, best first: one GetItem. An item past its TTL that
    DynamoDB has not deleted yet counts as absent."""
    try:
        item = LexiconModel.get(SUGGESTION_PREFIX + prefix)
    except LexiconModel.DoesNotExist:
        return []
    if item.expires_at is not None and int(item.expires_at) <= now_s:
        return []
    return [(entry.text, entry.kind) for entry in item.suggestions or []]


def save_hot(day: str, hot: list[tuple[str, int]]) -> bool:
    """Replace the hot-queries summary, unless it already holds a later day (a rerun for an
    older day never rolls it back). Returns whether it was written."""
    model = LexiconModel(HOT, value=day,
                         suggestions=[_entry(query, "query", searches) for query, searches in hot])
    try:
        model.save(condition=LexiconModel.value.does_not_exist() | (LexiconModel.value <= day))
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def hot_and_blocklist() -> tuple[str | None, list[tuple[str, int]], set[str]]:
    """The hot summary (its day and queries) and the blocklist: one BatchGetItem."""
    found = {item.key: item for item in LexiconModel.batch_get([HOT, BLOCKLIST])}
    hot, blocklist = found.get(HOT), found.get(BLOCKLIST)
    queries = [(entry.text, int(entry.weight)) for entry in (hot.suggestions or [])] if hot else []
    return (hot.value if hot else None), queries, _terms(blocklist)


def blocklist(consistent: bool = False) -> set[str]:
    """The blocked queries: one GetItem."""
    try:
        return _terms(LexiconModel.get(BLOCKLIST, consistent_read=consistent))
    except LexiconModel.DoesNotExist:
        return set()


def put_blocklist(queries: set[str]) -> None:
    """Replace the blocklist whole: one PutItem (an empty list leaves no set: DynamoDB stores
    no empty sets)."""
    LexiconModel(BLOCKLIST, terms=set(queries) or None, count=len(queries)).save()


def _terms(item: LexiconModel | None) -> set[str]:
    return set(item.terms or ()) if item is not None else set()


def _entry(text: str, kind: str, weight: float) -> SuggestionMap:
    return SuggestionMap(text=text, kind=kind, weight=weight)
