"""The map's "Suggested new sites" layer: where one more service would reach the most.

One star per suggested site (see :mod:`assetmap.analysis.siting`), in the domain's colour with the
order of choice inside, off when the map opens (it lives in the Findings group). The
popup (``newSite`` of :mod:`assetmap.maps._popups`) says in plain words how many residents
a new service there would bring within reach, and which neighbourhoods. Every text from
data is escaped here with :func:`assetmap.maps._html.text`; the star is this module's own
drawing, its colour a hex colour checked by :func:`assetmap.maps._html.colour` and its
number an integer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from assetmap.maps._findings import domain_key
from assetmap.maps._geometry import DECIMALS
from assetmap.maps._html import colour, fmt_int, ink_for, is_missing, text
from assetmap.maps._popups import POPUPS, names_value

if TYPE_CHECKING:
    import geopandas as gpd

    from assetmap.domains import Domain

__all__ = ["LAYER_NAME", "sites_spec", "star_html"]

#: Name of the layer in the layer control.
LAYER_NAME = "Suggested new sites"

#: Most reached neighbourhoods named in a popup.
MAX_NAMES = 6

_STAR = "M12 1.2 14.9 8.6 22.8 9.1 16.7 14.1 18.7 21.8 12 17.5 5.3 21.8 7.3 14.1 1.2 9.1 9.1 8.6z"

#: Each kind of site in words.
KIND_WORDS = {
    "neighbourhood": "a new place in the neighbourhood",
    "space": "a space the hospital can share",
    "partner": "co-located with a partner of another service",
}


def star_html(fill: str, rank: int | None = None, *, size: int = 24) -> str:
    """Return the marker of a suggested site: a star in ``fill`` with its rank inside.

    Parameters
    ----------
    fill : str
        Hex colour (anything else gives grey).
    rank : int, optional
        Order of choice, drawn inside the star.
    size : int, default 24
        Width and height in CSS pixels.

    Examples
    --------
    >>> star_html("#E69F00", 1).count("<svg")
    1
    >>> "url(" in star_html("red;background:url(javascript:alert(1))")
    False
    """
    fill = colour(fill)
    number = ""
    if rank is not None:
        number = (
            f'<text x="12" y="16.2" text-anchor="middle" font-size="8.5" font-weight="700" '
            f'font-family="Arial,sans-serif" fill="{ink_for(fill)}">{int(rank)}</text>'
        )
    return (
        f'<span class="am-star" aria-hidden="true"><svg viewBox="0 0 24 24" width="{int(size)}" '
        f'height="{int(size)}" focusable="false"><path d="{_STAR}" fill="{fill}" '
        'stroke="#222222" stroke-width="1.4" stroke-linejoin="round"/>'
        f"{number}</svg></span>"
    )


def _names(ids: object, unit_names: Mapping[str, str]) -> Any:
    keys = [k for k in str(ids or "").split(";") if k]
    return names_value([unit_names.get(k) or text(k) for k in keys], MAX_NAMES)


def _share_words(share: object, rank: int | None) -> str:
    if is_missing(share):
        return ""
    before = f" and the {rank - 1} chosen before it" if rank and rank > 1 else ""
    return f"{round(100 * float(str(share)))}% with this site{before}"


def sites_spec(
    sites: gpd.GeoDataFrame | None,
    domains: Mapping[str, Domain],
    *,
    unit_names: Mapping[str, str],
    travel_word: str = "walk",
    synthetic: bool = False,
) -> dict[str, Any] | None:
    """Describe the suggested-sites layer (see :func:`assetmap.analysis.siting.suggest_sites`).

    Parameters
    ----------
    sites : geopandas.GeoDataFrame or None
        The Atlas's ``sites``, in EPSG:4326.
    domains : mapping of str to Domain
        For labels and colours.
    unit_names : mapping of str to str
        Escaped unit names by unit id, to name the neighbourhoods each site reaches.
    travel_word : str, default "walk"
        "walk" or "drive".
    synthetic : bool, default False
        Say the sites come from synthetic data.

    Returns
    -------
    dict or None
        ``name``, ``show`` (False: off at start), ``symbol`` (a grey star for the layer
        control), ``popup`` (its kind), ``rows``: ``[lon, lat, popup values, tooltip,
        marker]`` per site, and ``keys``: each site's domain key (as the service layers
        name it); None when there is no site. Sites flagged
        ``below_min_reach`` (too few residents to be a finding) are left out.
    """
    if sites is not None and "below_min_reach" in sites.columns:
        sites = sites[~sites["below_min_reach"].astype(bool)]
    if sites is None or sites.empty or "domain" not in sites.columns:
        return None
    rows = []
    keys = []
    records = sites.drop(columns=sites.geometry.name).to_dict("records")
    for row, geom in zip(records, sites.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        key = str(row.get("domain"))
        dom = domains.get(key)
        label = text(dom.label if dom is not None else key)
        fill = colour(getattr(dom, "colour", None))
        rank = int(row["rank"]) if not is_missing(row.get("rank")) else None
        residents = fmt_int(row.get("new_residents"))
        high = fmt_int(row.get("new_high_need_residents"))
        high = "none" if high == "0" else high
        minutes = f"{float(row.get('threshold_min') or 0):g}"
        share = row.get("share_of_gap_residents")
        sentence = (
            f"A new {label.lower()} site here would bring {residents} residents ({high} in "
            f"high-need neighbourhoods) within a {minutes}-minute {text(travel_word)}. None "
            f"of them has a {label.lower()} service that near today."
        )
        title = f"New {label.lower()} site" + (f", choice {rank}" if rank else "")
        record = {
            "title": title,
            "name": row.get("name"),
            "kind": KIND_WORDS.get(str(row.get("kind")), text(row.get("kind"))),
            "reached": _names(row.get("reached_ids"), unit_names),
            "share": _share_words(share, rank),
            "sentence": sentence,
            "synthetic": "Synthetic data, for demonstration." if synthetic else "",
        }
        tip = (
            f"<bdi>{text(row.get('name'), limit=80)}</bdi><br>New {label.lower()} site"
            f"{f' {rank}' if rank else ''}: {residents} residents in reach"
        )
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        rows.append(
            [
                round(point.x, DECIMALS),
                round(point.y, DECIMALS),
                POPUPS["newSite"].values(record),
                tip,
                star_html(fill, rank),
            ]
        )
        keys.append(domain_key(key, domains))
    if not rows:
        return None
    return {
        "name": LAYER_NAME,
        "popup": "newSite",
        "show": False,
        "symbol": star_html("#777777", size=18),
        "rows": rows,
        "keys": keys,
    }
