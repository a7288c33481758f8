r"""Safe HTML for map popups, tooltips and panels, and the panels themselves.

Every piece of text that comes from data (asset names, addresses, websites, unit names,
the study name, source names) goes through :func:`text` before it is put into HTML.
folium writes popup and tooltip HTML into JavaScript *template literals*
(`` `...` ``) and Leaflet shows layer names and GeoJSON tooltip values as HTML, so
:func:`text` escapes ``& < > " '`` as HTML entities *and* the characters that mean
something inside a template literal (`` ` ``, ``$``, ``\``). The result reads as the
same literal text once the browser parses it, whichever of these routes it takes.

Panels (title, legend, footer) are Leaflet controls whose HTML is handed to the browser
as a JSON string (``tojson`` escapes ``<``, ``>``, ``&`` and ``'``), so nothing in them
can end the surrounding ``<script>``.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from markupsafe import escape

if TYPE_CHECKING:
    import folium

__all__ = [
    "add_panel",
    "add_styles",
    "colour",
    "fmt_int",
    "fmt_minutes",
    "is_missing",
    "link_or_text",
    "pin_html",
    "rows_table",
    "text",
]

#: Longest text kept from one data field; longer text is cut with an ellipsis.
MAX_TEXT = 300

_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_BARE_DOMAIN = re.compile(r"^(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:/\S*)?$")

_STYLES = """
<style>
.am-panel { background: rgba(255,255,255,0.94); padding: 6px 10px; border-radius: 5px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.4); font: 13px/1.35 system-ui, -apple-system,
  "Segoe UI", Roboto, Arial, sans-serif; color: #222; max-width: 340px; }
.am-title h1 { font-size: 16px; font-weight: 700; margin: 0 0 2px 0; }
.am-title p { margin: 0; }
.am-synthetic { display: inline-block; margin-top: 4px; padding: 2px 6px; background: #b00020;
  color: #fff; font-weight: 700; letter-spacing: 0.02em; border-radius: 3px; }
.am-legend { max-height: 45vh; overflow-y: auto; }
.am-legend h2 { font-size: 13px; font-weight: 700; margin: 6px 0 2px 0; }
.am-legend h2:first-child { margin-top: 0; }
.am-legend p { margin: 0 0 3px 0; color: #444; }
.am-row { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
.am-swatch { flex: 0 0 18px; height: 12px; border: 1px solid #777; }
.am-line { flex: 0 0 18px; height: 12px; border: 2.5px dashed #111; background: transparent; }
.am-footer { font-size: 11px; max-width: 460px; }
.am-footer p { margin: 0; }
.am-pin { display: flex; flex: 0 0 18px; box-sizing: border-box; align-items: center;
  justify-content: center; width: 18px; height: 18px; border-radius: 50%;
  border: 1.5px solid #222; font: 700 10px/1 Arial, sans-serif; box-shadow: 0 0 0 1.5px #fff; }
.am-square { display: flex; align-items: center; justify-content: center; width: 22px;
  height: 22px; border: 2px solid #fff; font: 700 13px/1 Arial, sans-serif; color: #fff;
  box-shadow: 0 0 0 1.5px #222; }
.am-popup table { border-collapse: collapse; }
.am-popup th { text-align: left; padding: 1px 8px 1px 0; vertical-align: top; color: #555;
  font-weight: 600; white-space: nowrap; }
.am-popup td { padding: 1px 0; overflow-wrap: anywhere; }
.am-popup h3 { font-size: 14px; margin: 0 0 4px 0; overflow-wrap: anywhere; }
</style>
"""

_PANEL_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
    var control = L.control({position: {{ this.position|tojson }}});
    control.onAdd = function () {
        var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
        div.setAttribute("role", "region");
        div.setAttribute("aria-label", {{ this.label|tojson }});
        div.innerHTML = {{ this.html|tojson }};
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
    };
    control.addTo({{ this._parent.get_name() }});
    {%- if this.first %}
    var box = control.getContainer();
    box.parentNode.insertBefore(box, box.parentNode.firstChild);
    {%- endif %}
})();
{% endmacro %}
"""


def is_missing(value: object) -> bool:
    """Tell whether a cell is empty: None, NaN, pandas NA/NaT or a blank string."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    try:
        import pandas as pd

        return bool(pd.isna(value)) if pd.api.types.is_scalar(value) else False
    except (TypeError, ValueError):
        return False


def text(value: object, *, limit: int = MAX_TEXT) -> str:
    r"""Escape a data value so it shows as literal text in map HTML.

    Control characters are dropped, text longer than ``limit`` characters is cut with
    an ellipsis, HTML special characters become entities, and so do `` ` ``, ``$`` and
    ``\`` (which folium's JavaScript template literals would otherwise interpret).

    Parameters
    ----------
    value : object
        Any cell; missing values give ``""``.
    limit : int, default 300
        Longest text kept, in characters.

    Returns
    -------
    str
        HTML that displays the value literally.

    Examples
    --------
    >>> text("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> text("${alert(1)}")
    '&#36;{alert(1)}'
    """
    if is_missing(value):
        return ""
    s = _CONTROL_CHARS.sub("", str(value)).strip()
    if len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    out = str(escape(s))
    return out.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def safe_url(value: object) -> str | None:
    """Return a web address fit for a link, or None.

    Only ``http`` and ``https`` addresses with a host qualify; a bare domain
    (``www.example.org/food``) gets ``https://``. Anything else (``javascript:``,
    ``data:``, ``mailto:``, text with spaces) is not a link.

    Examples
    --------
    >>> safe_url("javascript:alert(4)") is None
    True
    >>> safe_url("www.example.org")
    'https://www.example.org'
    """
    if is_missing(value):
        return None
    s = str(value).strip()
    if _CONTROL_CHARS.search(s) or any(c.isspace() for c in s):
        return None
    if _BARE_DOMAIN.match(s):
        s = "https://" + s
    try:
        parts = urlsplit(s)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return s


def link_or_text(value: object) -> str:
    """Return an escaped link for an http(s) address, otherwise the escaped text.

    Links open in a new tab with ``rel="noopener noreferrer"``.

    Examples
    --------
    >>> link_or_text("javascript:alert(4)")
    'javascript:alert(4)'
    """
    url = safe_url(value)
    if url is None:
        return text(value)
    return (
        f'<a href="{text(url, limit=2000)}" target="_blank" rel="noopener noreferrer">'
        f"{text(url, limit=80)}</a>"
    )


def colour(value: object, default: str = "#777777") -> str:
    """Return ``value`` if it is a hex colour (``#e69f00``), else ``default``.

    Examples
    --------
    >>> colour("red;background:url(x)")
    '#777777'
    """
    s = str(value).strip() if not is_missing(value) else ""
    return s if _HEX_COLOUR.match(s) else default


def ink_for(background: str) -> str:
    """Return black or white, whichever reads better on a hex ``background``."""
    h = background.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    r, g, b = (int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if luminance > 0.5 else "#ffffff"


def pin_html(fill: str, label: str) -> str:
    """Return the marker of a service domain: a circle in its colour with its initial.

    Examples
    --------
    >>> pin_html("#E69F00", "Food")
    '<span class="am-pin" style="background:#E69F00;color:#000000">F</span>'
    """
    fill = colour(fill)
    letter = next((c for c in label if c.isalnum()), "?").upper()
    return (
        f'<span class="am-pin" style="background:{fill};color:{ink_for(fill)}">'
        f"{text(letter)}</span>"
    )


def fmt_int(value: object, *, unknown: str = "unknown") -> str:
    """Format a count with thousands separators ("1,234"); missing gives ``unknown``."""
    if is_missing(value):
        return unknown
    try:
        return f"{round(float(str(value))):,}"
    except ValueError:
        return text(value)


def fmt_minutes(value: object) -> str | None:
    """Format minutes as a whole number ("23"), None when missing or not a number."""
    if is_missing(value):
        return None
    try:
        minutes = float(str(value))
    except ValueError:
        return None
    return None if math.isinf(minutes) else f"{round(minutes):,}"


def rows_table(title: str, rows: list[tuple[str, str]]) -> str:
    """Build the HTML of a popup: a heading and a two-column table.

    ``title`` and the values in ``rows`` must already be escaped (see :func:`text`);
    labels are our own words. Rows with an empty value are left out. Each cell is its
    own block, so a right-to-left override in a value cannot spill into other cells.
    """
    body = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows if value)
    return f'<div class="am-popup"><h3><bdi>{title}</bdi></h3><table>{body}</table></div>'


def add_styles(m: folium.Map) -> None:
    """Add the map's style sheet (panels, pins, popups) once to the page header."""
    root = m.get_root()
    header: Any = getattr(root, "header", None)
    if header is None or "assetmap-styles" in header._children:
        return
    from branca.element import Element

    header.add_child(Element(_STYLES), name="assetmap-styles")


def add_panel(
    m: folium.Map,
    html: str,
    *,
    position: str,
    css_class: str,
    label: str,
    first: bool = False,
) -> None:
    """Add a Leaflet control showing ``html`` (already escaped) in a map corner.

    Parameters
    ----------
    m : folium.Map
        The map.
    html : str
        Panel content; every data value in it must have gone through :func:`text`.
    position : {"topleft", "topright", "bottomleft", "bottomright"}
        Corner.
    css_class : str
        Extra CSS classes of the panel's ``div``.
    label : str
        Accessible name of the panel (``aria-label``).
    first : bool, default False
        Put the panel above the other controls of its corner (e.g. above the zoom buttons).
    """
    from branca.element import MacroElement
    from folium.template import Template

    panel = MacroElement()
    panel._name = "AssetmapPanel"
    panel._template = Template(_PANEL_TEMPLATE)
    # Attributes read by the template above.
    vars(panel).update(
        position=position,
        css_class=f"am-panel {css_class}",
        label=label,
        html=html,
        first=first,
    )
    m.add_child(panel)
