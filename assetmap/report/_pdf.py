"""Print an HTML file to PDF with a local Chromium, reproducibly."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assetmap.errors import AssetmapError

__all__ = ["find_chromium", "html_to_pdf", "print_copy", "run_date"]

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


def run_date(provenance: dict[str, Any]) -> str:
    """Return the date of the run for the printed report: the run record's, else today's.

    Examples
    --------
    >>> run_date({"run": {"run_at": "2026-12-05T07:54:46+00:00"}})
    '2026-12-05'
    """
    run = provenance.get("run")
    when = run.get("run_at") if isinstance(run, dict) else None
    if isinstance(when, str) and _ISO_DATE.match(when):
        return when[:10]
    return datetime.now(UTC).date().isoformat()


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_HEAD_END = re.compile(r"</head>", re.IGNORECASE)


def print_copy(html: str, run_date: str | None) -> str:
    """Return the HTML to print: ``html`` with the run date in every page's bottom margin.

    The date goes only into this copy (a print style sheet), never into ``report.html``,
    whose body stays byte-identical across runs. Only the date part (``YYYY-MM-DD``) of
    ``run_date`` is used; without one the HTML is returned unchanged.

    Examples
    --------
    >>> print_copy("<head></head>", "2026-12-05T07:54:46+00:00")[:60]
    '<head><style>@page { @bottom-left { content: "Run date 2026-'
    >>> print_copy("<head></head>", None)
    '<head></head>'
    """
    if not run_date or not _ISO_DATE.match(run_date):
        return html
    style = (
        '<style>@page { @bottom-left { content: "Run date '
        + run_date[:10]
        + '"; font: 8pt system-ui, sans-serif; color: #555; } }</style>'
    )
    return _HEAD_END.sub(lambda _: style + "</head>", html, count=1)


def html_to_pdf(
    html: str | Path,
    pdf: str | Path,
    *,
    timeout: float | None = None,
    run_date: str | None = None,
) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium.

    The PDF's creation and modification dates are replaced with a constant so the same
    report gives the same bytes (the same day's run: the run date is printed).

    Parameters
    ----------
    html, pdf : str or Path
    timeout : float, optional
        Seconds before giving up and killing Chromium with every process it started
        (default: ``ASSETMAP_PDF_TIMEOUT`` from the environment, else 120).
    run_date : str, optional
        The run's date or time stamp (ISO 8601, e.g. provenance's ``run.run_at``), printed
        as "Run date YYYY-MM-DD" at the foot of every page. It goes into a copy of the
        HTML that is printed, not into ``html`` itself. None prints no date.

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
        page = src
        if run_date:
            page = Path(profile) / "print" / src.name
            page.parent.mkdir()
            text = print_copy(src.read_text(encoding="utf-8"), run_date)
            page.write_text(text, encoding="utf-8")
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
            page.as_uri(),
        ]
        _run(cmd, src, timeout=timeout)
    if not out.exists() or out.stat().st_size == 0:
        msg = f"Chromium wrote no PDF for {src.name}"
        raise AssetmapError(msg)
    out.write_bytes(_DATES.sub(_fixed_date, out.read_bytes()))
    return out
