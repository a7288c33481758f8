"""Cities, towns and other Census places ("Reading, PA"), and the counties they lie in.

A study is fetched county by county (:func:`assetmap.online.fetch.fetch_county`), but people name
the city or town they serve. :func:`find_place` finds a place by its name and state, and
the county that holds most of its residents, with two requests to the Census Data API
(ACS 5-year, the same endpoint, key, retries and cache as :mod:`assetmap.online.census`):

1. the places of the state, with their population:
   ``?get=NAME,B01003_001E&for=place:*&in=state:42`` (cached per state and vintage);
2. the parts of the place in each county (summary level 155, "state › place › county (or
   part)"): ``?get=NAME,B01003_001E&for=county%20(or%20part):*&in=state:42%20place:63624``.

Names are matched without regard to case, accents, punctuation or spaces ("Winston
Salem" is "Winston-Salem"); "St." and "Saint", "Mt." and "Mount", "Ft." and "Fort" are
the same, and the Census Bureau's legal/statistical area words after the name ("city",
"town", "borough", "village", "CDP", "municipality", "(balance)" …) may be left out.
When two places share a name in one state, an incorporated place wins over a census
designated place (CDP), then the more populous; :attr:`PlaceMatch.note` says so. A name
that matches nothing is an error naming up to three close places; a guess is never
fetched in its stead. A seven-digit Census place code ("4263624") is found as it is.

A study of the place itself (``assetmap fetch --place "Reading, PA" --place-only``) keeps
the units of its county (or of all its counties, :attr:`PlaceMatch.counties`) that lie
mostly inside the place's outline (:func:`clip_to_place`, with the outline from
:func:`assetmap.online.tiger.fetch_place`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd

from assetmap.errors import ConfigError, FetchError
from assetmap.online import census
from assetmap.online._place_api import (
    FIELDS,
    PART,
    POPULATION,
    answer_rows,
    api_query,
    fetch_answer,
    head_count,
    offline_message,
)
from assetmap.online._place_names import NamedPlace, display, not_found, pick, split_place
from assetmap.online.cache import Cache, CacheKey, MissingFromCache
from assetmap.online.counties import County, county_by_fips

__all__ = [
    "CountyPart",
    "PlaceClip",
    "PlaceMatch",
    "PlaceNotFound",
    "clip_to_place",
    "find_place",
    "place_keys",
]

log = logging.getLogger(__name__)


class PlaceNotFound(ConfigError):
    """No place of that name in the state (the message names the closest ones)."""


@dataclass(frozen=True)
class CountyPart:
    """The part of a place inside one county.

    Attributes
    ----------
    county : County
    population : int
        Residents of the part (ACS 5-year estimate ``B01003_001E``).
    """

    county: County
    population: int


@dataclass(frozen=True)
class PlaceMatch:
    """A Census place and the counties it lies in.

    Attributes
    ----------
    query : str
        The text asked for ("Reading, PA").
    state_fips : str
        Two digits ("42").
    place_fips : str
        Five digits, within the state ("63624").
    name : str
        As the Census writes it ("Reading city, Pennsylvania").
    parts : tuple of CountyPart
        The counties the place lies in with its residents in each, most populous first.
    year : int
        The ACS 5-year vintage the lookup used.
    note : str
        How a name shared by several places was settled ("" when it was not).
    keys : tuple of CacheKey
        The cache entries the lookup used (for provenance).
    """

    query: str
    state_fips: str
    place_fips: str
    name: str
    parts: tuple[CountyPart, ...]
    year: int
    note: str = ""
    keys: tuple[CacheKey, ...] = field(default=(), compare=False)

    @property
    def geoid(self) -> str:
        """Seven digits: state + place ("4263624")."""
        return self.state_fips + self.place_fips

    @property
    def county(self) -> County:
        """The county holding the largest share of the place's residents."""
        return self.parts[0].county

    @property
    def counties(self) -> tuple[County, ...]:
        """Every county the place lies in, most residents first."""
        return tuple(p.county for p in self.parts)

    @property
    def population(self) -> int:
        """Residents of the whole place (the sum of its parts)."""
        return sum(p.population for p in self.parts)

    @property
    def short_name(self) -> str:
        """The name without its state ("Reading city")."""
        return re.split(r"[,;]", self.name)[0].strip()

    @property
    def title(self) -> str:
        """``"Reading city, Pennsylvania (Berks County, PA)"``."""
        return f"{self.name} ({self.county.label})"

    def share(self, part: CountyPart) -> float:
        """Fraction of the place's residents living in ``part`` (0 when none are counted)."""
        total = self.population
        return part.population / total if total > 0 else 0.0

    def describe(self) -> str:
        """Where the place lies, in one clause.

        Examples
        --------
        >>> berks = county_by_fips("42011")
        >>> m = PlaceMatch("Reading, PA", "42", "63624", "Reading city, Pennsylvania",
        ...                (CountyPart(berks, 94903),), 2023)
        >>> m.describe()
        'Reading city lies in Berks County, PA (100% of its residents)'
        """
        if self.population <= 0:
            where = " and ".join(p.county.label for p in self.parts)
            return f"{self.short_name} lies in {where} (no residents counted)"
        shares = [_percent(self.share(p)) for p in self.parts]
        first = f"{self.parts[0].county.label} ({shares[0]} of its residents)"
        rest = [f"{p.county.label} ({s})" for p, s in zip(self.parts[1:], shares[1:], strict=True)]
        listed = [first, *rest]
        text = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
        return f"{self.short_name} lies in {text}"

    def left_out(self) -> str:
        """Say what is left out when only the main county of a place is fetched.

        For a place in several counties: its other parts, and how to study all of it
        ("" for a place in one county).

        Examples
        --------
        >>> north, lehigh = county_by_fips("42095"), county_by_fips("42077")
        >>> m = PlaceMatch("Bethlehem, PA", "42", "06088", "Bethlehem city, Pennsylvania",
        ...                (CountyPart(north, 55800), CountyPart(lehigh, 20200)), 2023)
        >>> m.left_out()  # doctest: +NORMALIZE_WHITESPACE
        'Its part in Lehigh County, PA (27% of its residents) is left out: --place-only
        would study Bethlehem city across its 2 counties, or repeat --county to fetch all
        of them (--fips 42095 --fips 42077).'
        """
        if len(self.parts) < 2:
            return ""
        others = [f"{p.county.label} ({_percent(self.share(p))}" for p in self.parts[1:]]
        others[0] += " of its residents"
        listed = [f"{o})" for o in others]
        text = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
        word, verb = ("part", "is") if len(listed) == 1 else ("parts", "are")
        codes = " ".join(f"--fips {c.fips}" for c in self.counties)
        return (
            f"Its {word} in {text} {verb} left out: --place-only would study "
            f"{self.short_name} across its {len(self.parts)} counties, or repeat --county "
            f"to fetch all of them ({codes})."
        )


@dataclass(frozen=True)
class PlaceClip:
    """How a county's units were cut down to a place (:func:`clip_to_place`).

    Attributes
    ----------
    place : str
        Seven-digit Census place code ("4263624").
    name : str
        The place as its boundary file names it ("Reading city").
    min_share : float
        Units with at least this share of their area inside the place were kept.
    kept : tuple of str
        Unit ids kept, in the units' order.
    total : int
        Units of the county.
    largest : str
        The unit holding the largest part of the place (always kept).
    largest_share : float
        Share of that unit's area inside the place.
    coverage : float
        Share of the place's area in the county (or counties) that lies in the kept units.
    largest_name : str
        The name of the unit holding the largest part ("Census Tract 9503").
    counties : int
        Counties the units were cut out of (a place may lie in several).
    """

    place: str
    name: str
    min_share: float
    kept: tuple[str, ...]
    total: int
    largest: str
    largest_share: float
    coverage: float
    largest_name: str = ""
    counties: int = 1

    @property
    def forced(self) -> bool:
        """Whether the unit holding most of the place was kept below ``min_share``."""
        return self.largest_share < self.min_share

    def summary(self, units: str, county: str) -> str:
        """One sentence: what was kept and why.

        Parameters
        ----------
        units : str
            The units' word, plural ("tracts", "block groups").
        county : str
            The county's label ("Nantucket County, MA"), or the counties' labels
            ("Nantucket County, MA and Dukes County, MA").

        Examples
        --------
        >>> clip = PlaceClip("2543755", "Nantucket CDP", 0.5, ("a", "b"), 5, "a", 1.0, 0.93)
        >>> clip.summary("tracts", "Nantucket County, MA")  # doctest: +NORMALIZE_WHITESPACE
        'Kept 2 of the 5 tracts of Nantucket County, MA: those with at least 50% of their
        area inside Nantucket CDP (together they hold 93% of its area in the county).'
        """
        rule = f"at least {_percent(self.min_share)} of their area inside {self.name}"
        head = f"Kept {len(self.kept)} of the {self.total} {units} of {county}"
        area_in = "the county" if self.counties < 2 else f"the {self.counties} counties"
        held = f"{_percent(self.coverage)} of its area in {area_in}"
        if not self.forced:
            return f"{head}: those with {rule} (together they hold {held})."
        one = units[:-1] if units.endswith("s") else units
        unit = self.largest_name or f"{one} {self.largest}"
        inside = f"{_percent(self.largest_share)} of the {one} lies inside"
        if len(self.kept) == 1:
            return (
                f"{head}: none has {rule.replace('their', 'its')}, so only {unit}, which "
                f"holds most of it, is kept ({inside}; it holds {_percent(self.coverage)} of "
                f"{self.name}'s area in {area_in})."
            )
        return (
            f"{head}: those with {rule}, and {unit}, which holds most of it ({inside}); "
            f"together they hold {held}."
        )


def clip_to_place(
    units: gpd.GeoDataFrame, place: gpd.GeoDataFrame, *, min_share: float = 0.5
) -> tuple[gpd.GeoDataFrame, PlaceClip]:
    """Keep the units lying mostly inside a place.

    A unit is kept when at least ``min_share`` of its area lies inside the place's
    outline; the unit holding the largest part of the place is always kept, so the study
    is never empty. Areas are measured in the units' UTM zone. Census units do not nest in
    places: the outline of a cartographic boundary file is the land (clipped to the
    shoreline), a TIGER/Line outline reaches into water, as the units' do.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        The county's units, indexed by ``unit_id``.
    place : geopandas.GeoDataFrame
        The place's outline with its ``name`` (:func:`assetmap.online.tiger.read_place`).
    min_share : float
        Share of a unit's area inside the place to keep it, in (0, 1].

    Returns
    -------
    tuple
        The kept units with a ``place_share`` column (share of each unit's area inside
        the place, 4 decimals), and a :class:`PlaceClip` saying what was kept.

    Raises
    ------
    ConfigError
        When ``min_share`` is not in (0, 1].
    FetchError
        When the place and the units do not overlap at all.

    Examples
    --------
    >>> import pandas as pd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"name": ["west", "east"]}, geometry=[box(0, 0, 0.01, 0.01),
    ...     box(0.01, 0, 0.02, 0.01)], index=pd.Index(["w", "e"], name="unit_id"), crs=4326)
    >>> town = gpd.GeoDataFrame({"name": ["Town"]}, geometry=[box(0, 0, 0.014, 0.01)], crs=4326)
    >>> kept, clip = clip_to_place(units, town)
    >>> list(kept.index), kept["place_share"].tolist()
    (['w'], [1.0])
    """
    share_min = float(min_share)
    if not 0 < share_min <= 1:
        msg = (
            f"min_share is the share of a unit's area inside the place, in (0, 1], not {min_share}"
        )
        raise ConfigError(msg)
    name = str(place["name"].iloc[0]) if "name" in place and len(place) else "the place"
    code = str(place.index[0]) if len(place) else ""
    crs = units.estimate_utm_crs()
    geoms = units.geometry.to_crs(crs)
    outline = place.to_crs(crs).union_all()
    inside = geoms.intersection(outline).area
    area = geoms.area
    share = (inside / area.where(area > 0)).fillna(0.0).clip(0.0, 1.0).round(4)
    if not (inside > 0).any():
        msg = f"{name} ({code}) does not overlap any of the {len(units)} units; check the place"
        raise FetchError(msg)
    largest = str(inside.idxmax())
    keep = (share >= share_min) | (units.index == largest)
    total_inside = float(inside.sum())
    kept = units[keep].copy()
    kept.insert(len(kept.columns) - 1, "place_share", share[keep])
    clip = PlaceClip(
        place=code,
        name=name,
        min_share=share_min,
        kept=tuple(str(i) for i in kept.index),
        total=len(units),
        largest=largest,
        largest_share=float(share[largest]),
        coverage=round(float(inside[keep].sum()) / total_inside, 4),
        largest_name=str(units.loc[largest, "name"]) if "name" in units else "",
    )
    return kept, clip


def _percent(share: float) -> str:
    if 0 < share < 0.005:
        return "<1%"
    if 0.995 <= share < 1:
        return ">99%"
    return f"{share:.0%}"


def place_keys(state_fips: str, place_fips: str | None = None, *, year: int) -> list[CacheKey]:
    """Cache entries of a place lookup: the state's places, and the place's county parts.

    Examples
    --------
    >>> [k.geography for k in place_keys("42", "63624", year=2023)]
    ['42', '4263624']
    """
    keys = [CacheKey("census", str(int(year)), state_fips, f"acs5 places {FIELDS}", "json")]
    if place_fips is not None:
        query = f"acs5 {PART} of place {FIELDS}"
        keys.append(CacheKey("census", str(int(year)), state_fips + place_fips, query, "json"))
    return keys


def find_place(
    text: str,
    *,
    year: int = 2023,
    key: str | None = None,
    cache: Cache | None = None,
    offline: bool = False,
    progress: bool = False,
) -> PlaceMatch:
    """Find a city, town or other Census place by name and state, and its counties.

    Parameters
    ----------
    text : str
        The place with its state: "Reading, PA", "Kansas City, Missouri", "saint marys pa".
        The Census words after a name ("city", "borough", "CDP" …) may be left out. Or
        the seven-digit Census place code ("4263624").
    year : int
        ACS 5-year vintage whose place list and populations to use.
    key : str, optional
        Census API key; ``CENSUS_API_KEY`` or the key file when omitted (only needed when
        an answer is not cached yet). Never printed, logged or cached.
    cache : Cache, optional
    offline : bool
        Use only the cache; raise :class:`~assetmap.online.cache.MissingFromCache` naming what
        is missing.
    progress : bool
        Progress bars (on a terminal).

    Returns
    -------
    PlaceMatch
        ``.county`` is the county holding most of the place's residents.

    Raises
    ------
    PlaceNotFound
        When no place of the state has that name (the closest are suggested).
    ConfigError
        No state in ``text``, no or a rejected API key, a vintage the API lacks.
    FetchError
        When the API could not be reached after the retries.

    Examples
    --------
    >>> m = find_place("Reading, PA", year=2023)  # doctest: +SKIP
    >>> m.name, m.geoid, m.county.fips  # doctest: +SKIP
    ('Reading city, Pennsylvania', '4263624', '42011')
    """
    raw = " ".join(str(text).split())
    name, _, state_fips, state_name = split_place(raw)
    if int(year) < census.FIRST_YEAR:
        msg = (
            f"ACS 5-year estimates start with the {census.FIRST_YEAR} vintage; {year} is too early."
        )
        raise ConfigError(msg)
    c = cache or Cache()
    api_key = ""

    def answer(k: CacheKey, query: str, geo: Sequence[str], what: str) -> bytes:
        nonlocal api_key
        if c.get(k) is None:
            if offline:
                raise MissingFromCache(offline_message(raw, k, what, year, c.root), [k])
            api_key = api_key or census.census_key(key)
        return fetch_answer(
            k,
            query,
            geo=geo,
            what=what,
            year=int(year),
            api_key=api_key,
            cache=c,
            progress=progress,
        )

    list_key = place_keys(state_fips, year=year)[0]
    what = f"the places of {state_name}"
    data = answer(list_key, api_query("place:*", f"state:{state_fips}"), ("state", "place"), what)
    places = [
        NamedPlace(display(r["NAME"]), r["place"], head_count(r[POPULATION]))
        for r in answer_rows(data, ("state", "place"))
    ]
    if name:
        picked = pick(name, places)
    else:  # a place code
        same = [p for p in places if state_fips + p.code == raw]
        if not same:
            msg = (
                f"No Census place {raw} among the {len(places):,} places of {state_name} "
                f'(ACS {year}); give its name with its state, as "Reading, PA".'
            )
            raise PlaceNotFound(msg)
        picked = (same[0], "")
    if picked is None:
        raise PlaceNotFound(not_found(raw, name, state_name, places))
    place, note = picked
    part_key = place_keys(state_fips, place.code, year=year)[1]
    what = f"the counties of {place.name}"
    query = api_query(f"{PART}:*", f"state:{state_fips} place:{place.code}")
    geo = ("state", "place", PART)
    found = answer_rows(answer(part_key, query, geo, what), geo)
    if not found:
        msg = f"The Census API lists no county for {place.name} in {year}; use --county."
        raise FetchError(msg)
    parts = sorted(
        (
            CountyPart(county_by_fips(r["state"] + r[PART]), head_count(r[POPULATION]))
            for r in found
        ),
        key=lambda p: (-p.population, p.county.fips),
    )
    match = PlaceMatch(
        raw, state_fips, place.code, place.name, tuple(parts), int(year), note, (list_key, part_key)
    )
    log.info("%s is %s (place %s): %s", raw, place.name, match.geoid, match.describe())
    return match
