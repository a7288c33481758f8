"""Provenance: where every number came from, and the run's parameters."""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

__all__ = ["file_record", "library_version", "manifest", "run_record"]


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
        rec["sha256"] = _sha256(p)  # streamed: an input of gigabytes is not read whole
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


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def manifest(
    folder: str | Path, *, exclude: tuple[str, ...] = ("provenance.json",)
) -> list[dict[str, Any]]:
    r"""List every file under ``folder`` with its relative path, size and SHA-256.

    Parameters
    ----------
    folder : str or Path
    exclude : tuple of str
        Relative paths left out (``provenance.json``, which holds the manifest).

    Returns
    -------
    list of dict
        ``{"path", "bytes", "sha256"}`` per file, sorted by path (``/`` separators).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("x\n")
    >>> manifest(d)[0]["bytes"], manifest(d)[0]["sha256"][:8]
    (2, '73cb3858')
    """
    root = Path(folder)
    rows = []
    for f in sorted(root.rglob("*")):
        rel = f.relative_to(root).as_posix()
        if f.is_file() and not f.is_symlink() and rel not in exclude:
            rows.append({"path": rel, "bytes": f.stat().st_size, "sha256": _sha256(f)})
    return rows
