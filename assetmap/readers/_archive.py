"""Bounded decompression: zip members and ``.gz``/``.bz2`` files read under caps.

A small archive can expand to gigabytes (a "zip bomb"). Every reader that decompresses
goes through here: members are read in chunks and counted as they come out (the size a
zip header declares is a first check only, never trusted alone), and reading stops with
an :class:`~assetmap.errors.InputError` naming the archive and the member as soon as a
cap is passed:

* ``max_member_bytes``: decompressed bytes of one member (default 1 GiB; a statewide
  211 package's largest table is a few hundred MB);
* ``max_members``: files in one archive (default 10,000);
* ``max_ratio``: how many times its compressed size a member may expand, checked once
  it passes 32 MiB (default 200; text tables compress 5 to 20 times, a bomb of zeros
  about 1,000 times with zip and far more with bz2).

Each is an option of :func:`assetmap.read_assets` (and of an asset entry in a project
file), which is what the error tells the user to raise.
"""

from __future__ import annotations

import bz2
import gzip
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from assetmap.errors import InputError

__all__ = [
    "LIMIT_OPTIONS",
    "Limits",
    "check_zip",
    "copy_decompressed",
    "is_compressed",
    "member_names",
    "read_member",
]

#: The options of :func:`assetmap.read_assets` that set the caps.
LIMIT_OPTIONS = ("max_member_bytes", "max_members", "max_ratio")
_CHUNK = 1 << 20
#: The ratio cap applies to members past this size only (small files may compress well).
_RATIO_FLOOR = 32 << 20


@dataclass(frozen=True)
class Limits:
    """Caps on what an archive may expand to (see the module's description).

    Examples
    --------
    >>> Limits.of({"max_members": 5}).max_members, Limits().max_member_bytes
    (5, 1073741824)
    """

    max_member_bytes: int = 1 << 30
    max_members: int = 10_000
    max_ratio: float = 200.0

    @classmethod
    def of(cls, options: dict[str, Any] | None) -> Limits:
        """Return the caps given among ``options`` (``None`` keeps a default)."""
        given = {k: v for k, v in (options or {}).items() if k in LIMIT_OPTIONS and v is not None}
        for k, v in given.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
                msg = f"{k} must be a positive number, got {v!r}"
                raise InputError(msg)
        return cls(**given)


def _size(n: float) -> str:
    return f"{n / (1 << 30):.1f} GiB" if n >= 1 << 30 else f"{n / (1 << 20):.0f} MiB"


def _too_big(archive: str, member: str, limits: Limits, out: int, packed: int) -> None:
    """Raise when ``out`` decompressed bytes from ``packed`` compressed pass a cap."""
    if out > limits.max_member_bytes:
        msg = (
            f"member {member!r} expands to more than {_size(limits.max_member_bytes)} "
            "(the cap on one decompressed file); if the archive is genuine, raise it with "
            "max_member_bytes= (in bytes), else it is probably a zip bomb"
        )
        raise InputError(msg, file=archive)
    if out > _RATIO_FLOOR and out > limits.max_ratio * max(packed, 1):
        msg = (
            f"member {member!r} expands more than {limits.max_ratio:g} times its "
            f"compressed size ({_size(out)} from {packed:,} bytes so far), as a zip bomb "
            "does; if the archive is genuine, raise the cap with max_ratio="
        )
        raise InputError(msg, file=archive)


def _chunks(
    stream: IO[bytes] | bz2.BZ2File | gzip.GzipFile,
    archive: str,
    member: str,
    limits: Limits,
    packed: int,
) -> Iterator[bytes]:
    """Yield the decompressed chunks of ``stream``, counting them against the caps."""
    out = 0
    while True:
        try:
            chunk = stream.read(_CHUNK)
        except (OSError, EOFError, zipfile.BadZipFile, ValueError, zlib.error) as exc:
            msg = f"member {member!r} is damaged or cut short ({exc}); download it again"
            raise InputError(msg, file=archive) from exc
        if not chunk:
            return
        out += len(chunk)
        _too_big(archive, member, limits, out, packed)
        yield chunk


def read_member(zf: zipfile.ZipFile, member: str, *, archive: str, limits: Limits) -> bytes:
    """Return the bytes of one zip member, refusing it past the caps.

    Examples
    --------
    >>> import io
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("a.csv", "0" * 5000)
    >>> with zipfile.ZipFile(buf) as z:
    ...     read_member(z, "a.csv", archive="p.zip", limits=Limits(max_member_bytes=100))
    Traceback (most recent call last):
    assetmap.errors.InputError: p.zip: member 'a.csv' expands to more than 0 MiB (the cap ...
    """
    try:
        info = zf.getinfo(member)
        _too_big(archive, member, limits, info.file_size, info.compress_size)
        with zf.open(info) as fh:
            return b"".join(_chunks(fh, archive, member, limits, info.compress_size))
    except (KeyError, zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
        msg = f"cannot read member {member!r} of the zip ({exc}); download or zip it again"
        raise InputError(msg, file=archive) from exc


def member_names(zf: zipfile.ZipFile, *, archive: str, limits: Limits) -> list[str]:
    """Return the names of the files in a zip, refusing one with too many."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        msg = (
            f"the zip holds {len(infos):,} files, more than the cap of "
            f"{limits.max_members:,}; if it is genuine, raise it with max_members="
        )
        raise InputError(msg, file=archive)
    return [i.filename for i in infos if not i.is_dir()]


def check_zip(path: Path, *, limits: Limits) -> None:
    """Decompress every member of a zip (discarding it) to check it against the caps.

    For readers that hand the zip to another library (an XLSX workbook, a zipped
    shapefile): a zip that is not one is left for that library to refuse.
    """
    archive = str(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError):  # a name not UTF-8
        return
    with zf:
        for name in member_names(zf, archive=archive, limits=limits):
            info = zf.getinfo(name)
            _too_big(archive, name, limits, info.file_size, info.compress_size)
            try:
                with zf.open(info) as fh:
                    for _ in _chunks(fh, archive, name, limits, info.compress_size):
                        pass
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
                msg = f"cannot read member {name!r} of the zip ({exc}); zip it again"
                raise InputError(msg, file=archive) from exc


def copy_decompressed(path: Path, dest: Path, *, limits: Limits) -> None:
    """Write the decompressed ``.gz`` or ``.bz2`` file ``path`` to ``dest`` under the caps.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.osm.gz").write_bytes(gzip.compress(b"<osm/>"))
    >>> copy_decompressed(d / "a.osm.gz", d / "a.osm", limits=Limits())
    >>> (d / "a.osm").read_bytes()
    b'<osm/>'
    """
    opener = bz2.open if path.name.lower().endswith(".bz2") else gzip.open
    packed = path.stat().st_size
    member = path.name.rsplit(".", 1)[0]
    with opener(path, "rb") as src, dest.open("wb") as out:
        for chunk in _chunks(src, str(path), member, limits, packed):
            out.write(chunk)


def is_compressed(path: Path) -> bool:
    """Whether ``path`` is named as a ``.gz`` or ``.bz2`` file."""
    return path.name.lower().endswith((".gz", ".bz2"))
