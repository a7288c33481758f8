"""US counties by name or FIPS code, from a small table shipped with assetmap.

The table (``us_counties.csv``, built by ``data/counties/build.py`` from the Census
Bureau's county list as shipped in the MIT-licensed ``pygris`` package) holds every
county and county equivalent of the 50 states, DC and Puerto Rico, with the vintages
each code exists in (Connecticut's planning regions replace its counties from 2022).

Names are matched without regard to case, accents, punctuation or the words "County",
"Parish", "Borough", "Census Area", "city and borough", "Municipio"; "St." and "Saint"
are the same. An unknown name gets the closest names as suggestions.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assetmap.errors import ConfigError

__all__ = ["County", "CountyNotFound", "find_county", "county_by_fips"]

_TABLE = Path(__file__).with_name("us_counties.csv")
_SUFFIXES = (
    "city and borough",
    "census area",
    "planning region",
    "municipality",
    "municipio",
    "borough",
    "county",
    "parish",
)


class CountyNotFound(ConfigError):
    """No county has that name (the message suggests the closest)."""


@dataclass(frozen=True)
class County:
    """A county or county equivalent.

    Attributes
    ----------
    fips : str
        Five-digit code: state (2) + county (3), e.g. ``"42011"``.
    name : str
        As the Census Bureau writes it ("Berks County").
    state : str
        Postal abbreviation ("PA").
    state_name : str
    first_year, last_year : int or None
        First and last vintage the code exists in (None: no limit known).
    """

    fips: str
    name: str
    state: str
    state_name: str
    first_year: int | None = None
    last_year: int | None = None

    @property
    def state_fips(self) -> str:
        """Two-digit state code."""
        return self.fips[:2]

    @property
    def county_fips(self) -> str:
        """Three-digit county code within the state."""
        return self.fips[2:]

    @property
    def label(self) -> str:
        """``"Berks County, PA"``."""
        return f"{self.name}, {self.state}"

    def exists_in(self, year: int) -> bool:
        """Whether the code is in the Census geography of ``year``."""
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


def _norm(text: str) -> str:
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    s = re.sub(r"\bsaint\b", "st", s)
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return " ".join(s.split())


def _base(text: str) -> str:
    s = _norm(text)
    for suffix in _SUFFIXES:
        if s.endswith(" " + suffix):
            return s[: -len(suffix) - 1]
    return s


@lru_cache(maxsize=1)
def _counties() -> tuple[County, ...]:
    with open(_TABLE, encoding="utf-8", newline="") as f:
        return tuple(
            County(
                fips=r["geoid"],
                name=r["name"],
                state=r["state"],
                state_name=r["state_name"],
                first_year=int(r["first_year"]) if r["first_year"] else None,
                last_year=int(r["last_year"]) if r["last_year"] else None,
            )
            for r in csv.DictReader(f)
        )


@lru_cache(maxsize=1)
def _states() -> dict[str, str]:
    """Map normalised state names and abbreviations to the postal abbreviation."""
    out: dict[str, str] = {}
    for c in _counties():
        out[_norm(c.state)] = c.state
        out[_norm(c.state_name)] = c.state
    out["washington dc"] = "DC"
    out["d c"] = "DC"
    return out


def county_by_fips(fips: str | int) -> County:
    """Return the county with this five-digit FIPS code.

    Examples
    --------
    >>> county_by_fips("42011").label
    'Berks County, PA'
    """
    code = str(fips).strip()
    if code.isdigit() and len(code) < 5:
        code = code.zfill(5)
    for c in _counties():
        if c.fips == code:
            return c
    msg = (
        f"{fips!r} is not a US county FIPS code; give the five digits of state and county "
        "(e.g. 42011 for Berks County, PA) or use --county with the name"
    )
    raise ConfigError(msg)


def _split_state(text: str) -> tuple[str, str | None]:
    """Split "Berks County, PA" / "Berks County Pennsylvania" into name and state."""
    states = _states()
    if "," in text:
        name, _, state = text.rpartition(",")
        st = states.get(_norm(state))
        if st is None:
            msg = f"{state.strip()!r} in {text!r} is not a US state name or abbreviation"
            raise ConfigError(msg)
        return name, st
    words = _norm(text).split()
    for n in (3, 2, 1):  # "district of columbia", "new york", "pa"
        if len(words) > n and " ".join(words[-n:]) in states:
            return " ".join(words[:-n]), states[" ".join(words[-n:])]
    return text, None


def find_county(text: str, *, year: int | None = None) -> County:
    """Find a county by name ("Berks County, PA"), or by FIPS code ("42011").

    Parameters
    ----------
    text : str
        The county's name with its state (abbreviation or full name, after a comma or
        not); the state may be left out when the name is unique in the country.
    year : int, optional
        The vintage to be fetched; a county that does not exist in it (a Connecticut
        county from 2022 on, …) is an error that names what replaced it.

    Returns
    -------
    County

    Raises
    ------
    ConfigError
        For an unknown name (with the closest names as suggestions), an ambiguous one
        (listing the candidates) or one absent from ``year``'s geography.

    Examples
    --------
    >>> find_county("Berks County, PA").fips
    '42011'
    >>> find_county("saint louis city, missouri").fips
    '29510'
    """
    raw = str(text).strip()
    if raw.isdigit():
        county = county_by_fips(raw)
        _check_year(county, year)
        return county
    name, state = _split_state(raw)
    pool = [c for c in _counties() if state is None or c.state == state]
    full, base = _norm(name), _base(name)
    exact = [c for c in pool if _norm(c.name) == full]
    if not exact:
        # "Baltimore, MD" is both Baltimore County and Baltimore city: ask which.
        exact = [c for c in pool if _base(c.name) == base or _norm(c.name) == base + " city"]
    if year is not None and len(exact) > 1:
        current = [c for c in exact if c.exists_in(year)]
        exact = current or exact
    if len(exact) == 1:
        _check_year(exact[0], year)
        return exact[0]
    if len(exact) > 1:
        options = "; ".join(f"{c.label} ({c.fips})" for c in exact[:8])
        msg = f"{raw!r} matches more than one county: {options}. Give the full name and state."
        raise ConfigError(msg)
    raise CountyNotFound(_suggest(raw, name, pool))


def _suggest(raw: str, name: str, pool: list[County]) -> str:
    from rapidfuzz import fuzz, process

    choices = {c.fips: _base(c.name) for c in pool}
    best = process.extract(_base(name), choices, scorer=fuzz.WRatio, limit=3)
    by_fips = {c.fips: c for c in pool}
    names = [f"{by_fips[fips].label} ({fips})" for _, score, fips in best if score >= 60]
    hint = f" Did you mean {' or '.join(names)}?" if names else ""
    return (
        f"No county called {raw!r}.{hint} Write it as the Census does, with its "
        'state (e.g. "Berks County, PA"), or give the five-digit FIPS code with --fips.'
    )


def _check_year(county: County, year: int | None) -> None:
    if year is None or county.exists_in(year):
        return
    if county.state == "CT" and county.last_year == 2021:
        regions = ", ".join(c.name for c in _counties() if c.state == "CT" and c.first_year == 2022)
        msg = (
            f"{county.label} is not in the {year} Census geography: from 2022 Connecticut's "
            f"counties were replaced by planning regions ({regions}). Choose a planning "
            "region, or use --year 2021 or earlier for the old counties."
        )
    elif county.last_year is not None and year > county.last_year:
        msg = (
            f"{county.label} ({county.fips}) is not in the {year} Census geography (its "
            f"last vintage is {county.last_year}); use --year {county.last_year} or the "
            "county that replaced it."
        )
    else:
        msg = (
            f"{county.label} ({county.fips}) is not in the {year} Census geography (it "
            f"starts in {county.first_year}); use --year {county.first_year} or later."
        )
    raise ConfigError(msg)
