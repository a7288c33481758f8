"""Print an HTML file to PDF with a local Chromium, reproducibly."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from assetmap.errors import AssetmapError

__all__ = ["find_chromium", "html_to_pdf"]

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """Return the path of a Chromium/Chrome executable, or None.

    ``ASSETMAP_CHROMIUM`` names one explicitly.
    """
    env = os.environ.get("ASSETMAP_CHROMIUM")
    if env and Path(env).exists():
        return env
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


_DATES = re.compile(rb"/(CreationDate|ModDate) ?\(D:[0-9+\-Z']+\)")


def _fixed_date(m: re.Match[bytes]) -> bytes:
    """Replace a PDF date with a constant of the same length (xref offsets stay valid)."""
    whole = m.group(0)
    key = b"/" + m.group(1)
    head = whole[: whole.index(b"(D:") + 3]
    body_len = len(whole) - len(head) - 1
    const = b"20000101000000Z"[:body_len].ljust(body_len, b"0")
    assert head.startswith(key)
    return head + const + b")"


def _run(cmd: list[str], src: Path, *, timeout: float | None) -> None:
    """Run Chromium in its own process group; on timeout kill the whole group."""
    limit = timeout if timeout is not None else float(os.environ.get("ASSETMAP_PDF_TIMEOUT", 120))
    try:
        proc = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
    except OSError as exc:
        msg = f"Chromium could not be started to print {src.name} to PDF ({exc})"
        raise AssetmapError(msg) from exc
    try:
        _, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # Chromium's helpers hold the pipes open
        proc.communicate()
        msg = f"Chromium took longer than {limit:g} s to print {src.name} to PDF"
        raise AssetmapError(msg) from None
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        msg = f"Chromium could not print {src.name} to PDF (exit {proc.returncode}: {tail[0]})"
        raise AssetmapError(msg)


def html_to_pdf(html: str | Path, pdf: str | Path, *, timeout: float | None = None) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium.

    The PDF's creation and modification dates are replaced with a constant so the same
    report gives the same bytes.

    Parameters
    ----------
    html, pdf : str or Path
    timeout : float, optional
        Seconds before giving up and killing Chromium with every process it started
        (default: ``ASSETMAP_PDF_TIMEOUT`` from the environment, else 120).

    Returns
    -------
    Path

    Raises
    ------
    AssetmapError
        When no Chromium is installed or printing fails.
    """
    exe = find_chromium()
    if exe is None:
        msg = "no Chromium found to print the PDF; install it (sudo apt-get install chromium)"
        raise AssetmapError(msg)
    src = Path(html).resolve()
    out = Path(pdf).resolve()
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            src.as_uri(),
        ]
        _run(cmd, src, timeout=timeout)
    if not out.exists() or out.stat().st_size == 0:
        msg = f"Chromium wrote no PDF for {src.name}"
        raise AssetmapError(msg)
    out.write_bytes(_DATES.sub(_fixed_date, out.read_bytes()))
    return out
