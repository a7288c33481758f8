"""Readers for outside sources, one module each (files, hsds, osm, census, …)."""

from assetmap.sources import files

__all__ = ["files"]
