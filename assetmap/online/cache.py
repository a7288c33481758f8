"""The download cache: every file fetched from the network, kept so a study re-runs offline.

Entries are keyed by **source** (``census``, ``tiger``, ``osm``, ``hrsa``, ``hsds``),
**vintage** (``2023``; ``current`` for live sources such as OpenStreetMap), **geography**
(a state or county FIPS code) and **query** (what was asked, e.g. the list of ACS
variables), and live at ``<cache>/<source>/<vintage>/<geography>/<name>-<hash>.<ext>``.

Each entry has a manifest beside it (``<file>.manifest.json``) with the URL (any API key
replaced by ``REDACTED``), the retrieval time, the vintage, the size and the SHA-256
checksum of the bytes. Both are written atomically (a temporary file in the same
folder, flushed and ``fsync``-ed, then ``os.replace``-d into place), the data before the
manifest: a download killed half-way leaves at most a temporary file, never an entry.
An entry is used only when its manifest exists and its bytes still match the checksum;
anything else counts as missing.

Examples
--------
>>> import tempfile
>>> cache = Cache(tempfile.mkdtemp())
>>> key = CacheKey("census", "2023", "25019", "acs5 tract B01001_001E", "json")
>>> path = cache.put_bytes(key, b"[]", url="https://api.census.gov/data?key=abc")
>>> cache.get(key) == path
True
>>> cache.record(key)["url"]
'https://api.census.gov/data?key=REDACTED'
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from assetmap import settings
from assetmap.errors import OfflineError

__all__ = [
    "Cache",
    "CacheKey",
    "MissingFromCache",
    "atomic_path",
    "atomic_write_bytes",
    "sha256_file",
]

log = logging.getLogger(__name__)

MANIFEST_SUFFIX = ".manifest.json"
_TMP_PREFIX = ".tmp-"
_SAFE = re.compile(r"[^0-9A-Za-z._-]+")


def _slug(text: str, limit: int = 40) -> str:
    s = _SAFE.sub("-", text).strip("-.")
    return (s[:limit].rstrip("-.") or "entry").lower()


@dataclass(frozen=True)
class CacheKey:
    """What identifies one cached download.

    Attributes
    ----------
    source : str
        Who published it: ``census``, ``tiger``, ``osm``, ``hrsa``, ``hsds``.
    vintage : str
        The data's year (``"2023"``), or ``"current"`` for live sources.
    geography : str
        State or county FIPS code (``"25"``, ``"25019"``), or ``"us"``.
    query : str
        What was asked, in words a person can read (the full text is kept in the
        manifest; the file name uses its start and a hash).
    ext : str
        File suffix without the dot (``json``, ``zip``, ``csv``, ``graphml``).
    """

    source: str
    vintage: str
    geography: str
    query: str
    ext: str = "json"

    @property
    def relpath(self) -> Path:
        """Path of the entry inside the cache folder."""
        from assetmap.online._http import redact

        digest = hashlib.sha256(self.query.encode("utf-8")).hexdigest()[:10]
        name = f"{_slug(redact(self.query))}-{digest}.{self.ext.lstrip('.')}"
        return Path(_slug(self.source), _slug(self.vintage), _slug(self.geography), name)

    def describe(self) -> str:
        """One line naming the entry, for messages."""
        return f"{self.source} {self.vintage} {self.geography}: {self.query}"


class MissingFromCache(OfflineError):
    """Offline, and these cache entries are missing (the message lists them).

    Attributes
    ----------
    keys : list of CacheKey
    """

    def __init__(self, message: str, keys: Sequence[CacheKey]) -> None:
        super().__init__(message)
        self.keys = list(keys)


def sha256_file(path: str | Path) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(folder: Path) -> None:
    # Make the rename itself durable (POSIX); harmless where directories cannot be opened.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only on success.

    Use it for writers that want a file name (``GeoDataFrame.to_file``,
    ``osmnx.save_graphml``): the file appears at ``path`` whole or not at all.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("whole")
    >>> target.read_text()
    'whole'
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=p.suffix, dir=p.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # writers such as GDAL refuse to overwrite; let them create it
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, p)
        _fsync_dir(p.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, ``os.replace``)."""
    p = Path(path)
    with atomic_path(p) as tmp, open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return p


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Cache:
    """A folder of downloads with one manifest per entry.

    Parameters
    ----------
    root : str or Path, optional
        The cache folder; :func:`assetmap.settings.cache_dir` when omitted.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else settings.cache_dir()

    def __repr__(self) -> str:
        return f"Cache({str(self.root)!r})"

    def path_for(self, key: CacheKey) -> Path:
        """Where the entry for ``key`` lives (whether or not it exists)."""
        return self.root / key.relpath

    @staticmethod
    def _manifest_path(path: Path) -> Path:
        return path.with_name(path.name + MANIFEST_SUFFIX)

    def record(self, key: CacheKey) -> dict[str, Any] | None:
        """Return the manifest of the entry for ``key``, or None when there is none."""
        mp = self._manifest_path(self.path_for(key))
        try:
            rec: dict[str, Any] = json.loads(mp.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return rec

    def get(self, key: CacheKey) -> Path | None:
        """Return the entry's path when it is whole (manifest present, checksum matches).

        A file whose bytes no longer match its manifest (a disk error, an edit, a copy
        cut short) is removed, logged as a warning and reported as missing.
        """
        path = self.path_for(key)
        rec = self.record(key)
        if rec is None or not path.is_file():
            return None
        if path.stat().st_size != rec.get("bytes") or sha256_file(path) != rec.get("sha256"):
            log.warning("cache entry %s does not match its checksum; fetching it again", path)
            self._remove(path)
            return None
        return path

    def put_bytes(
        self,
        key: CacheKey,
        data: bytes,
        *,
        url: str = "",
        **fields: Any,
    ) -> Path:
        """Store ``data`` under ``key`` atomically and write its manifest.

        Parameters
        ----------
        key : CacheKey
        data : bytes
            The whole, already validated download.
        url : str
            Where it came from; query parameters that carry keys are redacted.
        **fields
            Extra facts for the manifest (``content_type``, ``licence``, …).

        Returns
        -------
        Path
            The entry's file.
        """
        path = self.path_for(key)
        atomic_write_bytes(path, data)
        self._write_manifest(key, path, url=url, **fields)
        return path

    @contextlib.contextmanager
    def writer(self, key: CacheKey, *, url: str = "", **fields: Any) -> Iterator[Path]:
        """Yield a temporary path to write the entry to; it becomes the entry on success.

        Examples
        --------
        >>> import tempfile
        >>> cache = Cache(tempfile.mkdtemp())
        >>> key = CacheKey("osm", "current", "25019", "walk network", "txt")
        >>> with cache.writer(key) as tmp:
        ...     _ = tmp.write_text("graph")
        >>> cache.get(key).read_text()
        'graph'
        """
        path = self.path_for(key)
        with atomic_path(path) as tmp:
            yield tmp
        self._write_manifest(key, path, url=url, **fields)

    def _write_manifest(self, key: CacheKey, path: Path, *, url: str, **fields: Any) -> None:
        from assetmap.online._http import redact

        rec: dict[str, Any] = {
            **asdict(key),
            "query": redact(key.query),
            "file": str(key.relpath.as_posix()),
            "url": redact(unquote_plus(url)),
            "retrieved": fields.pop("retrieved", None) or _now(),
            "bytes": path.stat().st_size,
            "sha256": sha256_file(path),
        }
        rec.update({k: redact(v) if isinstance(v, str) else v for k, v in fields.items()})
        text = json.dumps(rec, indent=2, sort_keys=True) + "\n"
        atomic_write_bytes(self._manifest_path(path), text.encode("utf-8"))

    def _remove(self, path: Path) -> None:
        for p in (self._manifest_path(path), path):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()

    def entries(
        self,
        *,
        source: str | None = None,
        vintage: str | None = None,
        geography: str | None = None,
    ) -> list[dict[str, Any]]:
        """Manifests of the entries in the cache, optionally filtered, sorted by file.

        Each manifest has ``source``, ``vintage``, ``geography``, ``query``, ``file``,
        ``url``, ``retrieved``, ``bytes`` and ``sha256``. ``geography`` also matches
        the multi-county entries that include it (``25019`` matches ``25007+25019``).
        """
        out: list[dict[str, Any]] = []
        if not self.root.is_dir():
            return out
        for mp in sorted(self.root.rglob(f"*{MANIFEST_SUFFIX}")):
            try:
                rec = json.loads(mp.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(rec, dict):
                continue
            wanted = (("source", source), ("vintage", vintage))
            if any(v is not None and str(rec.get(k)) != str(v) for k, v in wanted):
                continue
            if geography is not None and not _same_place(str(rec.get("geography")), geography):
                continue
            out.append(rec)
        return out

    def clear(
        self,
        *,
        source: str | None = None,
        vintage: str | None = None,
        geography: str | None = None,
    ) -> int:
        """Remove entries (all, or those matching the filters); return how many.

        Only files assetmap wrote are removed: entries with their manifests, leftover
        temporary files, and (when clearing everything or ``source="osm"``) osmnx's
        response files in ``osm/overpass``. Other files in the folder are left alone.
        """
        n = 0
        for rec in self.entries(source=source, vintage=vintage, geography=geography):
            path = self.root / str(rec["file"])
            self._remove(path)
            n += 1
        everything = source is None and vintage is None and geography is None
        if self.root.is_dir() and (everything or (source == "osm" and geography is None)):
            for p in (self.root / "osm" / "overpass").glob("*.json"):
                p.unlink()
        if self.root.is_dir() and everything:
            for p in self.root.rglob(f"{_TMP_PREFIX}*"):
                if p.is_file():
                    p.unlink()
        self._prune_empty_dirs()
        return n

    def _prune_empty_dirs(self) -> None:
        if not self.root.is_dir():
            return
        for d in sorted((p for p in self.root.rglob("*") if p.is_dir()), reverse=True):
            with contextlib.suppress(OSError):
                d.rmdir()  # only succeeds when empty

    def missing(self, keys: list[CacheKey]) -> list[CacheKey]:
        """Return the keys among ``keys`` that have no whole entry."""
        return [k for k in keys if self.get(k) is None]


def _same_place(stored: str, wanted: str) -> bool:
    """Whether a cache entry's geography is, or includes, the one asked for."""
    return stored == wanted or str(wanted) in stored.split("+")
