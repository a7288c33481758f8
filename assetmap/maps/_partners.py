"""The map's "Partners who could close a gap" layer (off at start).

One marker per partner site of :attr:`assetmap.Atlas.partners` (a provider just beyond
reach, an organisation that could host the missing service, a community or hospital
space): a diamond, a shape no other layer uses, dark teal with a white edge. Its tooltip
names the site and how many gaps it could help close; its popup lists them with the
reason of each. Every text from data is escaped here with :func:`assetmap.maps._html.text`;
the diamond is this module's own drawing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from assetmap.maps._findings import domain_key
from assetmap.maps._geometry import DECIMALS
from assetmap.maps._html import fmt_int, text

if TYPE_CHECKING:
    from assetmap.domains import Domain

__all__ = ["LAYER_NAME", "diamond_html", "partners_spec"]

#: Name of the layer in the layer control.
LAYER_NAME = "Partners who could close a gap"

#: Reasons listed in a popup (the rest is counted).
MAX_REASONS = 6

FILL = "#00695c"


def diamond_html(size: int = 18) -> str:
    """Return the marker of a partner site: a dark teal diamond with a white edge.

    Examples
    --------
    >>> diamond_html().count("<svg")
    1
    """
    return (
        f'<span class="am-diamond" aria-hidden="true"><svg viewBox="0 0 20 20" width="{int(size)}" '
        f'height="{int(size)}" focusable="false"><path d="M10 1 19 10 10 19 1 10z" '
        f'fill="{FILL}" stroke="#ffffff" stroke-width="2" stroke-linejoin="round"/></svg></span>'
    )


def _label(domains: Mapping[str, Domain], key: object) -> str:
    dom = domains.get(str(key))
    return dom.label if dom is not None else str(key)


def _popup(site: pd.DataFrame, domains: Mapping[str, Domain], synthetic: bool) -> str:
    first = site.iloc[0]
    gaps = site.drop_duplicates(["unit_id", "domain"])
    items = "".join(f"<li>{text(r)}</li>" for r in gaps["reason"].head(MAX_REASONS))
    more = len(gaps) - MAX_REASONS
    tail = f"<p>And {more} more in partners.csv.</p>" if more > 0 else ""
    note = (
        '<p class="am-synthetic-note">Synthetic data, for demonstration.</p>' if synthetic else ""
    )
    words = ", ".join(
        f"{text(u)} ({text(_label(domains, d))})"
        for u, d in zip(gaps["unit_name"], gaps["domain"], strict=True)
    )
    return (
        f'<div class="am-popup"><h3><bdi>{text(first["partner"])}</bdi></h3>'
        f"<p>{text(first['organisation'])}: could help close {fmt_int(len(gaps))} "
        f"gap{'s' if len(gaps) != 1 else ''}: {words}.</p><ul>{items}</ul>{tail}{note}</div>"
    )


def partners_spec(
    partners: pd.DataFrame | None, domains: Mapping[str, Domain], *, synthetic: bool = False
) -> dict[str, Any] | None:
    """Describe the partners layer: one diamond per partner site, off at start.

    Parameters
    ----------
    partners : pandas.DataFrame or None
        :attr:`assetmap.Atlas.partners` (with ``latitude`` and ``longitude``).
    domains : mapping of str to Domain
    synthetic : bool
        Say the partners come from synthetic data.

    Returns
    -------
    dict or None
        ``name``, ``show`` (False), ``symbol``, ``rows`` (``[lon, lat, popup html,
        tooltip html]`` per site, sorted by the number of gaps, most first) and ``keys``
        (per site, the domain keys of its gaps, so a domain view keeps only its own);
        None without a partner.

    Examples
    --------
    >>> partners_spec(None, {}) is None
    True
    """
    if partners is None or partners.empty or "latitude" not in partners.columns:
        return None
    placed = partners.dropna(subset=["latitude", "longitude"])
    rows: list[tuple[int, list[Any], list[str]]] = []
    for _, site in placed.groupby("partner_id", sort=True):
        first = site.iloc[0]
        n = len(site.drop_duplicates(["unit_id", "domain"]))
        tip = (
            f"<bdi>{text(first['partner'], limit=80)}</bdi><br>could help close "
            f"{fmt_int(n)} gap{'s' if n != 1 else ''}"
        )
        keys = sorted({domain_key(d, domains) for d in site["domain"]})
        row = [
            round(float(first["longitude"]), DECIMALS),
            round(float(first["latitude"]), DECIMALS),
            _popup(site, domains, synthetic),
            tip,
        ]
        rows.append((n, row, keys))
    if not rows:
        return None
    rows.sort(key=lambda r: -r[0])
    return {
        "name": LAYER_NAME,
        "show": False,
        "symbol": diamond_html(16),
        "rows": [r[1] for r in rows],
        "keys": [r[2] for r in rows],
    }
