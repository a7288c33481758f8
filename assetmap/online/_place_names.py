"""Census place names: what a name answers to, and which place of a state it means.

Internal to :mod:`assetmap.online.places`. Names are compared without regard to case,
accents, punctuation or spaces; "St."/"Saint", "Mt."/"Mount" and "Ft."/"Fort" are the
same, and the Census words after a name ("city", "borough", "CDP", "(balance)" …) may be
left out (:func:`_aliases`). :func:`split_place` splits "Reading, PA" into the name and its
state, :func:`pick` chooses among the state's places (an incorporated place over a CDP,
then the more populous), and :func:`not_found` words the error naming close places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assetmap.errors import ConfigError
from assetmap.online._county_table import all_counties, norm, split_state

__all__ = ["NamedPlace", "display", "not_found", "pick", "split_place"]

# Legal/statistical area descriptions the Census writes after a place's name, longest
# first so "city and borough" goes before "borough" (Census TIGER/Line LSAD codes).
_LSAD = (
    "consolidated government",
    "metropolitan government",
    "unified government",
    "metro government",
    "city and borough",
    "municipality",
    "urban county",
    "zona urbana",
    "comunidad",
    "corporation",
    "borough",
    "village",
    "city",
    "town",
    "cdp",
)
# Census designated places (and Puerto Rico's statistical ones) are not incorporated.
_UNINCORPORATED = ("cdp", "comunidad", "zona urbana")
_ABBREVIATIONS = ((r"\bmt\b", "mount"), (r"\bft\b", "fort"))


def _key_norm(text: str) -> str:
    s = norm(text)
    for pattern, word in _ABBREVIATIONS:
        s = re.sub(pattern, word, s)
    return s


def _strip_lsad(name: str) -> str:
    for suffix in _LSAD:
        if name.endswith(" " + suffix):
            return name[: -len(suffix) - 1]
    return name


def _aliases(name: str) -> tuple[set[str], bool]:
    """Normalised names a place answers to (without spaces), and whether it is incorporated.

    ``name`` is the Census name without the state ("Reading city").
    """
    balance = "(balance)" in name.lower()
    plain = re.sub(r"(?i)\(balance\)", " ", name)
    inner = re.findall(r"\(([^)]*)\)", plain)  # "San Buenaventura (Ventura) city"
    outer = re.sub(r"\([^)]*\)", " ", plain)
    full = _key_norm(outer)
    base = _strip_lsad(full)
    out = {_key_norm(name), full, base, *(_key_norm(x) for x in inner)}
    if balance:  # "Nashville-Davidson metropolitan government (balance)" is Nashville
        out.add(_strip_lsad(_key_norm(re.split(r"[-/]", outer)[0])))
    incorporated = not any(full.endswith(" " + s) for s in _UNINCORPORATED)
    return {a.replace(" ", "") for a in out if a}, incorporated


@dataclass(frozen=True)
class NamedPlace:
    name: str  # with the state
    code: str
    population: int

    @property
    def short(self) -> str:
        return re.split(r"[,;]", self.name)[0].strip()


def display(name: str) -> str:
    """One line, "," between levels: the 2023 ACS writes "Reading city; Pennsylvania"."""
    return ", ".join(" ".join(part.split()) for part in name.split(";"))


def split_place(text: str) -> tuple[str, str, str, str]:
    """Name, state postal code, state FIPS and state name of "Reading, PA" (or "4263624")."""
    if re.fullmatch(r"\d{7}", text):
        first = next((c for c in all_counties() if c.state_fips == text[:2]), None)
        if first is None:
            msg = f"{text!r}: no US state has the FIPS code {text[:2]}"
            raise ConfigError(msg)
        return "", first.state, first.state_fips, first.state_name
    name, postal = split_state(text)
    if postal is None or not norm(name):
        msg = (
            f'{text!r}: give the place with its state, as "Reading, PA" or "Kansas City, Missouri"'
        )
        raise ConfigError(msg)
    first = next(c for c in all_counties() if c.state == postal)
    return name, postal, first.state_fips, first.state_name


def pick(name: str, places: list[NamedPlace]) -> tuple[NamedPlace, str] | None:
    """Return the place ``name`` means and a note when several share it (None: no place)."""
    full = _key_norm(name)
    wanted = [full.replace(" ", ""), _strip_lsad(full).replace(" ", "")]
    index = [(p, *_aliases(p.short)) for p in places]
    for w in dict.fromkeys(wanted):
        exact = [(p, inc) for p, names, inc in index if _key_norm(p.short).replace(" ", "") == w]
        hits = exact or [(p, inc) for p, names, inc in index if w in names]
        if not hits:
            continue
        ranked = sorted(hits, key=lambda h: (not h[1], -h[0].population, h[0].code))
        chosen = ranked[0][0]
        note = ""
        if len(ranked) > 1:
            others = ", ".join(p.short for p, _ in ranked[1:4])
            why = (
                "the incorporated place"
                if ranked[0][1] and not ranked[1][1]
                else "the most populous"
            )
            note = f"The Census also has {others} by that name; chose {chosen.short}, {why}."
        return chosen, note
    return None


def not_found(text: str, name: str, state_name: str, places: list[NamedPlace]) -> str:
    from rapidfuzz import fuzz, process

    choices = {i: _strip_lsad(_key_norm(p.short)) for i, p in enumerate(places)}
    best = process.extract(_strip_lsad(_key_norm(name)), choices, scorer=fuzz.WRatio, limit=3)
    names = [places[i].short for _, score, i in best if score >= 60]
    hint = f" Did you mean {' or '.join(names)}?" if names else ""
    advice = ' Write the city, town or CDP with its state, as "Reading, PA".'
    try:
        from assetmap.online.counties import find_county

        c = find_county(text)
        advice = f' {c.label} is a county: use --county "{c.label}".'
    except ConfigError:
        pass
    return (
        f"No place called {text!r} among the {len(places):,} Census places of {state_name}."
        f"{hint}{advice}"
    )
