"""Small hand-drawn SVG icons for map markers, so a map needs no icon font or CDN.

``layers/domains.yml`` names each domain's icon with a Font Awesome 4 name (``cutlery``,
``home``, ``bus`` …), one of :data:`ICONS` or of their other names (:func:`icon_name`);
the domain loader refuses any other. :func:`icon_svg` returns a 16 × 16 inline SVG drawn in
``currentColor`` for those names, and None for any other name, so a marker falls back to
the first letter of the domain's label. The drawings are this module's own constants: no
text from data ever reaches them (an icon name only selects one), so they are safe to
write into the page as they are.

A leaf: imports nothing of assetmap's, so the domain loader (names) and the maps
(drawings) can both use it.
"""

from __future__ import annotations

__all__ = ["ICONS", "icon_name", "icon_svg"]

#: Inner SVG markup of each icon, in a 16 × 16 box, filled with ``currentColor``.
ICONS: dict[str, str] = {
    "cutlery": (
        '<path d="M3 1h1v4.2h.8V1h1v4.2h.8V1h1v5a2 2 0 0 1-1.6 1.96V15H4.4V7.96'
        'A2 2 0 0 1 3 6z"/><path d="M10.3 1C12.4 1.8 13.3 4 13.3 7.2h-1.4V15h-1.6z"/>'
    ),
    "home": '<path d="M8 1.3 .8 8h2.1v6.7h3.7v-4.2h2.8v4.2h3.7V8h2.1z"/>',
    "bus": (
        '<path fill-rule="evenodd" d="M4.2 1h7.6C12.6 1 13.3 1.7 13.3 2.5V12h-.9v1.6'
        "a1 1 0 0 1-2 0V12H5.6v1.6a1 1 0 0 1-2 0V12h-.9V2.5C2.7 1.7 3.4 1 4.2 1zM4 3v4h8V3z"
        'M4.4 8.6h1.8v1.6H4.4zm5.4 0h1.8v1.6H9.8z"/>'
    ),
    "bolt": '<path d="M9.8 .8 3 9h4.4l-1.3 6.2L13 7H8.5z"/>',
    "shield": '<path d="M8 .9 2 3.3v4.5c0 3.6 2.5 6.1 6 7.3 3.5-1.2 6-3.7 6-7.3V3.3z"/>',
    "medkit": (
        '<path fill-rule="evenodd" d="M5.4 4V2.8c0-.6.4-1 1-1h3.2c.6 0 1 .4 1 1V4H14.3'
        "c.5 0 .9.4.9.9v8.4c0 .5-.4.9-.9.9H1.7c-.5 0-.9-.4-.9-.9V4.9c0-.5.4-.9.9-.9zM6.7 4h2.6"
        'V3.1H6.7zM7 6.2v2H5v2h2v2h2v-2h2v-2H9v-2z"/>'
    ),
    "heart": (
        '<path d="M8 14.6 1.9 8.6C.3 7 .4 4.4 2.1 3 3.7 1.7 6 2 7.3 3.5L8 4.3l.7-.8'
        'C10 2 12.3 1.7 13.9 3c1.7 1.4 1.8 4 .2 5.6z"/>'
    ),
    "balance-scale": (
        '<path d="M7.3 2.2h1.4v11h2.6v1.5H4.7v-1.5h2.6z"/><path d="M1.8 3.8h12.4v1.3H1.8z"/>'
        '<path d="M.8 9.6 3 5h.6l2.2 4.6a2.5 2.5 0 0 1-5 0zm9.4 0L12.4 5h.6l2.2 4.6'
        'a2.5 2.5 0 0 1-5 0z"/>'
    ),
    # an open case (its outline, a clasp), so it never reads as the solid medkit
    "briefcase": (
        '<path fill-rule="evenodd" d="M5.4 4.3V2.8c0-.6.4-1 1-1h3.2c.6 0 1 .4 1 1v1.5'
        "h3.8c.5 0 .9.4.9.9v8.1c0 .5-.4.9-.9.9H1.6c-.5 0-.9-.4-.9-.9V5.2c0-.5.4-.9.9-.9z"
        'M6.7 4.3h2.6V3.1H6.7zM2.5 6.1v6.5h11V6.1z"/><path d="M6.6 7.4h2.8v2.4H6.6z"/>'
    ),
    "child": (
        '<circle cx="8" cy="2.9" r="2"/><path d="M2.6 5.9 3.7 4.7 6.8 6.4h2.4l3.1-1.7'
        ' 1.1 1.2-3.2 2.3V15H8.7v-4.2H7.3V15H5.8V8.2z"/>'
    ),
    "users": (
        '<circle cx="5.6" cy="4.6" r="2.4"/><circle cx="11.4" cy="5.2" r="2"/>'
        '<path d="M.8 14.3c0-3.2 2.1-5.3 4.8-5.3s4.8 2.1 4.8 5.3z"/>'
        '<path d="M11.5 14.3c0-1.9-.5-3.4-1.5-4.4.5-.4 1-.6 1.6-.6 2.1 0 3.6 1.9 3.6 5z"/>'
    ),
    "plus": '<path d="M6.2 1.5h3.6v4.7h4.7v3.6H9.8v4.7H6.2V9.8H1.5V6.2h4.7z"/>',
    "door": (
        '<path fill-rule="evenodd" d="M3.2 1.2h9.6v12.6h1.8v1.4H1.4v-1.4h1.8zM9.6 7.3'
        'a.9.9 0 1 0 0 1.8.9.9 0 0 0 0-1.8z"/>'
    ),
    "user-plus": (
        '<circle cx="6" cy="4.4" r="2.7"/><path d="M.8 14.6c0-3.3 2.3-5.6 5.2-5.6s5.2 2.3'
        ' 5.2 5.6z"/><path d="M12.3 3.6h1.4v2h2V7h-2v2h-1.4V7h-2V5.6h2z"/>'
    ),
    "bed": (
        '<path d="M1 3h1.6v6.2h12.4V14h-1.6v-2.2H2.6V14H1z"/><circle cx="5" cy="6.8" r="1.6"/>'
        '<path d="M7.4 5.2h5.2c1.3 0 2.4 1.1 2.4 2.4v.8H7.4z"/>'
    ),
    "car": (
        '<path fill-rule="evenodd" d="M3.6 3.4c.2-.6.8-1 1.4-1h6c.6 0 1.2.4 1.4 1l1.2 3.2'
        "c.8.2 1.4.9 1.4 1.8v3.4h-1.3v1.5a1 1 0 0 1-2 0v-1.5H4.3v1.5a1 1 0 0 1-2 0v-1.5H1V8.4"
        "c0-.9.6-1.6 1.4-1.8zM4.3 6.5h7.4l-.9-2.6H5.2zM3.5 8.2a1 1 0 1 0 0 2 1 1 0 0 0 0-2z"
        'm9 0a1 1 0 1 0 0 2 1 1 0 0 0 0-2z"/>'
    ),
    "graduation-cap": (
        '<path d="M8 2 .5 5.8 8 9.6l6-3v4.2h1.3V5.8z"/><path d="M3.4 8.6v2.8C4.7 12.9'
        ' 6.3 13.6 8 13.6s3.3-.7 4.6-2.2V8.6L8 11z"/>'
    ),
    "book": (
        '<path d="M2 2.2C3.9 1.6 5.9 1.8 7.4 3v11c-1.5-1-3.5-1.3-5.4-.8z"/><path d="M14 2.2'
        'c-1.9-.6-3.9-.4-5.4.8v11c1.5-1 3.5-1.3 5.4-.8z"/>'
    ),
    "leaf": (
        '<path d="M14.6 1.4C6 1 1.6 5.2 2.6 11.6L1.4 14l1.2.6 1.2-2.4C10.4 13.2 14.9 9 14.6 1.4z"/>'
    ),
}

#: Other names that draw one of the icons above.
_ALIASES = {
    "food": "cutlery",
    "utensils": "cutlery",
    "house": "home",
    "shelter": "home",
    "heartbeat": "heart",
    "first-aid": "medkit",
    "medical": "medkit",
    "gavel": "balance-scale",
    "scale-balanced": "balance-scale",
    "group": "users",
    "user-group": "users",
    "hospital-o": "plus",
    "h-square": "plus",
    "bolt-lightning": "bolt",
    "flash": "bolt",
    "shield-alt": "shield",
    "shield-halved": "shield",
    "automobile": "car",
    "taxi": "car",
}


def icon_name(name: object) -> str | None:
    """Return the key in :data:`ICONS` that a name draws, or None when none does.

    A ``fa-`` prefix and case are ignored, and a few other Font Awesome names (``utensils``,
    ``house``, ``gavel`` …) draw the icon they resemble.

    Examples
    --------
    >>> icon_name("fa-Utensils"), icon_name("home"), icon_name("rocket")
    ('cutlery', 'home', None)
    """
    key = str(name or "").strip().lower().removeprefix("fa-")
    key = _ALIASES.get(key, key)
    return key if key in ICONS else None


def icon_svg(name: object, *, size: int = 12) -> str | None:
    """Return an inline SVG of a named icon, or None when the name is not drawn here.

    Parameters
    ----------
    name : object
        An icon name as written in ``layers/domains.yml`` (Font Awesome 4 names such as
        ``cutlery``; ``fa-`` prefixes and case are ignored).
    size : int, default 12
        Width and height in CSS pixels.

    Returns
    -------
    str or None
        ``<svg …>`` markup drawn in ``currentColor``, hidden from screen readers.

    Examples
    --------
    >>> icon_svg("fa-Home", size=10)[:55]
    '<svg class="am-icon" viewBox="0 0 16 16" width="10" hei'
    >>> icon_svg("<script>") is None
    True
    """
    key = icon_name(name)
    if key is None:
        return None
    body = ICONS[key]
    return (
        f'<svg class="am-icon" viewBox="0 0 16 16" width="{int(size)}" height="{int(size)}" '
        f'fill="currentColor" aria-hidden="true" focusable="false">{body}</svg>'
    )
