"""Readers for outside sources: tables and spatial files, and (later) HSDS, OSM, Census."""

from assetmap.sources import files

__all__ = ["files"]
