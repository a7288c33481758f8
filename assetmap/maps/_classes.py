"""Classes of a choropleth: mapclassify bins, colour-blind-safe colours, words for each.

The map shows need as a few classes rather than a continuous ramp, so a legend can say
in words what each colour means. Classes come from :mod:`mapclassify`; colours are
ColorBrewer sequential palettes (Brewer & Harrower, colorbrewer2.org), which are
readable with the common forms of colour blindness and in greyscale print.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["CLASSIFIERS", "MISSING_COLOUR", "PALETTES", "Classes", "classify_values"]


def _hex(colours: str) -> tuple[str, ...]:
    """``"ffffcc ffeda0"`` → ``("#ffffcc", "#ffeda0")``: a palette written on one line."""
    return tuple(f"#{c}" for c in colours.split())


#: Sequential palettes of 9 colours, light (low) to dark (high); k classes take k evenly
#: spaced colours. The ColorBrewer ones (Brewer & Harrower, colorbrewer2.org) and viridis /
#: cividis (Nuñez et al. 2018, reversed so that darker means more) stay readable with the
#: common forms of colour blindness and in greyscale print.
PALETTES: dict[str, tuple[str, ...]] = {
    "YlOrRd": _hex("ffffcc ffeda0 fed976 feb24c fd8d3c fc4e2a e31a1c bd0026 800026"),
    "YlGnBu": _hex("ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 253494 081d58"),
    "Blues": _hex("f7fbff deebf7 c6dbef 9ecae1 6baed6 4292c6 2171b5 08519c 08306b"),
    "Greens": _hex("f7fcf5 e5f5e0 c7e9c0 a1d99b 74c476 41ab5d 238b45 006d2c 00441b"),
    "Purples": _hex("fcfbfd efedf5 dadaeb bcbddc 9e9ac8 807dba 6a51a3 54278f 3f007d"),
    "Oranges": _hex("fff5eb fee6ce fdd0a2 fdae6b fd8d3c f16913 d94801 a63603 7f2704"),
    "viridis": _hex("fde725 addc30 5ec962 28ae80 21918c 2c728e 3b528b 472d7b 440154"),
    "cividis": _hex("fee838 dec958 bcae6c 9b9476 7d7c78 61656f 434e6c 1a386f 00224e"),
}

#: Fill of units with no value (no residents, no data, or a suppressed count).
MISSING_COLOUR = "#a6a6a6"

#: Accepted ``classify`` names and the mapclassify classifier each uses. "naturalbreaks"
#: uses the exact Fisher-Jenks optimisation, so the same data always give the same map.
CLASSIFIERS: dict[str, str] = {
    "quantiles": "Quantiles",
    "naturalbreaks": "FisherJenks",
    "natural_breaks": "FisherJenks",
    "fisherjenks": "FisherJenks",
}

_FIVE_WORDS = ("lowest", "low", "middle", "high", "highest")


@dataclass(frozen=True, eq=False)
class Classes:
    """Choropleth classes of one column.

    Attributes
    ----------
    method : str
        ``"quantiles"`` or ``"naturalbreaks"``.
    yb : pandas.Series
        Class of each row (0 = lowest), ``-1`` where the value is missing; on the input index.
    bins : tuple of float
        Upper bound of each class, as mapclassify gives them.
    low : float
        Smallest value (lower bound of the first class).
    colours : tuple of str
        Hex colour of each class.
    words : tuple of str
        What each class is, in words ("lowest 20%", …, "highest 20%").
    """

    method: str
    yb: pd.Series
    bins: tuple[float, ...]
    low: float
    colours: tuple[str, ...]
    words: tuple[str, ...] = field(default=())

    @property
    def k(self) -> int:
        """Number of classes actually formed (may be fewer than asked for)."""
        return len(self.bins)

    def colour_of(self, cls: int) -> str:
        """Return the fill of class ``cls`` (:data:`MISSING_COLOUR` for ``-1``)."""
        return self.colours[cls] if 0 <= cls < len(self.colours) else MISSING_COLOUR

    def ranges(self, scale: float = 1.0, digits: int = 0) -> list[tuple[str, str]]:
        """Return each class's (lower, upper) bound as text, multiplied by ``scale``."""
        if not self.bins:  # no value to class (an indicator empty in every unit)
            return []
        lows = (self.low, *self.bins[:-1])
        return [
            (f"{lo * scale:,.{digits}f}", f"{hi * scale:,.{digits}f}")
            for lo, hi in zip(lows, self.bins, strict=True)
        ]


def palette(name: str, k: int) -> tuple[str, ...]:
    """Return ``k`` evenly spaced colours of a 9-class palette, light to dark.

    Raises
    ------
    ValueError
        If ``name`` is not a key of :data:`PALETTES`.

    Examples
    --------
    >>> palette("YlOrRd", 3)
    ('#ffffcc', '#fd8d3c', '#800026')
    """
    if name not in PALETTES:
        msg = f"palette={name!r} is not known; use one of: {', '.join(PALETTES)}"
        raise ValueError(msg)
    full = PALETTES[name]
    if k <= 1:
        return (full[len(full) // 2],)
    return tuple(full[round(i * (len(full) - 1) / (k - 1))] for i in range(k))


def classify_values(
    values: pd.Series,
    *,
    method: str = "quantiles",
    k: int = 5,
    palette_name: str = "YlOrRd",
) -> Classes:
    """Put values into ``k`` classes with mapclassify and give each a colour and words.

    Parameters
    ----------
    values : pandas.Series
        Numbers; missing values get class ``-1``.
    method : {"quantiles", "naturalbreaks"}, default "quantiles"
        Quantiles put the same number of units in each class; natural breaks (Jenks,
        computed exactly with Fisher-Jenks) put breaks where the data have gaps.
    k : int, default 5
        Classes asked for, 2 to 9. Fewer are formed when there are fewer distinct values.
    palette_name : str, default "YlOrRd"
        A key of :data:`PALETTES`.

    Returns
    -------
    Classes

    Examples
    --------
    >>> c = classify_values(pd.Series([0.0, 0.25, 0.5, 0.75, 1.0, None]), k=5)
    >>> c.yb.tolist(), c.words[0], c.words[-1]
    ([0, 1, 2, 3, 4, -1], 'lowest 20%', 'highest 20%')
    """
    key = method.lower().replace("-", "").replace(" ", "")
    if key not in CLASSIFIERS:
        msg = f"classify={method!r} is not known; use one of: quantiles, naturalbreaks"
        raise ValueError(msg)
    if not 2 <= k <= 9:
        msg = f"k={k} classes cannot be drawn; choose between 2 and 9"
        raise ValueError(msg)
    palette(palette_name, k)  # refuse an unknown palette before any work
    method = "quantiles" if key == "quantiles" else "naturalbreaks"
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    valid = numbers.dropna()
    yb = pd.Series(-1, index=values.index, dtype=int)
    if valid.empty:
        return Classes(method, yb, (), float("nan"), ())
    k_eff = min(k, int(valid.nunique()))
    if k_eff < 2:
        bins: tuple[float, ...] = (float(valid.max()),)
        yb.loc[valid.index] = 0
    else:
        import mapclassify

        cls = getattr(mapclassify, CLASSIFIERS[key])
        with warnings.catch_warnings():
            # mapclassify warns when ties leave fewer distinct bins; we report k below.
            warnings.simplefilter("ignore", UserWarning)
            result = cls(valid.to_numpy(), k=k_eff)
        bins = tuple(float(b) for b in np.asarray(result.bins))
        yb.loc[valid.index] = np.asarray(result.yb, dtype=int)
    colours = palette(palette_name, len(bins))
    return Classes(method, yb, bins, float(valid.min()), colours, _words(method, len(bins)))


def _words(method: str, k: int) -> tuple[str, ...]:
    if method == "quantiles":
        share = 100 / k
        words = [f"{round(i * share)}–{round((i + 1) * share)}%" for i in range(k)]
        words[0] = f"lowest {round(share)}%"
        if k > 1:
            words[-1] = f"highest {round(share)}%"
        return tuple(words)
    if k == len(_FIVE_WORDS):
        return _FIVE_WORDS
    words = [f"class {i + 1} of {k}" for i in range(k)]
    words[0] = "lowest"
    if k > 1:
        words[-1] = "highest"
    return tuple(words)
