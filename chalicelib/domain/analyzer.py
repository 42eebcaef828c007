"""Text analysis for search: one chain, used identically for products at index time and for
queries at search time.

    normalise (NFKC, lower case) → runs (Han, Latin, digits) → segment Han runs (rjieba with the
    catalogue dictionary) → token filters: pinyin and initials of Chinese words, character
    bigrams, letter/digit joins and specs (iphone15, 1.5匹, 500g)

Every term carries its kind in a prefix, so a pinyin term never collides with a Latin word:

    w:洗地机  w:nike  w:1.5匹   words, Latin words, numbers, specs
    p:xidiji               joined full pinyin of a Chinese word (phrase-aware: 银行 → yinhang)
    i:xdj                  its initials
    b:洗地                  character bigram of a Han run (low-weight fallback)

A query is a list of units (one per word the shopper meant), each with alternative terms: a
Latin run is tried as a word, as full pinyin and as initials; a Han window whose reading is a
catalogue word's (洗地鸡, 空掉) is tried as that word too. The segmenter and the dictionary load
on the first analysis, never at import.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from chalicelib.domain import pinyin

ANALYZER_CODE_VERSION = 1  # bump with any change to what a text analyses to
DICTIONARY_PATH = Path(__file__).with_name("dictionary") / "catalogue.txt"
MAX_WINDOW = 6  # longest Han window tried against the dictionary's readings
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
_RUN = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<latin>[a-z]+)|(?P<number>\d+(?:\.\d+)?)")
# Units a number before them makes a spec; Chinese ones are spelled the Latin way in the term,
# so 500克 and 500g are one term.
SPEC_UNITS = {"千克": "kg", "毫升": "ml", "克": "g", "升": "l", "匹": "匹", "寸": "寸", "码": "码",
              "斤": "斤", "瓦": "w", "kg": "kg", "g": "g", "ml": "ml", "l": "l", "gb": "gb",
              "tb": "tb", "mm": "mm", "cm": "cm", "m": "m", "w": "w", "mah": "mah", "p": "匹"}
_HAN_UNITS = sorted((unit for unit in SPEC_UNITS if not unit.isascii()), key=len, reverse=True)


class Kind(StrEnum):
    WORD = "word"
    PINYIN = "pinyin"
    INITIALS = "initials"
    BIGRAM = "bigram"
    FUZZY = "fuzzy"


PREFIX = {Kind.WORD: "w:", Kind.PINYIN: "p:", Kind.INITIALS: "i:", Kind.BIGRAM: "b:"}


def term_kind(term: str) -> Kind:
    return next(kind for kind, prefix in PREFIX.items() if term.startswith(prefix))


def normalize(text: str) -> str:
    """NFKC (full-width Ｎｉｋｅ → nike, ① → 1), lower case, one space between words."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


@dataclass(frozen=True)
class _Run:
    kind: str  # han | latin | number
    text: str
    start: int
    end: int


def _runs(text: str) -> list[_Run]:
    return [_Run(match.lastgroup, match.group(), match.start(), match.end())
            for match in _RUN.finditer(text)]


def _touching(left: _Run, right: _Run, text: str, allow_space: bool) -> bool:
    gap = text[left.end:right.start]
    return gap == "" or (allow_space and gap == " ")


# --- the dictionary and the segmenter ------------------------------------------------------------

@dataclass(frozen=True)
class Dictionary:
    version: str
    frequencies: dict[str, int]
    kinds: dict[str, str] = field(default_factory=dict)  # word → brand | category | spec

    @property
    def full_version(self) -> str:
        """What an index records it was built with: dictionary and code version together."""
        return f"{self.version}.{ANALYZER_CODE_VERSION}"


def parse_dictionary(text: str) -> Dictionary:
    """Lines of `word [frequency [kind]]`; `# version: V` names the version."""
    version, frequencies, kinds = "0", {}, {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("# version:"):
            version = line.split(":", 1)[1].strip()
        if not line or line.startswith("#"):
            continue
        word, *rest = line.split()
        frequencies[normalize(word)] = int(rest[0]) if rest else 1000
        if len(rest) > 1:
            kinds[normalize(word)] = rest[1]
    return Dictionary(version, frequencies, kinds)


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    return parse_dictionary(DICTIONARY_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _segmenter():
    import rjieba  # ~0.2 s and ~15 MiB: loaded by the first analysis only

    segmenter = rjieba.Jieba()
    for word, frequency in dictionary().frequencies.items():
        segmenter.add_word(word, frequency, None)
    return segmenter


def segment(run: str, for_search: bool) -> list[str]:
    """Han words of one run: precise mode for queries, search mode (precise words plus their
    dictionary sub-words, 洗地机 → 洗地, 洗地机) for documents, so each query word is indexed."""
    segmenter = _segmenter()
    if not for_search:
        return [word for word in segmenter.cut(run, True) if word.strip()]
    words = [word for word in segmenter.cut_for_search(run, True) if word.strip()]
    # search mode looks for sub-words of two and three characters only: add the longer
    # catalogue words inside a word (一级能效 in 新一级能效), so a query for them finds it
    known = dictionary().frequencies
    inner = [word[start:start + length] for word in words if len(word) > 4
             for length in range(4, len(word)) for start in range(len(word) - length + 1)
             if word[start:start + length] in known]
    return words + inner


# --- documents ---------------------------------------------------------------------------------

@dataclass
class AnalyzedDocument:
    terms: dict[str, Counter]  # term → tf per field
    lengths: Counter  # field → number of word tokens


# Pinyin, initials and bigrams are indexed for the fields shoppers type by sound or in part;
# spec values (颜色 月白, 规格 500g) are found by their words alone.
READING_FIELDS = frozenset({"title", "brand", "category"})
BIGRAM_FIELDS = frozenset({"title"})


def analyze_document(fields: dict[str, str]) -> AnalyzedDocument:
    """Every term of a product's fields with its frequency per field."""
    document = AnalyzedDocument(terms={}, lengths=Counter())
    for name, text in fields.items():
        terms = _document_terms(normalize(text), readings=name in READING_FIELDS,
                                bigrams=name in BIGRAM_FIELDS)
        for term in terms:
            document.terms.setdefault(term, Counter())[name] += 1
            if term.startswith("w:"):
                document.lengths[name] += 1
    return document


def _document_terms(text: str, readings: bool = True, bigrams: bool = True) -> list[str]:
    terms: list[str] = []
    runs = _runs(text)
    for index, run in enumerate(runs):
        following = runs[index + 1] if index + 1 < len(runs) else None
        if run.kind == "han":
            for word in segment(run.text, for_search=True):
                terms.extend(_word_terms(word) if readings else [PREFIX[Kind.WORD] + word])
            if readings:
                terms.extend(_pair_initials(run.text))
            if bigrams:
                terms.extend(PREFIX[Kind.BIGRAM] + run.text[i:i + 2]
                             for i in range(len(run.text) - 1))
        else:
            terms.append(PREFIX[Kind.WORD] + run.text)
        terms.extend(_joined_terms(run, following, text))
    return terms


def _pair_initials(run: str) -> list[str]:
    """Initials of two words in a row (初级会计 → cjkj, 银行从业 → yhcy): shoppers abbreviate
    a phrase, not only a word."""
    words = [word for word in segment(run, for_search=False) if len(word) >= 2]
    terms = []
    for first, second in pairwise(words):
        syllables = pinyin.reading(first + second)
        if len(syllables) == len(first) + len(second):
            terms.append(PREFIX[Kind.INITIALS] + pinyin.initials(syllables))
    return terms


def _word_terms(word: str) -> list[str]:
    """A Chinese word, and for words of two or more characters its pinyin and initials."""
    terms = [PREFIX[Kind.WORD] + word]
    if len(word) >= 2 and _is_han(word):
        syllables = pinyin.reading(word)
        if len(syllables) == len(word):
            terms.append(PREFIX[Kind.PINYIN] + "".join(syllables))
            terms.append(PREFIX[Kind.INITIALS] + pinyin.initials(syllables))
    return terms


def _joined_terms(run: _Run, following: _Run | None, text: str) -> list[str]:
    """Letter/digit joins (iPhone 15 → iphone15, x20) and specs (1.5匹, 500克 → 500g)."""
    if following is None:
        return []
    if run.kind == "number":
        unit = _spec_unit(following, text[run.end:])
        if unit:
            return [f"{PREFIX[Kind.WORD]}{run.text}{unit}"]
    if {run.kind, following.kind} == {"latin", "number"} and _touching(
            run, following, text, allow_space=run.kind == "latin"):
        return [f"{PREFIX[Kind.WORD]}{run.text}{following.text}"]
    return []


def _spec_unit(following: _Run, rest: str) -> str | None:
    """The unit a number is written with, when `rest` (the text after it) starts with one."""
    if following.kind == "latin" and rest.startswith(following.text):
        return SPEC_UNITS.get(following.text)
    if following.kind == "han":
        return next((SPEC_UNITS[unit] for unit in _HAN_UNITS if rest.startswith(unit)), None)
    return None


def _is_han(text: str) -> bool:
    return bool(re.fullmatch(f"[{_HAN}]+", text))


# --- queries -----------------------------------------------------------------------------------

# How much a match through each path counts against an exact word match.
ALTERNATIVE_WEIGHTS = {
    "word": 1.0, "reading": 0.8, "pinyin": 0.7, "abbreviation": 0.6, "initials": 0.5,
    "fuzzy": 0.6, "bigram": 0.5, "part": 0.5,
}


@dataclass(frozen=True)
class Alternative:
    term: str
    kind: Kind  # what the shopper is told: how the product matched
    weight: float


@dataclass(frozen=True)
class Unit:
    """One thing the shopper typed (a word, a pinyin run, a spec), with the terms that can
    stand for it, best first."""

    text: str
    alternatives: tuple[Alternative, ...]
    fuzzy: str | None = None  # a Latin word that may be misspelt: looked up in the relaxed pass
    fuzzy_suffix: str = ""  # digits joined to that word (iphnoe15): kept on its corrections
    bigrams: tuple[str, ...] = ()  # bigram terms of a Han unit, for the relaxed pass


@dataclass(frozen=True)
class QueryPlan:
    text: str  # the query as understood (normalised)
    units: tuple[Unit, ...]

    def terms(self, budget: int, skip: frozenset[str] = frozenset()) -> list[str]:
        """Up to `budget` distinct terms: every unit's best alternative first, then every unit's
        second, and so on, so no unit is left without a term while another has three."""
        chosen: list[str] = []
        depth = max((len(unit.alternatives) for unit in self.units), default=0)
        for rank in range(depth):
            for unit in self.units:
                if rank < len(unit.alternatives):
                    term = unit.alternatives[rank].term
                    if term not in chosen and term not in skip and len(chosen) < budget:
                        chosen.append(term)
        return chosen


def analyze_query(query: str) -> QueryPlan:
    text = normalize(query)
    runs = _runs(text)
    units: list[Unit] = []
    index = 0
    while index < len(runs):
        run = runs[index]
        following = runs[index + 1] if index + 1 < len(runs) else None
        chain = _chain(runs, index, text)
        if len(chain) > 1:
            prefix, completed = _chain_word(chain)
            if completed is not None:  # 防shai霜, 空tiao, 洗dj, 无线洗diji
                units.extend(_han_units(prefix))
                units.append(completed)
                index += len(chain)
                continue
        joined = _joined_terms(run, following, text)
        if joined:  # 1.5匹, 500g, iphone15, x20: the join is one unit
            alternative = (_alternative(joined[0], "word"),)
            if following.kind == "han":  # a spec: the rest of the Han run is segmented
                unit_length = _unit_length(following.text)
                units.append(Unit(run.text + following.text[:unit_length], alternative))
                units.extend(_han_units(following.text[unit_length:]))
            else:
                latin, digits = (run, following) if run.kind == "latin" else (following, run)
                typo = latin.text if latin is run and len(latin.text) >= 4 else None
                units.append(Unit(text[run.start:following.end], alternative, fuzzy=typo,
                                  fuzzy_suffix=digits.text if typo else ""))
            index += 2
            continue
        units.extend(_han_units(run.text) if run.kind == "han" else _latin_units(run))
        index += 1
    return QueryPlan(text, tuple(unit for unit in units if unit.alternatives))


def _chain(runs: list[_Run], start: int, text: str) -> list[_Run]:
    """The Han and Latin runs from `start` that touch, alternating (防 shai 霜)."""
    chain = [runs[start]]
    if chain[0].kind == "number":
        return chain
    for run in runs[start + 1:]:
        if run.kind == "number" or run.kind == chain[-1].kind or not _touching(
                chain[-1], run, text, allow_space=False):
            break
        chain.append(run)
    return chain


def _chain_word(chain: list[_Run]) -> tuple[str, Unit | None]:
    """A catalogue word spelt partly in characters and partly in pinyin: the whole chain read
    as pinyin (防shai霜 → fangshaishuang → 防晒霜), else Chinese followed by the initials or
    pinyin of the rest (洗dj). Returns (Han text before the word, its unit) or (.., None)."""
    spelt = "".join("".join(pinyin.reading(run.text)) if run.kind == "han" else run.text
                    for run in chain)
    words = _words_read(spelt)
    if words:
        return "", Unit("".join(run.text for run in chain),
                        tuple(_alternative(PREFIX[Kind.WORD] + word, "reading")
                              for word in words[:2]))
    if len(chain) == 2 and chain[0].kind == "han":
        return _mixed(chain[0].text, chain[1].text)
    return "", None


def _words_read(spelt: str) -> list[str]:
    """Catalogue words read `spelt`, exactly, else with z/zh, c/ch, s/sh and -n/-ng alike (the
    fuzzy pinyin of phone keyboards)."""
    lexicon = _lexicon()
    if spelt in lexicon.by_reading:
        return lexicon.by_reading[spelt]
    for syllables in pinyin.split_syllables(spelt):
        words = lexicon.by_fuzzy_reading.get(pinyin.fuzzy_key(syllables))
        if words:
            return words
    return []


def _unit_length(han: str) -> int:
    return next((len(unit) for unit in _HAN_UNITS if han.startswith(unit)), 0)


def _alternative(term: str, path: str) -> Alternative:
    kinds = {"word": Kind.WORD, "reading": Kind.PINYIN, "pinyin": Kind.PINYIN,
             "abbreviation": Kind.INITIALS, "initials": Kind.INITIALS, "fuzzy": Kind.FUZZY,
             "bigram": Kind.BIGRAM}
    return Alternative(term, kinds[path], ALTERNATIVE_WEIGHTS[path])


def _han_units(run: str) -> list[Unit]:
    """Han text → units: windows that read like a catalogue word but are written otherwise
    (洗地鸡, 空掉) become that word; the rest is segmented."""
    if not run:
        return []
    units: list[Unit] = []
    pending = ""
    syllables = pinyin.reading(run)
    aligned = len(syllables) == len(run)
    position = 0
    while position < len(run):
        correction = _correction(run, syllables, position) if aligned else None
        if correction is None:
            known = _catalogue_word_at(run, position)  # as written: kept whole, not re-read
            pending += run[position:position + max(known, 1)]
            position += max(known, 1)
            continue
        units.extend(_segmented_units(pending))
        pending = ""
        window, words = correction
        alternatives = [_alternative(PREFIX[Kind.WORD] + word, "reading") for word in words]
        alternatives.append(_alternative(PREFIX[Kind.WORD] + window, "word"))
        units.append(Unit(window, tuple(alternatives), bigrams=_bigrams(window)))
        position += len(window)
    units.extend(_segmented_units(pending))
    return units


def _correction(run: str, syllables: tuple[str, ...], start: int) -> tuple[str, list[str]] | None:
    """The longest window from `start` whose reading is a catalogue word written differently:
    the same reading (洗地鸡, 空掉), or a fuzzy one (防嗮) unless the window is a word of its
    own (风扇 is not a misspelt 风尚)."""
    lexicon = _lexicon()
    for length in range(min(MAX_WINDOW, len(run) - start), 1, -1):
        window = run[start:start + length]
        if window in dictionary().frequencies:
            return None  # a catalogue word as written: nothing to correct here
        window_syllables = syllables[start:start + length]
        words = lexicon.by_reading.get("".join(window_syllables), [])
        if not words and not _segmenter().has_word(window):
            words = lexicon.by_fuzzy_reading.get(pinyin.fuzzy_key(window_syllables), [])
        words = [word for word in words if len(word) == length]
        if words:
            return window, words[:2]
    return None


def _catalogue_word_at(run: str, start: int) -> int:
    """The length of the longest catalogue word written at `start`, 0 when none."""
    known = dictionary().frequencies
    return next((length for length in range(min(MAX_WINDOW, len(run) - start), 1, -1)
                 if run[start:start + length] in known), 0)


def _segmented_units(text: str) -> list[Unit]:
    words = segment(text, for_search=False) if text else []
    if len(words) > 1 and len(text) <= MAX_WINDOW and any(len(word) == 1 for word in words):
        # 吹风鸡 → 吹风 + 鸡: more likely one word typed by sound than two; its reading finds
        # the indexed word (p:chuifengji), its longer parts keep a weaker hold
        syllables = pinyin.reading(text)
        alternatives = [_alternative(PREFIX[Kind.WORD] + text, "word")]
        if len(syllables) == len(text):
            alternatives.append(_alternative(PREFIX[Kind.PINYIN] + "".join(syllables),
                                             "pinyin"))
        alternatives += [Alternative(PREFIX[Kind.WORD] + word, Kind.WORD,
                                     ALTERNATIVE_WEIGHTS["part"])
                         for word in words if len(word) > 1]
        return [Unit(text, tuple(alternatives), bigrams=_bigrams(text))]
    units = []
    for word in words:
        alternatives = [_alternative(PREFIX[Kind.WORD] + word, "word")]
        if len(word) >= 2:
            syllables = pinyin.reading(word)
            if len(syllables) == len(word):
                alternatives.append(_alternative(PREFIX[Kind.PINYIN] + "".join(syllables),
                                                 "pinyin"))
        units.append(Unit(word, tuple(alternatives), bigrams=_bigrams(word)))
    return units


def _bigrams(word: str) -> tuple[str, ...]:
    return tuple(PREFIX[Kind.BIGRAM] + word[i:i + 2] for i in range(len(word) - 1))


def _latin_units(run: _Run) -> list[Unit]:
    """A Latin run is tried as a word (nike), as full pinyin (xidiji, one word or several:
    wuxianxidiji → 无线 + 洗地机) and as initials (xdj)."""
    text = run.text
    if run.kind == "number":
        return [Unit(text, (_alternative(PREFIX[Kind.WORD] + text, "word"),))]
    split = _pinyin_words(text)
    if split is not None and len(split) > 1:
        return [Unit(reading, (*([_alternative(PREFIX[Kind.WORD] + word, "reading")]
                                 if word else []),
                               _alternative(PREFIX[Kind.PINYIN] + reading, "pinyin")))
                for reading, word in split]
    lexicon = _lexicon()
    alternatives = [_alternative(PREFIX[Kind.WORD] + text, "word")]
    if len(text) >= 2 and pinyin.is_pinyin(text):
        alternatives += [_alternative(PREFIX[Kind.WORD] + word, "reading")
                         for word in _words_read(text)[:1]]
        alternatives.append(_alternative(PREFIX[Kind.PINYIN] + text, "pinyin"))
    if 2 <= len(text) <= 6 and (len(text) <= 3 or not pinyin.is_pinyin(text)):
        alternatives += [_alternative(PREFIX[Kind.WORD] + word, "abbreviation")
                         for word in lexicon.by_initials.get(text, ())[:1]]
        alternatives.append(_alternative(PREFIX[Kind.INITIALS] + text, "initials"))
    return [Unit(text, tuple(alternatives), fuzzy=text if len(text) >= 4 else None)]


def _pinyin_words(text: str) -> list[tuple[str, str | None]] | None:
    """A pinyin run read as consecutive words: catalogue words where the syllables fit one
    (longest first), else two syllables at a time, the length of most Chinese words:
    wuxianxidiji → [(wuxian, None), (xidiji, 洗地机)]. None unless a catalogue word is in it."""
    by_reading = _lexicon().by_reading
    for syllables in pinyin.split_syllables(text):
        pieces, position = [], 0
        while position < len(syllables):
            for end in range(min(len(syllables), position + MAX_WINDOW), position + 1, -1):
                joined = "".join(syllables[position:end])
                if joined in by_reading:
                    pieces.append((joined, by_reading[joined][0]))
                    break
            else:
                end = min(len(syllables), position + 2)
                pieces.append(("".join(syllables[position:end]), None))
            position = end
        if any(word for _, word in pieces):
            return pieces
    return None


def _mixed(han: str, latin: str) -> tuple[str, Unit | None]:
    """Chinese characters followed by the pinyin or initials of the rest of a catalogue word
    (洗dj, 洗diji, 洗地j): (the Han text before that word, its unit), or (han, None)."""
    for start in range(max(0, len(han) - MAX_WINDOW), len(han)):
        words = _lexicon().mixed.get(han[start:] + latin)
        if words:
            alternatives = tuple(_alternative(PREFIX[Kind.WORD] + word, "abbreviation")
                                 for word in words[:2])
            return han[:start], Unit(han[start:] + latin, alternatives)
    return han, None


# --- the dictionary's readings ----------------------------------------------------------------

@dataclass
class _Lexicon:
    """Catalogue words by how shoppers type them, most frequent first."""

    by_reading: dict[str, list[str]] = field(default_factory=dict)  # xidiji, kongdiao → 空调
    by_fuzzy_reading: dict[str, list[str]] = field(default_factory=dict)  # fansai → 防晒
    by_initials: dict[str, list[str]] = field(default_factory=dict)  # xdj → 洗地机
    mixed: dict[str, list[str]] = field(default_factory=dict)  # 洗dj, 洗d, 洗diji, 洗地j


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    lexicon = _Lexicon()
    words = sorted(dictionary().frequencies.items(), key=lambda item: (-item[1], item[0]))
    for word, _ in words:
        if len(word) < 2 or not _is_han(word):
            continue
        readings = [r for r in pinyin.readings(word) if len(r) == len(word)]
        for syllables in readings:  # every reading: a shopper may read 调 as diao
            _add(lexicon.by_reading, "".join(syllables), word)
            _add(lexicon.by_fuzzy_reading, pinyin.fuzzy_key(syllables), word)
        if not readings:
            continue
        syllables = readings[0]  # abbreviations follow the phrase's own reading only
        _add(lexicon.by_initials, pinyin.initials(syllables), word)
        for split in range(1, len(word)):
            rest = syllables[split:]
            for end in range(1, len(rest) + 1):  # 洗d, 洗dj
                _add(lexicon.mixed, word[:split] + pinyin.initials(rest[:end]), word)
            _add(lexicon.mixed, word[:split] + "".join(rest), word)  # 洗diji
    return lexicon


def _add(index: dict[str, list[str]], key: str, word: str) -> None:
    words = index.setdefault(key, [])
    if word not in words:
        words.append(word)


def load() -> None:
    """Load the dictionary, the segmenter and the readings now (a warm-up or a benchmark)."""
    _lexicon()
    segment("洗地机", for_search=True)
