"""How the report writes numbers: thousands separators, percentages, ordinals, minutes.

Internal to :mod:`assetmap.report`; shared by the facts of every part of the report.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fmt_int", "fmt_min", "fmt_pct", "fmt_value", "ordinal"]


def fmt_int(x: float | int | None) -> str:
    """Return a whole number with thousands separators, or "—" when missing."""
    return "—" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:,.0f}"


def fmt_pct(x: float | None) -> str:
    """Return a percentage with one decimal, or "—" when missing."""
    return "—" if x is None or not np.isfinite(x) else f"{x:.1f}%"


def fmt_value(x: float | None, unit: str) -> str:
    """Return an indicator value: a percentage for ``unit == "percent"``, else 3 digits."""
    if unit == "percent":
        return fmt_pct(x)
    return "—" if x is None or not np.isfinite(x) else f"{x:,.3g}"


def ordinal(n: float) -> str:
    """Return "1st", "2nd", "92nd", "11th" for a percentile.

    Examples
    --------
    >>> [ordinal(x) for x in (1, 2, 3, 11, 22, 92, 100)]
    ['1st', '2nd', '3rd', '11th', '22nd', '92nd', '100th']
    """
    k = int(round(n))
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def fmt_min(x: float | None) -> str:
    """Return minutes of travel, or "none in reach" when nothing is in reach."""
    return "none in reach" if x is None or not np.isfinite(x) else f"{x:.0f} min"
