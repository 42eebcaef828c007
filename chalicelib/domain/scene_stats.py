"""Per-scene figures read back from the daily counters: report rows, report windows, and the
30-day rates the priors are fitted from. No I/O.

Observed rates in reports: ctr = clicks / impressions, cvr = orders / clicks, rounded half-even
to 4 decimals (0.0001 = 0.01 %), null when the denominator is 0. A cvr above 1 is possible and
kept: an order may come from a scene that logged no click (a shared link, an old tab).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date, timedelta

from chalicelib.domain.clock import DAY_MS, business_day
from chalicelib.domain.numbers import RATE_DECIMALS, ratio

DEFAULT_REPORT_DAYS = 7
MAX_REPORT_DAYS = 92
RATES_WINDOW_DAYS = 30
# Products listed for the rates job: active within the window plus slack, so a product's last
# pass (its counters leaving the window, its rows deleted) still comes when a night is missed.
RATES_LOOKBACK_DAYS = RATES_WINDOW_DAYS + 3
RATES_STATE_SLOT = "~rates"  # sorts after every "<YYYY-MM-DD>#<scene>" slot of a product
PRIORS_ENTITY = "priors"
REGISTRY_ENTITY = "rates_registry"
REGISTRY_SLOT = "partitions"


@dataclass
class Counts:
    impressions: int = 0
    clicks: int = 0
    orders: int = 0
    gmv_fen: int = 0
    store_visits: int = 0

    def add(self, other: Counts) -> None:
        for name in COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def empty(self) -> bool:
        return not any(getattr(self, name) for name in COUNT_FIELDS)


COUNT_FIELDS = tuple(f.name for f in fields(Counts))


def split_slot(slot: str) -> tuple[str, str]:
    day, _, scene = slot.partition("#")
    return day, scene


def rate(numerator: int, denominator: int) -> float | None:
    return ratio(numerator, denominator, RATE_DECIMALS)


def report_rows(rows: dict[tuple[str, str], Counts]) -> list[dict]:
    """One row per (day, scene) with any counter, by day then scene."""
    return [{"day": day, "scene": scene, "impressions": c.impressions, "clicks": c.clicks,
             "store_visits": c.store_visits, "orders": c.orders, "gmv_fen": c.gmv_fen,
             "ctr": rate(c.clicks, c.impressions), "cvr": rate(c.orders, c.clicks)}
            for (day, scene), c in sorted(rows.items()) if not c.empty]


class WindowError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def report_window(first: str | None, last: str | None, now_ms: int) -> tuple[str, str]:
    """from/to as business days: defaults to the last 7 ending today; at most 92 days."""
    today = date.fromisoformat(business_day(now_ms))
    end = _day(last, "to") if last else today
    start = _day(first, "from") if first else end - timedelta(days=DEFAULT_REPORT_DAYS - 1)
    if start > end:
        raise WindowError("from", "from must not be after to")
    if (end - start).days + 1 > MAX_REPORT_DAYS:
        raise WindowError("from", f"a report covers at most {MAX_REPORT_DAYS} days")
    return start.isoformat(), end.isoformat()


def _day(text: str, name: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as error:
        raise WindowError(name, f"{name} must be a date YYYY-MM-DD") from error


def rates_window(now_ms: int) -> tuple[str, str]:
    """The 30 business days ending today, as (first, last)."""
    return business_day(now_ms - (RATES_WINDOW_DAYS - 1) * DAY_MS), business_day(now_ms)


def window_sums(rows: list[tuple[str, Counts]], first: str, last: str) -> dict[str, Counts]:
    """Per-scene sums of the daily rows (slot, counts) within [first, last]."""
    sums: dict[str, Counts] = {}
    for slot, counts in rows:
        day, scene = split_slot(slot)
        if first <= day <= last and scene:
            sums.setdefault(scene, Counts()).add(counts)
    return {scene: counts for scene, counts in sums.items() if not counts.empty}


# --- the rates rows of one product -------------------------------------------------------------

RateTriple = tuple[int, int, int]  # impressions, clicks, orders over the window


def rate_triples(sums: dict[str, Counts]) -> dict[str, RateTriple]:
    triples = {scene: (c.impressions, c.clicks, c.orders) for scene, c in sums.items()}
    return {scene: t for scene, t in triples.items() if any(t)}


@dataclass(frozen=True)
class RatesState:
    """What the rates job last wrote for a product: its category and per-scene triples."""

    category: str | None
    triples: dict[str, RateTriple]

    def encode(self) -> str:
        return json.dumps({s: list(t) for s, t in sorted(self.triples.items())},
                          separators=(",", ":"))

    @staticmethod
    def decode(category: str | None, text: str | None) -> RatesState:
        raw = json.loads(text) if text else {}
        return RatesState(category, {s: tuple(int(n) for n in t) for s, t in raw.items()})

    def totals(self) -> RateTriple:
        return tuple(sum(t[i] for t in self.triples.values()) for i in range(3))

    def partitions(self) -> set[str]:
        return {partition(s, self.category) for s in self.triples} if self.category else set()


def partition(scene: str, category: str) -> str:
    return f"{scene}#{category}"


def rates_entity(partition_name: str) -> str:
    return f"rates#{partition_name}"


@dataclass(frozen=True)
class RatesChange:
    puts: dict[str, RateTriple]  # partition → the product's triple there
    deletes: list[str]  # partitions the product leaves

    @property
    def empty(self) -> bool:
        return not self.puts and not self.deletes


def rates_change(before: RatesState | None, after: RatesState) -> RatesChange:
    """The rows to write and delete to go from `before` to `after` (a changed category moves
    every row)."""
    old = {} if before is None or not before.category else {
        partition(s, before.category): t for s, t in before.triples.items()}
    new = {} if not after.category else {
        partition(s, after.category): t for s, t in after.triples.items()}
    puts = {p: t for p, t in new.items() if old.get(p) != t}
    return RatesChange(puts, sorted(set(old) - set(new)))
