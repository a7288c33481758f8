"""Local copies of the map's JavaScript and CSS, for a map that works without internet.

A saved map carries Leaflet (and Leaflet.markercluster when services are clustered) inside
the page, so that it opens with no internet (``make_map(..., cdn=True)`` links them from a
CDN instead). The files are read from the first place that has them:

1. the folder passed as ``js_dir=`` (an npm ``node_modules`` folder, or any folder laid
   out the same way: ``<package>/<path inside the package>``);
2. the folders in the ``ASSETMAP_JS_DIR`` environment variable (separated like ``PATH``);
3. ``web/`` in assetmap's cache folder (same layout);
4. Python packages that ship them: ``xstatic-leaflet`` and ``xstatic-leaflet-markercluster``,
   dependencies of assetmap (installed with it).

A version other than the one the CDN address names is accepted with a log message (a
patch or minor release of the same library). When a file the study needs is found nowhere,
:class:`~assetmap.errors.OfflineError` lists what is missing and how to get it. Libraries
that only a user's own folium map asks for (jQuery, Bootstrap, icon fonts) are inlined when
found and otherwise left as links, with a warning: the study draws without them.
"""

from __future__ import annotations

import base64
import importlib
import logging
import mimetypes
import os
import re
from pathlib import Path

from assetmap.errors import OfflineError
from assetmap.maps._cdn import CDNFile, resolve_cdn_url, stub_content_type

__all__ = [
    "ENV_VAR",
    "XSTATIC",
    "check_available",
    "find_local_file",
    "inline_code",
    "inline_urls",
    "missing_message",
    "search_dirs",
]

log = logging.getLogger(__name__)

#: Environment variable naming folders with the map's JavaScript libraries.
ENV_VAR = "ASSETMAP_JS_DIR"

#: npm package -> (XStatic module that ships it, prefix of the npm path it drops).
XSTATIC: dict[str, tuple[str, str]] = {
    "leaflet": ("xstatic.pkg.leaflet", "dist/"),
    "leaflet.markercluster": ("xstatic.pkg.leaflet_markercluster", "dist/"),
}

_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_SOURCE_MAP = re.compile(r"^\s*(//|/\*)# sourceMappingURL=.*$", re.MULTILINE)


def _cache_web_dir() -> Path | None:
    try:
        from assetmap.settings import cache_dir
    except ImportError:  # pragma: no cover - settings ship with assetmap
        return None
    return cache_dir() / "web"


def search_dirs(js_dir: str | Path | None = None) -> list[Path]:
    """Return the folders searched for library files, in order (see the module docstring).

    Examples
    --------
    >>> search_dirs("/opt/node_modules")[0].as_posix()
    '/opt/node_modules'
    """
    dirs = [Path(js_dir).expanduser()] if js_dir is not None else []
    env = os.environ.get(ENV_VAR, "")
    dirs += [Path(p).expanduser() for p in env.split(os.pathsep) if p.strip()]
    cache = _cache_web_dir()
    if cache is not None:
        dirs.append(cache)
    return dirs


def _xstatic_file(cdn: CDNFile) -> Path | None:
    if cdn.package not in XSTATIC:
        return None
    module_name, prefix = XSTATIC[cdn.package]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    base = Path(getattr(module, "BASE_DIR", ""))
    path = base / cdn.path.removeprefix(prefix)
    if not path.is_file():
        return None
    version = str(getattr(module, "VERSION", ""))
    if not version.startswith(cdn.version):
        log.info("using %s %s from %s for %s", cdn.package, version, module_name, cdn.url)
    return path


def find_local_file(url: str, dirs: list[Path]) -> Path | None:
    """Return a local copy of the library file a CDN ``url`` points at, or None.

    Parameters
    ----------
    url : str
        A CDN address understood by :func:`assetmap.maps._cdn.resolve_cdn_url`.
    dirs : list of Path
        Folders laid out like ``node_modules``, searched in order before the XStatic
        Python packages.
    """
    cdn = resolve_cdn_url(url)
    if cdn is None:
        return None
    for folder in dirs:
        path = cdn.local_path(folder)
        if path.is_file():
            installed = cdn.installed_version(folder)
            if installed is not None and installed != cdn.version:
                log.info("using %s %s from %s for %s", cdn.package, installed, folder, url)
            return path
    return _xstatic_file(cdn)


def _data_uri(match: re.Match[str], folder: Path) -> str:
    ref = match.group(2).strip()
    if ref.startswith(("data:", "http:", "https:", "#", "/")):
        return match.group(0)
    path = (folder / ref.split("?")[0].split("#")[0]).resolve()
    if not path.is_file():
        return match.group(0)
    ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'url("data:{ctype};base64,{data}")'


def inline_code(url: str, path: Path) -> str:
    """Return a ``<script>`` or ``<style>`` element holding the file ``path``.

    Source-map comments are dropped (the map file is not beside it); images and fonts a
    style sheet refers to by relative address are written in as ``data:`` URIs. A closing
    tag inside the code is escaped so it cannot end the element early.
    """
    code = _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))
    if path.suffix == ".css" or url.split("?")[0].endswith(".css"):
        code = _CSS_URL.sub(lambda m: _data_uri(m, path.parent), code)
        code = re.sub(r"</(style)", r"<\\/\1", code, flags=re.IGNORECASE)
        return f"<style>\n{code}\n</style>"
    code = re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)
    return f"<script>\n{code}\n</script>"


def missing_message(urls: list[str], dirs: list[Path]) -> str:
    """Say which files are missing for a map that works offline and how to get them."""
    cdns = [(url, resolve_cdn_url(url)) for url in urls]
    wanted = [f"{c.package}@{c.version} {c.path}" if c else url for url, c in cdns]
    found = [c for _, c in cdns if c is not None]
    npm = " ".join(sorted({f"{c.package}@{c.version}" for c in found}))
    xstatic = " ".join(
        sorted({"xstatic-" + c.package.replace(".", "-") for c in found if c.package in XSTATIC})
    )
    looked = ", ".join(str(d) for d in dirs) or "(no folders)"
    return (
        f"A map that works offline needs local copies of: {'; '.join(wanted)}. Looked in {looked} "
        f"and in the XStatic Python packages. Get them with one of: "
        f"`pip install {xstatic or 'assetmap'}`; or `npm install {npm} --prefix DIR` "
        f"then pass js_dir='DIR/node_modules' (or set {ENV_VAR}); or copy the files into "
        f"<cache folder>/web/<package>/<path>. Or make the map with cdn=True (`assetmap build "
        f"--cdn`; the page then loads them from the web)."
    )


def check_available(urls: list[str], js_dir: str | Path | None) -> None:
    """Raise :class:`~assetmap.errors.OfflineError` unless every URL has a local copy."""
    dirs = search_dirs(js_dir)
    missing = [u for u in urls if stub_content_type(u) is None and find_local_file(u, dirs) is None]
    if missing:
        msg = missing_message(missing, dirs)
        raise OfflineError(msg)


def inline_urls(
    urls: list[str], js_dir: str | Path | None, *, optional: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Return inline HTML for each URL (``""`` for an unneeded stub), or raise.

    A URL in ``optional`` found nowhere is left out of the answer (the caller keeps its
    link) and named in a warning of the log.

    Raises
    ------
    OfflineError
        Listing every required file found nowhere and how to get it.
    """
    dirs = search_dirs(js_dir)
    out: dict[str, str] = {}
    missing = []
    for url in urls:
        if stub_content_type(url) is not None:
            out[url] = ""  # a style sheet for features assetmap's maps do not use
            continue
        path = find_local_file(url, dirs)
        if path is not None:
            out[url] = inline_code(url, path)
        elif url in optional:
            log.warning("no local copy of %s: the map links it (needs internet)", url)
        else:
            missing.append(url)
    if missing:
        msg = missing_message(missing, dirs)
        raise OfflineError(msg)
    return out
