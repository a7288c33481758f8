"""Provenance: where every number came from, and the run's parameters."""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

__all__ = ["file_record", "library_version", "run_record"]


def library_version() -> str:
    """Return assetmap's installed version."""
    try:
        return version("assetmap")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def file_record(path: str | Path, **fields: Any) -> dict[str, Any]:
    """Describe an input file: name, size and SHA-256, plus any given fields."""
    p = Path(path)
    rec: dict[str, Any] = {"file": p.name}
    if p.exists() and p.is_file():
        rec["sha256"] = hashlib.sha256(p.read_bytes()).hexdigest()
        rec["bytes"] = p.stat().st_size
    rec.update(fields)
    return rec


def run_record() -> dict[str, Any]:
    """Facts about this run (time, versions) kept out of report bodies for reproducibility."""
    import geopandas
    import shapely

    return {
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "assetmap_version": library_version(),
        "python": platform.python_version(),
        "geopandas": geopandas.__version__,
        "shapely": shapely.__version__,
    }
