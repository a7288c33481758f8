"""Where the shipped definitions (``layers/``) and the sample region (``data/sample``) live.

In a source checkout they are the top-level ``layers/`` and ``data/sample/`` folders; in an
installed wheel they are packaged as ``assetmap/layers`` and ``assetmap/sample``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["layers_dir", "sample_dir"]

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
