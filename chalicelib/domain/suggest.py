"""Suggestions (搜索联想): the prefixes a phrase is reachable by, and the key a keystroke reads.

Shoppers type a phrase however their keyboard makes it easiest, so 洗地机 must come up for any
prefix of any of its spellings:

    Chinese     洗  洗地  洗地机
    pinyin      x  xi  xid  xidi  xidij  xidiji        (cut at any letter)
    initials    x  xd  xdj
    pinyin then initials                 xidj          (the first syllables spelt out)
    mixed       洗d  洗di  洗dij  洗diji  洗dj  洗地j  洗地ji   (Chinese, then the rest spelt)

Every such key is a prefix of one of the phrase's *forms*: the first i characters as written,
the next k syllables in full pinyin, the rest as initials. Keys are capped at MAX_KEY_LENGTH
characters; a longer keystroke reads the capped key and keeps the completions it still fits.
Readings are the phrase-aware ones of chalicelib.domain.pinyin (银行 → yinhang); other readings
of polyphonic characters are left out, since a completion should answer what was typed, not
a misreading (the search itself forgives those). Latin letters, digits and other characters
spell themselves; spaces and apostrophes (xi'an) are dropped on both sides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.domain import analyzer, pinyin

MAX_KEY_LENGTH = 20
MAX_SUGGESTIONS = 10
# The kind a phrase keeps when several sources give it: what it *is* beats what was typed.
KIND_PRIORITY = ("brand", "category", "word", "query")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_DROPPED = re.compile(r"[\s']+")


@dataclass(frozen=True)
class _Token:
    text: str  # the character as written
    full: str  # its syllable (a Han character with a reading), else the character
    initial: str
    readable: bool  # a Han character with a reading: spelling it is a different key


def lookup_key(typed: str) -> str:
    """What a keystroke (or a phrase) is looked up by: normalised (NFKC, lower case) with
    spaces and apostrophes dropped; uncapped (see stored_key)."""
    return _DROPPED.sub("", analyzer.normalize(typed))


def stored_key(key: str) -> str:
    """The item a lookup key reads: the key cut to MAX_KEY_LENGTH."""
    return key[:MAX_KEY_LENGTH]


def phrase_keys(phrase: str, cap: int | None = MAX_KEY_LENGTH) -> set[str]:
    """Every key (up to `cap` characters) that should complete to `phrase`."""
    return {form[:end] for form in _forms(phrase, cap) for end in range(1, len(form) + 1)}


def matches(phrase: str, key: str) -> bool:
    """Whether an uncapped lookup key completes to `phrase` (for keys longer than the cap)."""
    return any(form.startswith(key) for form in _forms(phrase, None))


def _forms(phrase: str, cap: int | None) -> set[str]:
    tokens = _tokens(lookup_key(phrase))
    limit = cap if cap is not None else 10**6
    written = "".join(token.text for token in tokens)
    forms = {written[:limit]} if written else set()
    for start, token in enumerate(tokens):
        head = written[:start]
        if len(head) >= limit:
            break
        if not token.readable:
            continue  # spelling starts at a Han character; before one it is just the text
        spelt = head
        for split in range(start, len(tokens) + 1):  # tokens[start:split] in full pinyin
            rest = "".join(t.initial for t in tokens[split:split + limit])
            forms.add((spelt + rest)[:limit])
            if split == len(tokens) or len(spelt) >= limit:
                break
            spelt += tokens[split].full
    return forms


def _tokens(text: str) -> list[_Token]:
    """One token per character; a Han run's characters carry its phrase-aware reading."""
    syllables: dict[int, str] = {}
    for run in _HAN_RUN.finditer(text):
        reading = pinyin.reading(run.group())
        if len(reading) == len(run.group()) and all(reading):
            syllables.update({run.start() + n: s for n, s in enumerate(reading)})
    return [_Token(character, syllables[n], syllables[n][0], True) if n in syllables
            else _Token(character, character, character, False)
            for n, character in enumerate(text)]


# --- building the lists ----------------------------------------------------------------------

@dataclass(frozen=True)
class Phrase:
    text: str
    kind: str
    weight: float


def merge(phrases: list[Phrase]) -> list[Phrase]:
    """One phrase per text (as its lookup key sees it): weights add up, the most telling kind
    stays (a query that is also a brand is a brand)."""
    merged: dict[str, Phrase] = {}
    for phrase in phrases:
        key = lookup_key(phrase.text)
        seen = merged.get(key)
        if seen is None:
            merged[key] = phrase
            continue
        kind = min(seen.kind, phrase.kind, key=KIND_PRIORITY.index)
        text = seen.text if seen.kind == kind else phrase.text
        merged[key] = Phrase(text, kind, seen.weight + phrase.weight)
    return list(merged.values())


def build(phrases: list[Phrase]) -> dict[str, list[tuple[str, str, float]]]:
    """Each key's top MAX_SUGGESTIONS phrases: heaviest first, then shorter, then by text."""
    by_key: dict[str, list[Phrase]] = {}
    for phrase in merge(phrases):
        for key in phrase_keys(phrase.text):
            by_key.setdefault(key, []).append(phrase)
    return {key: [(p.text, p.kind, p.weight) for p in sorted(
        found, key=lambda p: (-p.weight, len(p.text), p.text))[:MAX_SUGGESTIONS]]
        for key, found in by_key.items()}


# --- what the catalogue dictionary says a word is -------------------------------------------

def dictionary_kinds(dictionary: analyzer.Dictionary) -> dict[str, str]:
    """Catalogue dictionary words worth suggesting, by kind: `brand` and `category` as the
    file tags them, `word` for the rest; spec nouns (匹, 千克: units, not things a shopper
    looks for) and single characters are left out."""
    return {word: dictionary.kinds.get(word, "word") for word in dictionary.frequencies
            if len(word) >= 2 and dictionary.kinds.get(word) != "spec"}
