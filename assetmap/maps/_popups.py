"""What each popup of the map says, described once: its heading and its labelled fields.

A popup is a heading and a table of labelled values, then paragraphs. Each kind of popup
(a service, a neighbourhood, the hospital, one of its spaces or job sites, a cell of one of
its area layers, a suggested new site) is one :class:`Popup` in :data:`POPUPS`: the field
of its heading and, in order, its fields: label, key and format. To change what a popup
says, change it here: the values are written into the map's spec with these formats by
:meth:`Popup.values`, and the descriptions themselves travel in the spec
(:func:`popups_spec`), where one function of the map's script (``web/popups.js``) draws
every popup from them.

No HTML is built here. Every value is escaped text (see :func:`assetmap.maps._html.text`),
or a list of such texts; the script only wraps them in its own fixed markup.

Formats written by :meth:`Popup.values` from a record's cell:

``text``, ``bdi``
    the escaped text (``bdi`` is drawn isolated, for names in any direction);
``int``
    a count with thousands separators;
``date``
    an ISO date (a midnight time is dropped);
``yesno``
    "yes" or "no";
``sources``
    sources separated by "; ";
``link``
    ``[address]`` for a safe http(s) address (drawn as a link), else the escaped text;
``tel``
    ``[digits, text]`` for a callable number (drawn as a ``tel:`` link), else the text;
``flag``
    the field's ``when`` words when the cell is true, else nothing.

Any other format (``words``, ``names``, ``hosts``, ``pair``, ``section`` and paragraphs
``p-<class>``) takes a value the caller already escaped and shaped for the script.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from assetmap.maps._html import fmt_int, is_missing, safe_url, tel_href, text
from assetmap.maps._panels import need_scale
from assetmap.maps._reliability import ranked_values

__all__ = [
    "POPUPS",
    "address_zip",
    "area_spec",
    "Field",
    "Popup",
    "date_words",
    "names_value",
    "popups_spec",
    "sources_words",
    "yes_no",
]


@dataclass(frozen=True)
class Field:
    """One labelled value of a popup.

    Attributes
    ----------
    label : str
        Our own words before the value ("" for a paragraph or a ``pair``).
    key : str
        Name of the value in the spec.
    fmt : str
        How the value is written and drawn (see the module's docstring).
    column : str or tuple of str
        Column(s) of the record read, first not missing; default ``key``.
    empty : str
        Words shown when the value is missing ("" leaves the field out).
    when : str
        For ``fmt="flag"``: the words shown when the cell is true.
    """

    label: str
    key: str
    fmt: str = "text"
    column: str | tuple[str, ...] = ()
    empty: str = ""
    when: str = ""

    def cell(self, record: Mapping[str, Any]) -> object:
        """Return the record's cell for this field (first of its columns not missing)."""
        columns = self.column if isinstance(self.column, tuple) else (self.column,)
        for name in [c for c in columns if c] or [self.key]:
            value = record.get(name)
            if not is_missing(value):
                return value
        return None


@dataclass(frozen=True)
class Popup:
    """A kind of popup: the field of its heading, then its fields in order.

    Attributes
    ----------
    title : Field
        The heading's value (drawn isolated).
    fields : tuple of Field
        Rows, then paragraphs, in the order drawn.
    untitled : str
        Heading when the title is missing.
    given : tuple of str
        Keys the map's script fills in itself (not written per row).
    """

    title: Field
    fields: tuple[Field, ...]
    untitled: str = ""
    given: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """Keys of the values written per row, in order: the title's, then the fields'."""
        return (self.title.key, *(f.key for f in self.fields if f.key not in self.given))

    def values(self, record: Mapping[str, Any]) -> list[Any]:
        """Return the escaped values of one record, in the order of :attr:`keys`.

        Examples
        --------
        >>> POPUPS["site"].values({"name": "<b>Main</b>", "beds": 320.0})
        ['&lt;b&gt;Main&lt;/b&gt;', '320']
        """
        fields = [self.title, *(f for f in self.fields if f.key not in self.given)]
        return [_write(f, f.cell(record)) for f in fields]

    def spec(self, **words: str) -> dict[str, Any]:
        """Return the description the script reads; ``{travel}`` and such in labels filled."""
        return {
            "title": self.title.key,
            "untitled": self.untitled,
            "keys": list(self.keys),
            "fields": [[f.label.format(**words), f.key, f.fmt, f.empty] for f in self.fields],
        }


def date_words(value: object) -> str:
    """Return a date as ISO text, a midnight time dropped; ``""`` when missing.

    Examples
    --------
    >>> date_words("2024-05-01 00:00:00")
    '2024-05-01'
    """
    if is_missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if not pd.isna(value) else ""
    s = str(value)
    hit = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T]00:00:00", s)
    return text(hit.group(1) if hit else s)


def sources_words(value: object) -> str:
    """Return sources separated by ``"; "`` (blank parts dropped), escaped."""
    if is_missing(value):
        return ""
    return text("; ".join(s.strip() for s in str(value).split(";") if s.strip()))


def yes_no(value: object) -> str:
    """Return "yes" or "no" for a true or false cell, other text escaped, ``""`` if missing."""
    if is_missing(value):
        return ""
    word = str(value).strip().lower()
    if word in ("true", "yes", "y", "1", "1.0"):
        return "yes"
    if word in ("false", "no", "n", "0", "0.0"):
        return "no"
    return text(value)


def _flag(value: object) -> bool:
    return not is_missing(value) and str(value).strip().lower() in ("true", "1", "1.0", "yes")


def _link(value: object) -> str | list[str]:
    url = safe_url(value)
    return [text(url, limit=2000)] if url else text(value)


def _tel(value: object) -> str | list[str]:
    digits = tel_href(value)
    return [digits, text(value)] if digits else text(value)


def _write(field: Field, value: object) -> Any:
    """Write one cell in its field's format (already-shaped values pass through)."""
    fmt = field.fmt
    if fmt in ("text", "bdi"):
        return text(value)
    if fmt == "int":
        return fmt_int(value, unknown="")
    if fmt == "flag":
        return field.when if _flag(value) else ""
    writers = {
        "date": date_words,
        "yesno": yes_no,
        "sources": sources_words,
        "link": _link,
        "tel": _tel,
    }
    if fmt in writers:
        return writers[fmt](value)
    return "" if value is None else value


def _name(key: str = "name", column: str | tuple[str, ...] = ()) -> Field:
    return Field("", key, "bdi", column=column)


#: Every kind of popup of the map, by the name the layers give in the spec.
POPUPS: dict[str, Popup] = {
    "service": Popup(
        _name(),
        (
            Field("Organisation", "org"),
            Field("Service", "service"),
            Field("Address", "address"),
            Field("Phone", "phone", "tel"),
            Field("Hours", "hours"),
            Field("Website", "website", "link"),
            Field("Capacity", "capacity", "int"),
            Field("Source", "source", "sources"),
            Field("Last verified", "verified", "date", "last_verified", empty="not recorded"),
            Field("Note", "note", "flag", "outside_region", when="outside the study area"),
        ),
        untitled="(no name)",
        given=("service",),
    ),
    "neighbourhood": Popup(
        _name(),
        (
            Field("Residents", "pop"),
            Field("Need", "need"),
            Field("", "shading", "pair"),
            Field("", "restsOn", "p-rests-on"),
            Field("Nearest service ({travel})", "near", "section"),
            Field("", "notes", "p-notes"),
            Field("Download this area's data (CSV)", "download", "download"),
        ),
        given=("name", "pop", "need", "shading", "restsOn", "near", "notes", "download"),
    ),
    "area": Popup(
        _name(),
        (Field("", "value", "pair"), Field("Residents", "pop"), Field("Need", "need")),
        given=("name", "value", "pop", "need"),
    ),
    "site": Popup(_name(), (Field("Beds", "beds", "int"),)),
    "space": Popup(
        _name(),
        (
            Field("Type", "space_type"),
            Field("Capacity", "capacity", "int"),
            Field("Accessible", "accessible", "yesno"),
            Field("Availability", "availability"),
            Field("Suitable for", "suitable", "words"),
            Field("Could host:", "could_host", "hosts"),
        ),
    ),
    "jobs": Popup(
        _name("site", ("site", "name")),
        (
            Field("Open positions", "open_positions", "int"),
            Field("By job family", "by_job_family"),
        ),
    ),
    "newSite": Popup(
        Field("", "title", "words"),
        (
            Field("Where", "name", "bdi"),
            Field("Kind", "kind", "words"),
            Field("Neighbourhoods reached", "reached", "names"),
            Field("Unserved residents reached", "share", "words"),
            Field("", "sentence", "p-site-words"),
            Field("", "synthetic", "p-synthetic-note"),
        ),
    ),
}


def popups_spec(*, travel: str = "walk") -> dict[str, dict[str, Any]]:
    """Return every popup's description for the spec, labels naming the travel mode.

    Examples
    --------
    >>> popups_spec()["neighbourhood"]["fields"][4][0]
    'Nearest service (walk)'
    """
    return {kind: popup.spec(travel=travel) for kind, popup in POPUPS.items()}


def names_value(names: Sequence[Any], limit: int) -> Any:
    """Return ``[names shown, how many more]`` for a ``names`` field, ``""`` when none."""
    if not names:
        return ""
    return [list(names[:limit]), max(len(names) - limit, 0)]


#: A ZIP code at the end of an address ("…, Bronx, NY 10456" or "10456-1234").
_ZIP = re.compile(r"(?<![\d-])(\d{5})(?:-\d{4})?(?!\d)")

#: Why a unit is a gap for a domain, in words ({t}: threshold minutes, {m}: travel mode).
_REASONS = {
    "none_within": "no service within {t} min {m}",
    "some_beyond": "part of the residents beyond {t} min {m}",
    "unreachable": "no service reachable on the street network",
    "low_supply": "too little supply per resident",
}


def _css_key(key: str) -> str:
    # as assetmap.maps._layers.css_key names the service layers (which imports this module)
    return re.sub(r"[^a-z0-9_-]", "", str(key).lower()) or "other"


def address_zip(address: object) -> str:
    """Return the ZIP code of an address (its last five-digit number after a comma), or "".

    Examples
    --------
    >>> address_zip("1060 Mosholu Pkwy, Bronx, NY 10458"), address_zip("10458 Main St")
    ('10458', '')
    """
    if is_missing(address) or "," not in str(address):
        return ""
    found = _ZIP.findall(str(address).split(",", 1)[1])
    return found[-1] if found else ""


def _unit_zips(units: Any, assets: Any) -> list[str]:
    """Per unit, the ZIP codes of the addresses of the services inside it ("10456 10457")."""
    out: list[set[str]] = [set() for _ in range(len(units))]
    if assets is None or assets.empty or "address" not in assets.columns:
        return ["" for _ in out]
    zips = assets["address"].map(address_zip)
    points = assets[(zips != "") & assets.geometry.notna()].assign(_zip=zips)
    if not points.empty:
        cells = units[["geometry"]].reset_index(drop=True).assign(_pos=range(len(units)))
        hits = points[["_zip", "geometry"]].sjoin(cells, predicate="within", how="inner")
        for pos, zip_code in zip(hits["_pos"], hits["_zip"], strict=True):
            out[int(pos)].add(str(zip_code))
    return [" ".join(sorted(z)) for z in out]


def _moe_words(units: Any, columns: Sequence[str], indicators: Any) -> dict[str, list[str]]:
    """Margins of error in the words of each indicator column's values ("" when none)."""
    out: dict[str, list[str]] = {}
    for column in columns:
        if f"{column}_moe" not in units.columns:
            continue
        shown = ranked_values(units, column, indicators).notna().to_numpy()
        scale = need_scale(column, indicators)
        moe = units[f"{column}_moe"].to_numpy()
        words = [
            text(scale.value_words(m)) if s and not is_missing(m) else ""
            for s, m in zip(shown, moe, strict=True)
        ]
        if any(words):
            out[column] = words
    return out


def _gap_rows(
    gaps: Any, unit_ids: Sequence[str], domain_order: Sequence[str], travel: str
) -> list[list[Any]]:
    """Return ``[unit position, domain position, reason in words, residents beyond]`` per gap."""
    if gaps is None or gaps.empty:
        return []
    where = {uid: i for i, uid in enumerate(unit_ids)}
    order = {key: i for i, key in enumerate(domain_order)}
    rows = []
    for g in gaps.to_dict("records"):
        pos, dom = where.get(str(g.get("unit_id"))), order.get(str(g.get("domain")))
        if pos is None or dom is None:
            continue
        t = g.get("threshold_min")
        minutes = f"{float(str(t)):g}" if not is_missing(t) else "?"
        reason = str(g.get("reason") or "")
        words = _REASONS.get(reason, reason).format(t=minutes, m=travel)
        beyond = g.get("population_beyond", g.get("population"))
        rows.append([pos, dom, text(words), "" if is_missing(beyond) else round(float(beyond))])
    return rows


def area_spec(
    atlas: Any,
    units: Any,
    assets: Any,
    unit_ids: Sequence[str],
    domain_order: Sequence[str],
    columns: Sequence[str],
    travel: str = "walk",
) -> dict[str, Any]:
    """Return what search and a unit's data download need beyond the popups.

    ``ids`` (each unit's id), ``zips`` (per unit, the ZIP codes of the services inside
    it), ``moe`` (per indicator column, each unit's margin of error in words), ``gaps``
    (``[unit, domain position in domainLabels, reason, residents beyond]``) and
    ``aliases`` (per domain key of the service layers, the words people use for it).
    Every text is escaped.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> units = gpd.GeoDataFrame({"name": ["A"]}, geometry=[box(0, 0, 1, 1)], index=["u1"])
    >>> assets = gpd.GeoDataFrame({"address": ["1 Main St, NY 10456"]}, geometry=[Point(.5, .5)])
    >>> from types import SimpleNamespace
    >>> atlas = SimpleNamespace(domains={}, gaps=None, indicators=None)
    >>> spec = area_spec(atlas, units, assets, ["u1"], [], [])
    >>> spec["ids"], spec["zips"]
    (['u1'], ['10456'])
    """
    return {
        "ids": [text(uid) for uid in unit_ids],
        "zips": _unit_zips(units, assets),
        "moe": _moe_words(units, columns, atlas.indicators),
        "gaps": _gap_rows(atlas.gaps, unit_ids, domain_order, travel),
        "aliases": {
            _css_key(key): [text(a) for a in getattr(dom, "aliases", ())]
            for key, dom in atlas.domains.items()
            if getattr(dom, "aliases", ())
        },
    }
