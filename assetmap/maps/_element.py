"""The folium element that writes the study into the page, and stable element names.

:class:`StudyLayers` is one ``MacroElement`` on the map. When the map is rendered it adds
the map runtime (the files of ``maps/web/``, :data:`RUNTIME`, with its style sheet) to the
page header
and writes one call, ``assetmap.draw(map, spec, extras)``, with the whole study as one
JSON document (:func:`assetmap.maps._html.script_json`). Layers a user added to the map
with folium are found at that moment and listed in the layer control too.

folium names every element with 32 random hex digits, so two saves of the same study
would differ. :func:`stable_ids` renames the elements assetmap created after a counter,
which makes ``map.html`` byte-identical for the same inputs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement

from assetmap.maps._html import script_json, text

if TYPE_CHECKING:
    import folium

__all__ = [
    "CLUSTER_CSS",
    "CLUSTER_JS",
    "LEAFLET_CSS",
    "LEAFLET_JS",
    "RUNTIME",
    "RawHTML",
    "StudyLayers",
    "new_map",
    "stable_ids",
    "walk",
]

LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
CLUSTER_JS = (
    "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js"
)
CLUSTER_CSS = "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.css"

#: The map's script, small files with one job each, joined in this order (no build step).
RUNTIME = (
    "00-util.js",
    "01-popups.js",
    "02-units.js",
    "03-shading.js",
    "04-choropleths.js",
    "05-services.js",
    "06-findings.js",
    "07-hospital.js",
    "08-panels.js",
    "09-search.js",
    "10-controls.js",
    "11-draw.js",
    "12-focus.js",
    "13-print.js",
    "14-download.js",
)


class RawHTML(Element):
    """A piece of HTML written as it is.

    branca's ``Element(html)`` reads its text as a Jinja template, so a ``{{`` in data or
    in a library would be evaluated; this element never is.
    """

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "RawHTML"
        self.html = html

    def render(self, **kwargs: Any) -> str:
        """Return the HTML unchanged."""
        return self.html


@cache
def _runtime(name: str) -> str:
    return files("assetmap.maps").joinpath("web", name).read_text(encoding="utf-8")


def walk(element: Element) -> Iterator[Element]:
    """Yield ``element`` and every element below it, parents first, in child order."""
    yield element
    for child in element._children.values():
        yield from walk(child)


def stable_ids(root: Element, *, skip: set[int] | frozenset[int] = frozenset()) -> None:
    """Give every element under ``root`` a name derived from its position in the tree.

    Parameters
    ----------
    root : branca.element.Element
        Usually the map's figure.
    skip : set of int
        ``id()`` of elements to leave alone (those a user made before calling assetmap:
        other code may already hold their names).
    """
    for n, element in enumerate(walk(root)):
        if id(element) not in skip:
            element._id = hashlib.sha256(f"assetmap-{n}".encode()).hexdigest()[:32]


class StudyLayers(MacroElement):
    """Draw a study on a folium map from a JSON spec (see :mod:`assetmap.maps.build`).

    Parameters
    ----------
    spec : dict
        The study, every text already escaped.
    title : str
        Page title (raw text; escaped here).
    cluster : bool
        Load Leaflet.markercluster.
    cdn : bool
        Link the libraries from a CDN instead of writing them into the page.
    js_dir : str or Path, optional
        Where to look first for local copies of the libraries.
    """

    def __init__(
        self,
        spec: dict[str, Any],
        *,
        title: str,
        cluster: bool = False,
        cdn: bool = False,
        js_dir: str | Path | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca.MacroElement is untyped
        self._name = "AssetmapStudy"
        self.spec = spec
        self.spec_json = script_json(spec)
        self.title = title
        self.cluster = cluster
        self.cdn = cdn
        self.js_dir = js_dir

    def extras_json(self) -> str:
        """Return, as JSON, base maps and overlays other code added to the map (for the control)."""
        import folium

        bases: list[dict[str, str]] = []
        overlays: list[dict[str, str]] = []
        parent = self._parent
        for child in parent._children.values() if parent is not None else ():
            if child is self or not isinstance(child, folium.map.Layer):
                continue
            if not getattr(child, "control", False):
                continue
            entry = {"name": text(child.layer_name), "ref": child.get_name()}
            is_base = isinstance(child, folium.TileLayer) and not child.overlay
            (bases if is_base else overlays).append(entry)
        return script_json({"bases": bases, "overlays": overlays})

    def render(self, **kwargs: Any) -> str:
        """Add the runtime to the page header, then write the drawing call."""
        figure = self.get_root()
        if not isinstance(figure, Figure):  # pragma: no cover - folium maps have one
            msg = "the study layers must be on a map inside a Figure to be rendered"
            raise TypeError(msg)
        header = figure.header
        if self.cluster:
            header.add_child(JavascriptLink(CLUSTER_JS), name="markercluster_js")
            header.add_child(CssLink(CLUSTER_CSS), name="markercluster_css")
        css, js = _runtime("assetmap-map.css"), "".join(_runtime(name) for name in RUNTIME)
        header.add_child(RawHTML(f"<title>{text(self.title)}</title>"), name="assetmap_title")
        header.add_child(RawHTML(f"<style>\n{css}</style>"), name="assetmap_css")
        header.add_child(RawHTML(f"<script>\n{js}</script>"), name="assetmap_js")
        if not self.cdn:
            _inline_header(header, self.js_dir)
        # Not MacroElement.render: it wraps a script in branca's Element, which reads it
        # as a Jinja template again, so "{{ ... }}" in data would be evaluated.
        parent = self._parent
        assert parent is not None  # rendered from its map
        call = f"assetmap.draw({parent.get_name()}, {self.spec_json}, {self.extras_json()});"
        figure.script.add_child(RawHTML(call), name=self.get_name())
        return ""


def _inline_header(header: Element, js_dir: str | Path | None) -> None:
    """Replace every linked script and style sheet of ``header`` by its local copy.

    Leaflet and Leaflet.markercluster must be found; libraries only a user's own folium
    map links (jQuery, Bootstrap, icon fonts) stay linked when no local copy exists.
    """
    from assetmap.maps._inline import inline_urls

    links = {k: c for k, c in header._children.items() if isinstance(c, JavascriptLink | CssLink)}
    urls = [c.url for c in links.values()]
    needed = {LEAFLET_JS, LEAFLET_CSS, CLUSTER_JS, CLUSTER_CSS}
    code = inline_urls(urls, js_dir, optional=frozenset(u for u in urls if u not in needed))
    for key, child in links.items():
        if child.url in code:
            header._children[key] = RawHTML(code[child.url])


def new_map(location: list[float], *, zoom_start: int = 12) -> folium.Map:
    """Return an empty folium map that loads only Leaflet (no jQuery, Bootstrap, fonts)."""
    import folium

    m = folium.Map(location=location, zoom_start=zoom_start, tiles=None, control_scale=True)
    m.default_js = [("leaflet", LEAFLET_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CSS)]
    return m
