"""Where the shipped definitions, the sample region and the fill-in templates live.

In a source checkout they are the top-level ``layers/``, ``data/sample/`` and
``data/templates/`` folders; in an installed wheel they are packaged as
``assetmap/layers``, ``assetmap/sample`` and ``assetmap/templates``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["layers_dir", "sample_dir", "templates_dir"]

_PKG = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for c in candidates:
        if c.is_dir():
            return c
    msg = f"assetmap's bundled files are missing (looked in {', '.join(map(str, candidates))})"
    raise FileNotFoundError(msg)


def layers_dir() -> Path:
    """Return the folder holding ``domains.yml`` and ``indicators.yml``."""
    return _first_existing(_PKG.parent / "layers", _PKG / "layers")


def sample_dir() -> Path:
    """Return the folder holding the embedded Bronx sample region."""
    return _first_existing(_PKG.parent / "data" / "sample", _PKG / "sample")


def templates_dir() -> Path:
    """Return the folder holding the fill-in templates (``assets.csv``, ``anchor_*.csv``)."""
    return _first_existing(_PKG.parent / "data" / "templates", _PKG / "templates")
