"""Which counties a study fetches: named, by FIPS code, or found from a city or town.

Internal to :mod:`assetmap.online.fetch`, which re-exports :class:`Resolved`,
:func:`resolve` and :func:`resolve_county`. A county name that matches no county but has
a state ("Reading, PA") is looked up as a place (:func:`~assetmap.online.places.find_place`),
and the county holding most of its residents is chosen; several counties are each found
by name or code, each once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assetmap.errors import AssetmapError, ConfigError, OfflineError
from assetmap.online import _study
from assetmap.online._county_table import check_year, split_state
from assetmap.online._units import as_counties
from assetmap.online.cache import Cache
from assetmap.online.counties import County, CountyNotFound, county_by_fips, find_county
from assetmap.online.places import PlaceMatch, PlaceNotFound, find_place

__all__ = ["Resolved", "resolve", "resolve_county"]


@dataclass(frozen=True)
class Resolved:
    """The county (or counties) to fetch, and the place they were found from.

    Attributes
    ----------
    county : County
        The county, or the first of several (a place's: the one holding most residents).
    place : PlaceMatch or None
        Set when a city or town was named instead of a county.
    message : str
        One line saying how a place led to the counties, or that a county named twice
        is fetched once ("" for counties named directly).
    counties : tuple of County
        Every county to fetch, each once, ``county`` first.
    """

    county: County
    place: PlaceMatch | None = None
    message: str = ""
    counties: tuple[County, ...] = ()

    def __post_init__(self) -> None:
        if not self.counties:
            object.__setattr__(self, "counties", (self.county,))


def _place_message(place: PlaceMatch, *, as_county: bool, place_only: bool = False) -> str:
    head = f"{place.query} is a place, not a county" if as_county else place.query
    if place_only and len(place.parts) > 1:
        text = (
            f"{head}: {place.describe()}; studying {place.short_name} alone, cut out of "
            f"the {len(place.parts)} counties it lies in, all fetched: "
            f"{_study.region_label(place.counties)}."
        )
    elif place_only:
        text = (
            f"{head}: {place.describe()}; studying {place.short_name} alone, cut out of "
            f"{place.county.label}."
        )
    else:
        text = f"{head}: {place.describe()}; fetching all of {place.county.label}."
        if place.left_out():
            text += " " + place.left_out()
    return f"{text} {place.note}" if place.note else text


def _names(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _several(names: list[str], codes: list[str], year: int | None) -> Resolved:
    """Find several counties by name and code: each once, every unknown one named.

    Names come first, then codes (the command line keeps no order between the two).
    """
    found: list[County] = []
    errors: list[AssetmapError] = []
    for name in names:
        try:
            found.append(find_county(name, year=year))
        except AssetmapError as exc:
            errors.append(exc)
    for code in codes:
        try:
            found.append(county_by_fips(code))
            check_year(found[-1], year)
        except AssetmapError as exc:
            errors.append(exc)
    total = len(names) + len(codes)
    if errors:
        head = f"Of the {total} counties named, {len(errors)} could not be used: "
        if len(errors) == 1:
            head = f"Of the {total} counties named, one could not be used: "
        msg = head + " ".join(str(e) for e in errors)
        if all(isinstance(e, CountyNotFound) for e in errors):
            raise CountyNotFound(msg)
        raise ConfigError(msg)
    unique = as_counties(found)
    twice = [c for c in unique if sum(f.fips == c.fips for f in found) > 1]
    message = ""
    if twice:
        listed = _study.join_words([f"{c.label} ({c.fips})" for c in twice])
        verb = "was" if len(twice) == 1 else "were"
        message = f"{listed} {verb} named more than once; each county is fetched once."
    return Resolved(unique[0], None, message, tuple(unique))


def resolve(
    county: str | Sequence[str] | None = None,
    *,
    fips: str | Sequence[str] | None = None,
    place: str | PlaceMatch | None = None,
    year: int | None = None,
    key: str | None = None,
    cache: Cache | None = None,
    offline: bool = False,
    progress: bool = False,
    place_only: bool = False,
) -> Resolved:
    """Find the counties to fetch from county names, FIPS codes, or a city or town.

    A county name that matches no county but has a state ("Reading, PA") is looked up as
    a place too, through the Census API (:func:`~assetmap.online.places.find_place`),
    and the county holding most of its residents is chosen; ``message`` says so. Several
    counties (names and codes together) are each found by name or code only; a county
    named twice is fetched once, and ``message`` says so.

    Parameters
    ----------
    county : str or list of str, optional
        "Berks County, PA" (or a FIPS code), or several.
    fips : str or list of str, optional
        "42011", or several.
    place : str or PlaceMatch, optional
        A city, town or CDP with its state: "Reading, PA", "Kansas City, Missouri".
    year : int, optional
        The vintage to fetch (the counties must exist in it; a place is looked up in it,
        2023 when omitted).
    key, cache, offline, progress
        For a place lookup, as in :func:`~assetmap.online.fetch.fetch_county`.
    place_only : bool
        The study will be cut down to the place: all the counties it lies in are
        fetched (``counties``; ``message`` names them); an error when a county is named.

    Returns
    -------
    Resolved

    Examples
    --------
    >>> resolve(fips="42011").county.label
    'Berks County, PA'
    >>> [c.label for c in resolve(fips=["42011", "42071"]).counties]
    ['Berks County, PA', 'Lancaster County, PA']
    """
    names, codes = _names(county), _names(fips)
    if (place is None) == (not names and not codes):
        msg = (
            'name the counties or the place, not both: --county "Berks County, PA" or '
            '--fips 42011 (each may be repeated), or --place "Reading, PA"'
        )
        raise ConfigError(msg)
    if len(names) + len(codes) > 1:
        found = _several(names, codes, year)
        if place_only:
            raise ConfigError(_not_a_place(found.county))
        return found
    if codes:
        c = county_by_fips(codes[0])
        check_year(c, year)
        if place_only:
            raise ConfigError(_not_a_place(c))
        return Resolved(c)
    opts: dict[str, Any] = {"key": key, "cache": cache, "offline": offline, "progress": progress}
    vintage = int(year) if year is not None else 2023
    if place is not None:
        match = place if isinstance(place, PlaceMatch) else find_place(place, year=vintage, **opts)
        return _resolved_place(match, year, as_county=False, place_only=place_only)
    text = names[0]
    try:
        found_county = find_county(text, year=year)
    except CountyNotFound as exc:
        if split_state(text)[1] is None:  # no state: it cannot be looked up as a place
            raise
        not_county = str(exc)
    else:
        if place_only:
            raise ConfigError(_not_a_place(found_county))
        return Resolved(found_county)
    try:
        match = find_place(text, year=vintage, **opts)
    except PlaceNotFound as exc:
        msg = f"{not_county} {exc}"
        raise CountyNotFound(msg) from None
    except OfflineError:
        msg = (
            f"{not_county} Offline, it could not be looked up as a city or town either "
            "(the Census list of the state's places is not in the cache)."
        )
        raise CountyNotFound(msg) from None
    except AssetmapError as exc:
        msg = f"{not_county} It could not be looked up as a city or town either: {exc}"
        raise CountyNotFound(msg) from None
    return _resolved_place(match, year, as_county=True, place_only=place_only)


def _resolved_place(
    match: PlaceMatch, year: int | None, *, as_county: bool, place_only: bool
) -> Resolved:
    """Resolve to a place's main county; with ``place_only``, every county it lies in."""
    counties = match.counties if place_only else (match.county,)
    for c in counties:
        check_year(c, year)
    text = _place_message(match, as_county=as_county, place_only=place_only)
    return Resolved(match.county, match, text, counties)


def _not_a_place(county: County) -> str:
    return (
        f"--place-only cuts a study down to a city or town, and {county.label} is a county: "
        'name the place with --place "Reading, PA", or leave out --place-only.'
    )


def resolve_county(
    county: str | Sequence[str] | None = None,
    *,
    fips: str | Sequence[str] | None = None,
    place: str | PlaceMatch | None = None,
    year: int | None = None,
    key: str | None = None,
    cache: Cache | None = None,
    offline: bool = False,
) -> County:
    """Return the county named by ``county`` ("Berks County, PA"), ``fips`` or ``place``.

    See :func:`resolve`, which also says how a place led to the county, and gives every
    county when several are named.

    Examples
    --------
    >>> resolve_county("Nantucket County, MA").fips
    '25019'
    """
    found = resolve(
        county, fips=fips, place=place, year=year, key=key, cache=cache, offline=offline
    )
    return found.county
