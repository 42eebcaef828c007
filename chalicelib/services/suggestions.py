"""Suggestions (搜索联想): one GetItem per keystroke, from lists a job rebuilds.

A keystroke reads the `sug#<key>` item of what was typed (chalicelib.domain.suggest: Chinese,
pinyin, initials and mixed prefixes all have their own key), so the request does no analysis
and no Query. The rebuild computes every key of every phrase and writes each key's top 10.
"""

from __future__ import annotations

import hashlib
import json

from chalicelib.domain import analyzer, clock, query_log, suggest
from chalicelib.domain.analyzer import PREFIX, Kind
from chalicelib.store import search_index as index_store
from chalicelib.store import search_log as log_store
from chalicelib.store import suggestions as lexicon_store

SUGGESTION_TTL_DAYS = 3  # rewrites come long before; a prefix no phrase reaches fades out
REWRITE_AFTER_DAYS = 1  # unchanged lists are written again this often, to renew their TTL
QUERIES_PER_SHARD = 50  # the day's most searched queries per shard that become phrases (≤ 800)


def suggest_for(typed: str) -> tuple[str, list[tuple[str, str]]]:
    """(the query as understood, up to 10 (text, kind) completions): one GetItem; none when
    nothing is left of the text to look up."""
    key = suggest.lookup_key(typed)
    if not key:
        return analyzer.normalize(typed), []
    found = lexicon_store.suggestions(suggest.stored_key(key), clock.now_ms() // 1000)
    if len(key) > suggest.MAX_KEY_LENGTH:  # the capped key's list, kept where the rest fits
        found = [(text, kind) for text, kind in found if suggest.matches(text, key)]
    return analyzer.normalize(typed), found


def rebuild_suggestions(day: str | None = None) -> dict:
    """Rewrite every prefix's completions from the catalogue dictionary's indexed words
    (weight: their document frequency; `brand` or `word`) and the queries of a business day
    (default: the last complete one) that found results and may be shown (weight: searches).

    A single bounded pass whose cost grows with the dictionary and the day's queries, never
    with the catalogue: ⌈words / 100⌉ BatchGetItems of term headers, 1 GetItem (blocklist),
    16 Queries (≤ 50 queries per shard), 1 GetItem (the digest of what was last written);
    then, only when the lists differ from the last ones written (or those are a day old, to
    renew their TTL), one item per distinct prefix key in BatchWriteItems of 25, and 1
    PutItem of the new digest. How many items: the shipped dictionary's ≈ 215 suggestible words
    reach ≈ 3,800 keys when all are indexed; each query adds the keys no other phrase has,
    ≈ 80–100 for a two-word query (keys stop at 20 characters), so a day with the full 800
    public queries writes ≈ 60,000 items (measured with random 1–3-word queries of dictionary
    words): ≈ 60,000 WCU for a run that writes. An unchanged hour writes nothing.
    """
    now = clock.now_ms()
    day = day or clock.previous_business_day(now)
    blocked = lexicon_store.blocklist()
    words = _indexed_words()
    queries = _public_queries(day)
    phrases = [phrase for phrase in words + queries if phrase.text not in blocked]
    entries = suggest.build(phrases)
    digest = _digest(entries)
    written = 0
    if lexicon_store.written_digest(now // 1000) != digest:
        written = lexicon_store.write_suggestions(
            entries, now // 1000 + SUGGESTION_TTL_DAYS * 86400)
        lexicon_store.mark_written(digest, written, now // 1000 + REWRITE_AFTER_DAYS * 86400)
    return {"day": day, "words": len(words), "queries": len(queries),
            "prefixes": len(entries), "written": written}


def _digest(entries: dict) -> str:
    """What the lists are, so an hourly run that would write the same lists writes nothing."""
    text = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _indexed_words() -> list[suggest.Phrase]:
    """Dictionary words that at least one listed product is indexed under."""
    kinds = suggest.dictionary_kinds(analyzer.dictionary())
    words = [word for word in analyzer.dictionary().frequencies if word in kinds]
    frequencies = index_store.document_frequencies([PREFIX[Kind.WORD] + word for word in words])
    return [suggest.Phrase(word, kinds[word], frequencies[PREFIX[Kind.WORD] + word])
            for word in words if frequencies.get(PREFIX[Kind.WORD] + word, 0) > 0]


def _public_queries(day: str) -> list[suggest.Phrase]:
    return [suggest.Phrase(logged.query, "query", logged.searches)
            for shard in range(query_log.SHARDS)
            for logged in log_store.most_searched(day, shard, True, QUERIES_PER_SHARD)[0]
            if query_log.is_public(logged)]
