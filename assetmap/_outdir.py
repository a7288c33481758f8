"""An output folder that is never destroyed: checks, a lock, a staged sibling and a swap.

A build writes into a temporary sibling of the output folder (``.<name>.assetmap-new-*``,
same parent, so the same file system) and puts it in place only when complete. On Linux
the two folders are exchanged atomically (``renameat2`` with ``RENAME_EXCHANGE``);
elsewhere the old folder is first renamed to ``.<name>.assetmap-old``, and the next run
puts it back when the swap was interrupted (:func:`recover`). A lock file beside the
folder (``.<name>.assetmap.lock``) keeps a second build out while one is writing.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assetmap.errors import ConfigError

log = logging.getLogger(__name__)

__all__ = [
    "carry_over",
    "check_output_folder",
    "folder_lock",
    "lock_path",
    "new_stage",
    "previous_manifest",
    "recover",
    "swap_into_place",
]


def _sibling(out: Path, tag: str) -> Path:
    return out.parent / f".{out.name}.assetmap-{tag}"


def lock_path(out: str | Path) -> Path:
    """Return the lock file of the output folder ``out``: ``.<name>.assetmap.lock`` beside it."""
    p = Path(out)
    return p.parent / f".{p.name}.assetmap.lock"


def previous_manifest(out: str | Path) -> dict[str, dict[str, Any]] | None:
    """Return the manifest of an earlier build in ``out`` by relative path (None: no build)."""
    prov = Path(out) / "provenance.json"
    try:
        data = json.loads(prov.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    rows = data.get("manifest") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        return None
    return {str(r["path"]): r for r in rows if isinstance(r, dict) and "path" in r}


def _existing_ancestor(p: Path) -> Path:
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_output_folder(out: str | Path, *, inputs: Iterable[str | Path] = ()) -> Path:
    """Refuse an output folder a build could damage, in one sentence; return it as a Path.

    Refused: a file, or a path under one; a folder (or its parent) that is not
    writable; the folder of an input file or one of its ancestors (the project folder
    included, when the project file is among ``inputs``); a folder that already holds
    files but no earlier assetmap build (no ``provenance.json`` with a manifest).

    Raises
    ------
    ConfigError
    """
    p = Path(out).expanduser()
    if p.exists() and not p.is_dir():
        msg = f"the output folder {p} is a file; name a folder (new or from an earlier build)"
        raise ConfigError(msg)
    where = p.resolve()
    for name in inputs:
        f = Path(name).expanduser().resolve()
        if f == where or where in f.parents:
            msg = (
                f"the output folder {p} holds the input file {f}, which the outputs could "
                "overwrite; choose a new or empty folder for the outputs"
            )
            raise ConfigError(msg)
    parent = _existing_ancestor(p.parent)
    if not parent.is_dir():
        msg = f"the output folder {p} cannot be made, because {parent} is a file; choose another"
        raise ConfigError(msg)
    for d in {parent, *([p] if p.exists() else [])}:
        if not os.access(d, os.W_OK | os.X_OK):
            msg = f"the output folder {p} cannot be written ({d} is read-only); choose another"
            raise ConfigError(msg)
    if p.is_dir() and previous_manifest(p) is None:
        found = sorted(q.name for q in p.iterdir())
        if found:
            msg = (
                f"the output folder {p} already holds files assetmap did not write (e.g. "
                f"{found[0]}); choose a new or empty folder, or one an earlier build wrote"
            )
            raise ConfigError(msg)
    return p


def _alive(holder: dict[str, Any]) -> bool:
    """Whether the build that wrote a lock may still be running."""
    if holder.get("host") != socket.gethostname():
        return True  # another machine: we cannot tell
    try:
        os.kill(int(holder.get("pid", -1)), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, OverflowError):
        return True
    return True


def _read_lock(lock: Path) -> dict[str, Any]:
    try:
        data = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _take_lock(lock: Path, out: Path) -> dict[str, Any]:
    """Create ``lock`` with this process's pid, host and start time, atomically."""
    mine = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.assetmap-lock-", dir=lock.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(mine, f)
    try:
        for _ in range(3):
            try:
                os.link(tmp, lock)  # fails when the lock exists: no window with an empty file
                return mine
            except FileExistsError:
                holder = _read_lock(lock)
                if not holder or _alive(holder):
                    msg = (
                        f"another assetmap build (pid {holder.get('pid', '?')}, started "
                        f"{holder.get('started', '?')} on {holder.get('host', '?')}) is writing "
                        f"{out}; wait for it to finish, or delete {lock} if it is not running"
                    )
                    raise ConfigError(msg) from None
                log.warning(
                    "taking over the lock of a build that is no longer running (pid %s, "
                    "started %s): %s",
                    holder.get("pid"),
                    holder.get("started"),
                    lock,
                )
                lock.unlink(missing_ok=True)
        msg = f"could not lock the output folder {out}; delete {lock} and try again"
        raise ConfigError(msg)
    finally:
        os.unlink(tmp)


@contextmanager
def folder_lock(out: str | Path) -> Iterator[None]:
    """Hold the lock file of the output folder ``out`` while the block runs.

    A second build into the same folder stops with a :class:`ConfigError` naming the
    first (pid, start time, host); a lock left by a build that died on this host is taken
    over with a warning.
    """
    p = Path(out)
    lock = lock_path(p)
    mine = _take_lock(lock, p)
    try:
        yield
    finally:
        if _read_lock(lock).get("pid") == mine["pid"]:
            lock.unlink(missing_ok=True)


def recover(out: str | Path) -> None:
    """Finish or undo a swap that an earlier run left half done; remove its staging folders."""
    p = Path(out)
    old = _sibling(p, "old")
    if old.exists():
        if p.exists():
            shutil.rmtree(old)  # the new outputs are in place
        else:
            os.rename(old, p)
            log.warning("an earlier build was interrupted; its previous outputs are back in %s", p)
    for stale in p.parent.glob(f".{glob.escape(p.name)}.assetmap-new-*"):
        shutil.rmtree(stale, ignore_errors=True)


def new_stage(out: str | Path) -> Path:
    """Create the empty temporary sibling folder a build writes into."""
    p = Path(out)
    return Path(tempfile.mkdtemp(prefix=f".{p.name}.assetmap-new-", dir=p.parent))


def carry_over(out: str | Path, stage: Path, previous: dict[str, dict[str, Any]]) -> list[str]:
    """Copy into ``stage`` the files of ``out`` that no build wrote (a user's notes).

    A file whose name the new build also wrote is kept as ``<name>.previous``.

    Returns
    -------
    list of str
        The relative paths carried over.
    """
    p = Path(out)
    kept: list[str] = []
    if not p.is_dir():
        return kept
    for f in sorted(p.rglob("*")):
        rel = f.relative_to(p).as_posix()
        if f.is_dir() or rel in previous or rel == "provenance.json":
            continue
        dest = stage / rel
        if dest.exists() or dest.is_symlink():
            log.warning("%s is also a new output; your file is kept as %s.previous", rel, rel)
            dest = dest.with_name(dest.name + ".previous")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, dest, follow_symlinks=False)
        kept.append(rel)
    return kept


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux ``renameat2``; False when it is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # glibc < 2.28
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_into_place(stage: Path, out: str | Path) -> None:
    """Put the complete folder ``stage`` in place of ``out``; the old folder is deleted."""
    p = Path(out)
    if not p.exists():
        os.rename(stage, p)
        return
    if _exchange(stage, p):
        shutil.rmtree(stage)  # now the old outputs
        return
    old = _sibling(p, "old")
    os.rename(p, old)
    os.rename(stage, p)
    shutil.rmtree(old)
