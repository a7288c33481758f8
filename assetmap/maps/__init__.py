"""Maps: the Atlas drawn as one standalone interactive HTML file.

Holds the layer builders (need classes, services, findings, the hospital's layers), the
popup descriptions, the escaped JSON spec, and ``web/`` (the map's JavaScript and CSS,
small files joined at export). :func:`make_map` assembles them.

May import: the contracts and model at the bottom, :mod:`assetmap.analysis` and
:mod:`assetmap.anchor` (for their column names and helpers); the Atlas only for type
checking. Never a reader, the network or the command line.

Returns: a ``folium.Map`` (or its JSON spec, :func:`map_spec`).
"""

from assetmap.maps._classes import PALETTES
from assetmap.maps.build import BASEMAPS, make_map, map_spec

__all__ = ["BASEMAPS", "PALETTES", "make_map", "map_spec"]
