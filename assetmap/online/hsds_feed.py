"""Download a whole Open Referral HSDS feed: a zip package or a paged HSDS 3 API.

Coalitions are handed an "HSDS feed URL" in one of three shapes:

* a data package (``.zip`` of CSV tables and ``datapackage.json``), downloaded as is;
* a JSON file of nested service objects, downloaded as is;
* an HSDS 3 API (Open Referral API reference): the root ``/`` answers its ``version``,
  ``/services`` answers *pages* (``total_pages``, ``page_number``, ``last_page``,
  ``contents``) of services that carry only one-to-one fields unless asked for
  ``full=true``, and ``/services/{id}`` answers one fully nested service.

:func:`download_hsds` turns any of them into the bytes the HSDS reader
(:func:`assetmap.read_hsds`) takes: the zip as is, or one JSON document
``{"contents": [...]}`` of every fully nested service. Pages are followed to the last
one (bounded, so a server that always says "more" cannot loop forever), services that
arrive without their locations are completed from ``/services/{id}``, and every page is
checked to be whole JSON (a truncated page is asked for again, never kept).
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from assetmap.errors import FetchError
from assetmap.online._http import download

__all__ = ["HsdsDownload", "download_hsds"]

log = logging.getLogger(__name__)

MAX_PAGES = 2000
"""Pages followed at most (at the spec's default 50 per page: 100,000 services)."""

MAX_DETAILS = 20000
"""Services completed one by one from ``/services/{id}`` at most."""


@dataclass(frozen=True)
class HsdsDownload:
    """A downloaded feed.

    Attributes
    ----------
    content : bytes
        The zip package, or JSON ``{"contents": [services...]}``.
    url : str
        The URL asked for (redacted).
    retrieved : str
        UTC time of the first answer, ISO 8601.
    content_type : str
        ``application/zip`` or ``application/json``.
    pages : int
        API pages read (0 for a file).
    services : int
        Services in the JSON (0 for a zip).
    """

    content: bytes
    url: str
    retrieved: str
    content_type: str
    pages: int = 0
    services: int = 0


def _json(data: bytes) -> None:
    json.loads(data.decode("utf-8-sig"))


def _with_query(url: str, **params: str) -> str:
    parts = urlparse(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(params)
    return urlunparse(parts._replace(query=urlencode(query)))


def _base(url: str) -> str:
    """Return the API root of a ``…/services`` URL."""
    parts = urlparse(url)
    path = parts.path.rstrip("/")
    if path.endswith("/services"):
        path = path[: -len("/services")]
    return urlunparse(parts._replace(path=path, query="", fragment=""))


def _is_page(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("contents"), list)


def _is_root(doc: Any) -> bool:
    return isinstance(doc, dict) and "contents" not in doc and "version" in doc


def _nested(service: Any) -> bool:
    return isinstance(service, dict) and (
        "service_at_locations" in service or "locations" in service
    )


def _total_pages(doc: dict[str, Any]) -> int | None:
    try:
        return int(doc["total_pages"])
    except (KeyError, TypeError, ValueError):
        return None


def download_hsds(url: str, *, progress: bool = False) -> HsdsDownload:
    """Download an HSDS feed (zip, JSON file or paged HSDS 3 API) as one document.

    Parameters
    ----------
    url : str
        A ``.zip`` package, a JSON file of services, an HSDS 3 API root or its
        ``/services`` endpoint (query parameters such as ``taxonomy_term_id`` are kept).
    progress : bool
        Progress bars (only on a terminal).

    Returns
    -------
    HsdsDownload

    Raises
    ------
    FetchError
        When the answer is neither a zip nor HSDS JSON, or a page keeps failing.

    Examples
    --------
    >>> import responses
    >>> with responses.RequestsMock() as rsps:
    ...     _ = rsps.get("https://hsds.example.org/services", json={
    ...         "total_pages": 1, "page_number": 1, "last_page": True,
    ...         "contents": [{"id": "s1", "name": "Pantry", "service_at_locations": []}]})
    ...     got = download_hsds("https://hsds.example.org/services")
    >>> got.services, got.pages
    (1, 1)
    """
    first = download(url, what="HSDS feed", progress=progress)
    if first.content[:2] == b"PK":
        return HsdsDownload(first.content, first.url, first.retrieved, "application/zip")
    try:
        doc = json.loads(first.content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = (
            f"The HSDS feed at {urlparse(url).netloc} is neither a zip package nor JSON "
            f"({exc.__class__.__name__}); give the URL of the package (.zip), a services "
            "JSON file, or an HSDS 3 API (its root or /services)."
        )
        raise FetchError(msg) from exc
    services_url = url
    if _is_root(doc):
        services_url = _base(url) + "/services"
        log.info("HSDS API %s (version %s): reading /services", url, doc.get("version"))
        doc = None
    if doc is None or (_is_page(doc) and not all(map(_nested, doc["contents"]))):
        # List pages carry one-to-one fields only unless asked for the full nesting.
        if "full" not in dict(parse_qsl(urlparse(services_url).query)):
            services_url = _with_query(services_url, full="true")
        got = download(services_url, what="HSDS services page 1", validate=_json)
        doc = json.loads(got.content.decode("utf-8-sig"))
    if isinstance(doc, list):
        return _result(doc, first.url, first.retrieved, pages=0)
    if not _is_page(doc):
        msg = (
            f"The HSDS feed at {urlparse(url).netloc} answered JSON that is not a list of "
            "services nor an HSDS API page (no 'contents'); check the URL."
        )
        raise FetchError(msg)
    services, pages = _follow_pages(doc, services_url, progress=progress)
    services = _complete(services, _base(services_url), progress=progress)
    return _result(services, first.url, first.retrieved, pages=pages)


def _follow_pages(doc: dict[str, Any], url: str, *, progress: bool) -> tuple[list[Any], int]:
    services: list[Any] = list(doc["contents"])
    total = _total_pages(doc)
    start = int(doc.get("page_number") or 1)
    page, pages = start, 1
    from tqdm import tqdm

    show = progress and sys.stderr.isatty()
    with tqdm(total=total, initial=1, desc="HSDS pages", disable=not show, leave=False) as bar:
        while True:
            more = (page < total) if total is not None else not doc.get("last_page", True)
            if not more or not doc["contents"]:
                break
            if pages >= MAX_PAGES:
                log.warning("HSDS feed: stopped after %d pages (the limit)", MAX_PAGES)
                break
            page += 1
            got = download(
                _with_query(url, page=str(page)), what=f"HSDS services page {page}", validate=_json
            )
            doc = json.loads(got.content.decode("utf-8-sig"))
            if not _is_page(doc):
                msg = f"HSDS feed page {page} is not an API page (no 'contents'); check the URL."
                raise FetchError(msg)
            services.extend(doc["contents"])
            pages += 1
            bar.update(1)
    if total is not None and pages < total:
        log.warning("HSDS feed: read %d of %d pages", pages, total)
    return services, pages


def _complete(services: list[Any], base: str, *, progress: bool) -> list[Any]:
    """Fetch ``/services/{id}`` for services that came without their locations."""
    bare = [i for i, s in enumerate(services) if not _nested(s) and isinstance(s, dict)]
    if not bare:
        return services
    if len(bare) > MAX_DETAILS:
        msg = (
            f"The HSDS API lists {len(bare):,} services without their locations even with "
            f"full=true; more than {MAX_DETAILS:,} to fetch one by one. Ask the publisher for "
            "a data package (.zip) instead."
        )
        raise FetchError(msg)
    from tqdm import tqdm

    show = progress and sys.stderr.isatty()
    out = list(services)
    for i in tqdm(bare, desc="HSDS services", disable=not show, leave=False):
        sid = str(services[i].get("id", "")).strip()
        if not sid:
            continue
        got = download(f"{base}/services/{sid}", what=f"HSDS service {sid}", validate=_json)
        out[i] = json.loads(got.content.decode("utf-8-sig"))
    return out


def _result(services: list[Any], url: str, retrieved: str, *, pages: int) -> HsdsDownload:
    body = json.dumps({"contents": services}, ensure_ascii=False, sort_keys=True)
    return HsdsDownload(
        body.encode("utf-8"),
        url,
        retrieved,
        "application/json",
        pages=pages,
        services=len(services),
    )
