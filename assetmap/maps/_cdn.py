"""Where the JavaScript and CSS a folium map loads from CDNs live in an npm folder.

A saved folium map references Leaflet, jQuery, Bootstrap and plugins by CDN address
(``https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js``,
``https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/...``). The same files
ship in npm packages. :func:`resolve_cdn_url` turns such an address into the package, the
version asked for and the file inside ``node_modules``, so that

* the offline browser tests can answer every request of a map from a local
  ``node_modules`` folder (``tests/browser_support.py``), and
* ``make_map(..., self_contained=True)`` can write the same files into the page
  (:mod:`assetmap.maps._inline`).

Nothing here imports folium or touches the network.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "CDNFile",
    "STUB_FILES",
    "is_tile_url",
    "resolve_cdn_url",
    "stub_content_type",
]

#: cdnjs library name -> (npm package, folder inside the package that cdnjs mirrors).
CDNJS_LIBRARIES: dict[str, tuple[str, str]] = {
    "leaflet": ("leaflet", "dist"),
    "leaflet.awesome-markers": ("leaflet.awesome-markers", "dist"),
    "leaflet.markercluster": ("leaflet.markercluster", "dist"),
    "jquery": ("jquery", "dist"),
    "twitter-bootstrap": ("bootstrap", "dist"),
    "font-awesome": ("@fortawesome/fontawesome-free", ""),
}

#: Files folium references that no npm package ships. Both are style sheets for features
#: assetmap's maps do not use (Bootstrap 3 glyph icons, rotated awesome-marker icons); a
#: local copy is an empty style sheet. Keys are the URL without scheme.
STUB_FILES: dict[str, str] = {
    "netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": "text/css",
    "cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/"
    "leaflet.awesome.rotate.min.css": "text/css",
}

_NPM_SPEC = re.compile(r"^/(?:npm/)?(?P<pkg>(?:@[^/@]+/)?[^/@]+)@(?P<ver>[^/]+)/(?P<path>.+)$")
_CDNJS = re.compile(r"^/ajax/libs/(?P<lib>[^/]+)/(?P<ver>[^/]+)/(?P<path>.+)$")
_JQUERY = re.compile(r"^/jquery-(?P<ver>\d+\.\d+\.\d+)(?P<min>\.min)?\.js$")
_TILE_PATH = re.compile(r"/\d+/\d+/\d+(@2x)?\.(png|jpe?g|webp|pbf)$")
_TILE_HOSTS = (
    "tile.openstreetmap.org",
    "basemaps.cartocdn.com",
    "tiles.stadiamaps.com",
    "server.arcgisonline.com",
    "tile.opentopomap.org",
)


@dataclass(frozen=True)
class CDNFile:
    """A CDN address resolved to a file of an npm package.

    Attributes
    ----------
    url : str
        The address as the map references it.
    package : str
        npm package name, e.g. ``"leaflet"`` or ``"@fortawesome/fontawesome-free"``.
    version : str
        The version in the address (``"1.9.3"``); the installed one may differ.
    path : str
        The file inside the package folder, e.g. ``"dist/leaflet.js"``.
    """

    url: str
    package: str
    version: str
    path: str

    def local_path(self, node_modules: str | Path) -> Path:
        """Return where the file is inside a ``node_modules`` folder.

        Examples
        --------
        >>> f = resolve_cdn_url("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")
        >>> f.local_path("node_modules").as_posix()
        'node_modules/leaflet/dist/leaflet.js'
        """
        return Path(node_modules) / self.package / self.path

    def installed_version(self, node_modules: str | Path) -> str | None:
        """Return the version of the package installed in ``node_modules``, if any."""
        meta = Path(node_modules) / self.package / "package.json"
        try:
            return str(json.loads(meta.read_text(encoding="utf-8"))["version"])
        except (OSError, ValueError, KeyError):
            return None


def resolve_cdn_url(url: str) -> CDNFile | None:
    """Find the npm package file behind a CDN address.

    Understands jsDelivr (``/npm/pkg@ver/path``), unpkg (``/pkg@ver/path``), cdnjs
    (``/ajax/libs/lib/ver/path``, mapped through :data:`CDNJS_LIBRARIES`) and
    ``code.jquery.com``. Query strings and fragments are ignored.

    Parameters
    ----------
    url : str
        An absolute ``http(s)`` address.

    Returns
    -------
    CDNFile or None
        None when the address is not a known CDN pattern (see also :data:`STUB_FILES`).

    Examples
    --------
    >>> resolve_cdn_url(
    ...     "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css"
    ... ).path
    'dist/MarkerCluster.css'
    >>> resolve_cdn_url("https://code.jquery.com/jquery-3.7.1.min.js").path
    'dist/jquery.min.js'
    """
    parts = urlsplit(url)
    host, path = parts.netloc.lower(), parts.path
    if host in ("cdn.jsdelivr.net", "unpkg.com"):
        if host == "cdn.jsdelivr.net" and not path.startswith("/npm/"):
            return None
        hit = _NPM_SPEC.match(path)
        if hit:
            return CDNFile(url, hit["pkg"], hit["ver"], hit["path"])
        return None
    if host == "cdnjs.cloudflare.com":
        hit = _CDNJS.match(path)
        if hit and hit["lib"].lower() in CDNJS_LIBRARIES:
            package, folder = CDNJS_LIBRARIES[hit["lib"].lower()]
            inner = f"{folder}/{hit['path']}" if folder else hit["path"]
            return CDNFile(url, package, hit["ver"], inner)
        return None
    if host == "code.jquery.com":
        hit = _JQUERY.match(path)
        if hit:
            name = "jquery.min.js" if hit["min"] else "jquery.js"
            return CDNFile(url, "jquery", hit["ver"], f"dist/{name}")
    return None


def stub_content_type(url: str) -> str | None:
    """Return the content type of a known stub file (see :data:`STUB_FILES`), else None."""
    parts = urlsplit(url)
    return STUB_FILES.get(f"{parts.netloc.lower()}{parts.path}")


def is_tile_url(url: str) -> bool:
    """Tell whether an address is a raster map tile (``.../{z}/{x}/{y}.png``).

    Examples
    --------
    >>> is_tile_url("https://a.basemaps.cartocdn.com/light_all/12/1206/1538.png")
    True
    >>> is_tile_url("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")
    False
    """
    parts = urlsplit(url)
    host = parts.netloc.lower()
    known = any(host == h or host.endswith("." + h) for h in _TILE_HOSTS)
    return known or bool(_TILE_PATH.search(parts.path))
