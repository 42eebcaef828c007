"""How a score is shown. Apart from the formulas so that pages showing a score (the product
page) do not load them."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

NULL_DISPLAY = "暂无分"


def format_score(total: float | None) -> str:
    """One decimal, rounded DOWN: a shop never sees more than it earned (4.99 → "4.9"), so a
    shown 4.5 always passes a 4.5 gate. None → "暂无分"."""
    if total is None:
        return NULL_DISPLAY
    # via the shortest decimal repr, so 4.3 (stored as 4.29999…) stays 4.3
    return str(Decimal(repr(float(total))).quantize(Decimal("0.1"), rounding=ROUND_FLOOR))
