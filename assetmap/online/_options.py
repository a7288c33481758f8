"""How a study is fetched: the options carried down the fetch, from the call to each download.

Internal to :mod:`assetmap.online`; :class:`FetchOptions` is public as
:class:`assetmap.online.fetch.FetchOptions`. :func:`fetch_county`,
:func:`~assetmap.online.fetch.plan` and :func:`~assetmap.online.fetch.census_units` take
one (``options=``) and keyword overrides of its fields (:func:`options_from`), so a call
that names the options one by one works as it always did.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from assetmap.online.cache import Cache

__all__ = ["FetchOptions", "default_indicators", "options_from"]


@dataclass(frozen=True)
class FetchOptions:
    """What to fetch for a study, and how: every option of :func:`fetch_county` but where.

    Parameters
    ----------
    level : {"tract", "block-group"}
        The units: census tracts, or block groups.
    year : int
        ACS 5-year vintage (2023: 2019-2023), and the vintage of the boundaries.
    boundaries : {"cb", "tiger"}
        Cartographic boundary files (shoreline-clipped, the default) or TIGER/Line files.
    origins : bool
        For tracts, population-weighted origins (``origin_lon`` / ``origin_lat``) from
        their block groups.
    points : bool
        Population points: the 2020 Census population of every block (P1, through the
        Census API) at its TIGER/Line internal point, written as
        ``population_points.csv`` (block groups when the blocks are refused, said so).
    indicators : path, optional
        An ``indicators.yml`` whose variables are fetched; the level's shipped one when
        omitted (:func:`default_indicators`).
    osm : bool
        OpenStreetMap services for every domain (the region plus
        ``settings.osm_buffer_m``).
    networks : bool
        Walk and drive street networks, for ``travel: {mode: walk, graph: ...}``.
    hrsa : bool
        HRSA health center sites in the county or counties (primary care).
    hsds : str, optional
        URL of an Open Referral HSDS feed: a package (zip), a ``services.json``, or an
        HSDS 3 API (root or ``/services``), whose pages are all followed.
    place_only : bool
        With a place: study the place itself, cut out of its county (or counties), not
        the whole county.
    min_share : float
        With ``place_only``: the share of a unit's area inside the place to keep it, in
        (0, 1].
    offline : bool
        Use only the cache; a :class:`~assetmap.online.cache.MissingFromCache` names
        every missing entry at once.
    key : str, optional
        Census API key (else ``CENSUS_API_KEY`` or the key file); never shown or written
        (it is left out of the ``repr``).
    cache : Cache, optional
        The download cache; :class:`~assetmap.online.cache.Cache` at
        ``settings.cache_folder`` when omitted.
    progress : bool
        Progress bars on a terminal.

    Examples
    --------
    >>> options = FetchOptions(level="block-group", networks=False)
    >>> options.level, options.year, options.networks
    ('block-group', 2023, False)
    >>> options_from(options, {"year": 2022}).year
    2022
    """

    level: str = "tract"
    year: int = 2023
    boundaries: str = "cb"
    origins: bool = True
    points: bool = True
    indicators: str | Path | None = None
    osm: bool = True
    networks: bool = True
    hrsa: bool = False
    hsds: str | None = None
    place_only: bool = False
    min_share: float = 0.5
    offline: bool = False
    key: str | None = field(default=None, repr=False)
    cache: Cache | None = None
    progress: bool = False


def options_from(
    options: FetchOptions | None, overrides: dict[str, Any], *, caller: str = "fetch_county"
) -> FetchOptions:
    """Return ``options`` (the defaults when None) with the fields in ``overrides`` replaced.

    Raises :class:`TypeError`, as Python does for an unknown keyword argument, for a name
    that is no field of :class:`FetchOptions`.
    """
    known = {f.name for f in fields(FetchOptions)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        msg = f"{caller}() got an unexpected keyword argument {unknown[0]!r}"
        raise TypeError(msg)
    base = options if options is not None else FetchOptions()
    return replace(base, **overrides) if overrides else base


def default_indicators(indicators: str | Path | None, level: str) -> str | Path | None:
    """Return the indicators file to use: the given one, else the level's shipped one.

    Block groups get ``layers/indicators_block_group.yml`` (detailed tables only: the
    Census Bureau publishes no data-profile tables for block groups); tracts the
    shipped ``indicators.yml`` (``None``).

    Examples
    --------
    >>> default_indicators(None, "block-group").name
    'indicators_block_group.yml'
    >>> default_indicators(None, "tract") is None
    True
    """
    if indicators is None and level == "block-group":
        from assetmap._resources import layers_dir

        return layers_dir() / "indicators_block_group.yml"
    return indicators
