r"""Safe HTML for map popups, tooltips, panels and layer names.

Every piece of text that comes from data (asset names, addresses, websites, unit names,
the study name, source names, domain labels) goes through :func:`text` before it is put
into HTML: ``& < > " '`` become HTML entities, and so do `` ` ``, ``$`` and ``\\`` (which
mean something inside a JavaScript template literal, in case a caller ever puts the text
into one). The map's script (the files of ``maps/web/``) only joins these escaped
strings with its own fixed markup, so a value reads as the same literal text whichever
route it takes to the page.

All of it reaches the page inside one JSON document written by :func:`script_json`,
which also escapes ``<``, ``>``, ``&`` and ``'``, so nothing in the data can end the
surrounding ``<script>``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import urlsplit

from markupsafe import escape

__all__ = [
    "colour",
    "fmt_int",
    "fmt_minutes",
    "is_missing",
    "link_or_text",
    "pin_html",
    "script_json",
    "tel_href",
    "text",
]

#: Longest text kept from one data field; longer text is cut with an ellipsis.
MAX_TEXT = 300

_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_BARE_DOMAIN = re.compile(r"^(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:/\S*)?$")


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

    Control characters and lone surrogates are dropped, text longer than ``limit``
    characters is cut with an ellipsis, HTML special characters become entities, and so do
    `` ` ``, ``$`` and ``\`` (which JavaScript template literals would otherwise interpret).

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


def pin_html(fill: str, label: str, icon: str | None = None) -> str:
    """Return the marker of a service domain: a circle in its colour with its icon.

    ``icon`` names a drawing of :mod:`assetmap.icons` (a Font Awesome 4 name as in
    ``layers/domains.yml``); a name not drawn there, or none, gives the first letter of
    ``label`` instead.

    Examples
    --------
    >>> pin_html("#E69F00", "Food")
    '<span class="am-pin" style="background:#E69F00;color:#000000">F</span>'
    >>> "<svg" in pin_html("#E69F00", "Food", "cutlery")
    True
    """
    from assetmap.icons import icon_svg

    fill = colour(fill)
    drawing = icon_svg(icon) if icon else None
    if drawing is None:
        drawing = text(next((c for c in label if c.isalnum()), "?").upper())
    return f'<span class="am-pin" style="background:{fill};color:{ink_for(fill)}">{drawing}</span>'


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


def tel_href(value: object) -> str:
    """Return a ``tel:`` target for a phone number (digits and a leading ``+``), or ``""``.

    Only numbers of 7 to 15 digits qualify (ITU E.164 allows at most 15), so text such as
    "ask at the desk" stays text.

    Examples
    --------
    >>> tel_href("(718) 555-0101")
    '7185550101'
    >>> tel_href("+1 718 555 0101 ext. 4")
    ''
    """
    if is_missing(value):
        return ""
    s = str(value).strip()
    if not re.fullmatch(r"\+?[\d\s().-]{7,25}", s):
        return ""
    digits = re.sub(r"\D", "", s)
    if not 7 <= len(digits) <= 15:
        return ""
    return ("+" if s.startswith("+") else "") + digits


_SCRIPT_SAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(value: Any) -> str:
    r"""Serialise ``value`` as compact JSON that is safe inside an HTML ``<script>``.

    ``<``, ``>``, ``&`` and ``'`` are written as ``\u`` escapes (as Jinja's ``tojson``
    does), so no string in the data can close the script or open a comment; the line
    separators U+2028 and U+2029 are escaped too. Other non-ASCII text is kept as UTF-8.
    NaN and infinity are refused: callers write ``None`` for a missing number.

    Examples
    --------
    >>> script_json({"name": "</script>"})
    '{"name":"\\u003c/script\\u003e"}'
    """
    out = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, esc in _SCRIPT_SAFE.items():
        out = out.replace(char, esc)
    return out
