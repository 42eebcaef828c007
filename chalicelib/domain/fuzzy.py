"""Latin typos (nkie → nike, adidsa → adidas) through deletion keys, as SymSpell does.

Two words within edit distance d share a key made by deleting at most d characters from each.
The index lists every indexed Latin term under its keys, so a query reads the candidates of all
its own keys in one batched read and keeps those within distance d. Never used on Chinese
characters: their typos are homophones, which pinyin catches.
"""

from __future__ import annotations

import re
from itertools import combinations

MIN_QUERY_LENGTH = 4  # shorter words have too many neighbours to guess which one was meant
MIN_TERM_LENGTH = 3
_LATIN = re.compile(r"^[a-z]+$")


def max_distance(word: str) -> int:
    return 2 if len(word) >= 8 else 1


def is_fuzzy_term(term_text: str) -> bool:
    """Latin words long enough to be listed under deletion keys."""
    return len(term_text) >= MIN_TERM_LENGTH and bool(_LATIN.match(term_text))


def deletion_keys(word: str, distance: int | None = None) -> list[str]:
    """The word and every string made by deleting up to `distance` of its characters."""
    distance = max_distance(word) if distance is None else distance
    keys = {word}
    for removed in range(1, min(distance, len(word) - 1) + 1):
        for positions in combinations(range(len(word)), removed):
            keys.add("".join(c for i, c in enumerate(word) if i not in positions))
    return sorted(keys)


def osa_distance(a: str, b: str) -> int:
    """Edit distance counting an adjacent transposition as one edit (nkie → nike is 1)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[len(a)][len(b)]


def corrections(word: str, candidates: set[str]) -> list[tuple[str, int]]:
    """Candidates within the word's distance, nearest first, the word itself excluded."""
    limit = max_distance(word)
    found = [(term, osa_distance(word, term)) for term in candidates if term != word]
    return sorted(((term, d) for term, d in found if d <= limit), key=lambda x: (x[1], x[0]))
