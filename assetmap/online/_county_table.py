"""The shipped table of US counties, and the names and codes read against it.

Internal to :mod:`assetmap.online`: :mod:`~assetmap.online.counties` (which re-exports
:class:`County`), :mod:`~assetmap.online.places`, :mod:`~assetmap.online.geocode` and the
fetch share these. The table (``us_counties.csv``) is described in
:mod:`assetmap.online.counties`.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assetmap.errors import ConfigError

__all__ = ["County", "all_counties", "check_year", "norm", "split_state", "state_codes"]

TABLE = Path(__file__).with_name("us_counties.csv")


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


def norm(text: str) -> str:
    """Lower-case ASCII words of ``text``, "Saint" as "st" (how names are compared)."""
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    s = re.sub(r"\bsaint\b", "st", s)
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return " ".join(s.split())


@lru_cache(maxsize=1)
def all_counties() -> tuple[County, ...]:
    """Every county of the shipped table, read once."""
    with open(TABLE, encoding="utf-8", newline="") as f:
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
def state_codes() -> dict[str, str]:
    """Map normalised state names and abbreviations to the postal abbreviation."""
    out: dict[str, str] = {}
    for c in all_counties():
        out[norm(c.state)] = c.state
        out[norm(c.state_name)] = c.state
    out["washington dc"] = "DC"
    out["d c"] = "DC"
    return out


def split_state(text: str) -> tuple[str, str | None]:
    """Split "Berks County, PA" / "Berks County Pennsylvania" into name and state."""
    states = state_codes()
    if "," in text:
        name, _, state = text.rpartition(",")
        st = states.get(norm(state))
        if st is None:
            msg = f"{state.strip()!r} in {text!r} is not a US state name or abbreviation"
            raise ConfigError(msg)
        return name, st
    words = norm(text).split()
    for n in (3, 2, 1):  # "district of columbia", "new york", "pa"
        if len(words) > n and " ".join(words[-n:]) in states:
            return " ".join(words[:-n]), states[" ".join(words[-n:])]
    return text, None


def check_year(county: County, year: int | None) -> None:
    """Raise :class:`~assetmap.errors.ConfigError` when ``county`` is not in ``year``'s geography.

    The message names what replaced it (Connecticut's planning regions from 2022).
    """
    if year is None or county.exists_in(year):
        return
    if county.state == "CT" and county.last_year == 2021:
        new = [c for c in all_counties() if c.state == "CT" and c.first_year == 2022]
        regions = ", ".join(c.name for c in new)
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
