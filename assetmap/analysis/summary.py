"""Numbers as shown to people: minutes that agree with the gap, the median nearest.

A neighbourhood whose nearest food service is 15.2 minutes away, against a 15-minute
threshold, has no food service within reach; shown as "15 min" it looks within reach.
:func:`minutes_shown` gives whole minutes, except where whole minutes would put the value
on the other side of the threshold than the one it was classified on ("beyond" is more
than the threshold, as access counts services *within* it): there one decimal is shown,
rounded away from the threshold (15.2 -> "15.2", 15.04 -> "15.1"). The map's popups and
the report's gap tables use it, so every shown number reads the way it was classified.

:func:`weighted_median` is the report's "median nearest": population-weighted over the
places residents are counted at (:func:`assetmap.analysis.coverage.median_nearest`),
defined under the table (:data:`MEDIAN_NEAREST`).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MEDIAN_NEAREST", "minutes_shown", "weighted_median"]

#: The definition printed under the table of domains.
MEDIAN_NEAREST = (
    "Median nearest: half of the residents live at most this travel time from the nearest "
    "service of the domain: the population-weighted median over the places residents are "
    "counted at (each population point, or each neighbourhood's one origin when no points "
    "are given), of each place's time to its nearest service weighted by the residents "
    "there. Residents the street network connects to no service count as farthest, so the "
    "median reads none in reach when more than half of them have none."
)


def minutes_shown(value: object, threshold: object = None) -> str | None:
    """Return travel minutes as text that sits on the same side of ``threshold`` as ``value``.

    Parameters
    ----------
    value : float
        Minutes (NaN, None or infinite: nothing in reach).
    threshold : float, optional
        The travel threshold the value was classified against (minutes); whole minutes
        always when omitted.

    Returns
    -------
    str or None
        Whole minutes (``"23"``, thousands with a comma), or one decimal near the
        threshold; None when there is no number to show.

    Examples
    --------
    >>> minutes_shown(15.2, 15), minutes_shown(14.8, 15), minutes_shown(15.04, 15)
    ('15.2', '15', '15.1')
    >>> minutes_shown(23.4, 15), minutes_shown(float("nan"), 15) is None
    ('23', True)
    """
    v = _number(value)
    if v is None or math.isinf(v):
        return None
    whole = round(v)
    t = _number(threshold)
    if t is None or not math.isfinite(t) or (whole > t) == (v > t):
        return f"{whole:,}"
    if v > t:  # beyond the threshold, but whole minutes would read as within it
        return f"{math.ceil(round(v * 10, 6)) / 10:,.1f}"
    return f"{math.floor(round(v * 10, 6)) / 10:,.1f}"  # within, but would read as beyond


def _number(value: object) -> float | None:
    if value is None:
        return None
    try:
        v = float(str(value))
    except ValueError:
        return None
    return None if math.isnan(v) else v


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """Return the population-weighted median: the least value reached by half the weight.

    The smallest ``v`` among ``values`` such that the weights of values at or below
    ``v`` add up to at least half of all the weight. NaN values (nothing in reach) count
    as the largest; when they hold more than half the weight the median is NaN. Values
    with zero weight (no residents) do not count.

    Parameters
    ----------
    values : numpy.ndarray
        Per place (population point, or unit), minutes to the nearest service (NaN: none
        in reach).
    weights : numpy.ndarray
        Per place, residents.

    Returns
    -------
    float
        The weighted median, NaN when there is no weight or more than half of it has no
        value.

    Examples
    --------
    >>> float(weighted_median(np.array([5.0, 10.0, 30.0]), np.array([100, 100, 300])))
    30.0
    >>> float(weighted_median(np.array([5.0, 10.0, np.nan]), np.array([300, 100, 100])))
    5.0
    """
    v = np.asarray(values, float)
    w = np.nan_to_num(np.asarray(weights, float), nan=0.0)
    keep = w > 0
    v, w = v[keep], w[keep]
    total = w.sum()
    if total <= 0:
        return float("nan")
    order = np.argsort(np.where(np.isnan(v), np.inf, v), kind="stable")
    cum = np.cumsum(w[order])
    at = int(np.searchsorted(cum, total / 2.0, side="left"))
    return float(v[order][at])
