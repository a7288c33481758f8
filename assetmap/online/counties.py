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

from assetmap.errors import ConfigError
from assetmap.online._county_table import County, all_counties, check_year, norm, split_state

__all__ = ["County", "CountyNotFound", "find_county", "county_by_fips"]

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


def _base(text: str) -> str:
    s = norm(text)
    for suffix in _SUFFIXES:
        if s.endswith(" " + suffix):
            return s[: -len(suffix) - 1]
    return s


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
    for c in all_counties():
        if c.fips == code:
            return c
    msg = (
        f"{fips!r} is not a US county FIPS code; give the five digits of state and county "
        "(e.g. 42011 for Berks County, PA) or use --county with the name"
    )
    raise ConfigError(msg)


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
        check_year(county, year)
        return county
    name, state = split_state(raw)
    pool = [c for c in all_counties() if state is None or c.state == state]
    full, base = norm(name), _base(name)
    exact = [c for c in pool if norm(c.name) == full]
    if not exact:
        # "Baltimore, MD" is both Baltimore County and Baltimore city: ask which.
        exact = [c for c in pool if _base(c.name) == base or norm(c.name) == base + " city"]
    if year is not None and len(exact) > 1:
        current = [c for c in exact if c.exists_in(year)]
        exact = current or exact
    if len(exact) == 1:
        check_year(exact[0], year)
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
