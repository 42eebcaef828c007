"""How numbers leave the API: one precision per kind of figure (docs/openapi.md, "Numbers in
answers"). No I/O.

Counts (orders, units, buyers, impressions, clicks, members, nights, …) and money (fen) are
integers. Everything else is a float rounded half-even (Python's `round`) to its kind's places:

- rates, shares, weights, multipliers (0–1 or near it): 4 decimals, 0.0001 = 0.01 %;
- rates inside a score's explanation (a metric's value and smoothed rate, an improvement's rate,
  target and change): 6 decimals, since the bands reach 0.05 % (seller-fault disputes) and at 4
  decimals a needed change of 0.004 % would read as none;
- scores and their points, 0–5: 3 decimals, what the gates compare (docs/scores.md);
- average stars: 2 decimals;
- percentages: 1 decimal (the Chuanliu increment, which rounds halves away from zero from exact
  ratios: domain/chuanliu.py);
- weighted counts (a creator's recency-weighted counters): 2 decimals.

Values are rounded where an answer is built, never where they are computed or stored, so a
score's plan or a rate's comparison uses the exact figures.
"""

from __future__ import annotations

RATE_DECIMALS = 4
SCORE_RATE_DECIMALS = 6
SCORE_DECIMALS = 3
STAR_DECIMALS = 2
PERCENT_DECIMALS = 1
WEIGHTED_COUNT_DECIMALS = 2


def rounded(value: float | None, decimals: int) -> float | None:
    """`value` to `decimals` places as a float (None stays None). −0.0 becomes 0.0: a change
    too small to show is no change, not a negative one."""
    if value is None:
        return None
    return round(float(value), decimals) + 0.0


def ratio(numerator: float, denominator: float, decimals: int = RATE_DECIMALS) -> float | None:
    """numerator ÷ denominator rounded to `decimals`; None when the denominator is 0."""
    return rounded(numerator / denominator, decimals) if denominator else None


def whole(value: float) -> int:
    """A count or an amount read back as a float or Decimal (a sum of floats, a DynamoDB
    number), as the integer it is."""
    return round(value)


def count_or_weighted(value: float) -> int | float:
    """A counter that is whole for shops and products but recency-weighted for creators:
    `WEIGHTED_COUNT_DECIMALS` places, as an integer when that is whole."""
    kept = rounded(value, WEIGHTED_COUNT_DECIMALS)
    return int(kept) if kept.is_integer() else kept
