"""The ``census`` package's HTTP session, made of assetmap's downloads and cache.

:class:`census.Census` asks the Census Data API through a ``session`` object and only
calls ``session.get(url, params=...)`` (plus ``session.headers.update``); it reads
``status_code``, ``text`` and ``json()`` of the answer. :class:`CensusSession` is such a
session, so the package keeps the API's semantics (endpoints, the ``get``/``for``/``in``
query, casting by each variable's type) while every byte comes through
:func:`assetmap.online._http.download` (timeouts, bounded retries with backoff, truncated
or unreadable answers asked again and never returned, the key redacted everywhere) and
:class:`assetmap.online.cache.Cache` (checksummed, atomic entries):

* every answer is cached under a key made from the URL path and the parameters without
  the key (:func:`answer_key`): a table under the name assetmap has always used for it
  (``census/2023/25019/acs5-tract-b01001_001e-…json``), a variable's description
  (``/variables/B01001_001E.json``, which the package asks for each column's type) under
  ``census/<year>/us/acs5-variable-…``, so a second run asks nothing;
* the key is the session's own, read only when something must be downloaded; whatever
  key the package holds is dropped, so it never reaches a cache key, a manifest or a log;
* offline, only the cache answers: a missing table is noted in :attr:`CensusSession.missing`
  (and answered as "no rows") so the caller can list every missing entry at once; a
  missing variable description is answered "unknown" (the package then keeps that
  column as text, which assetmap parses to numbers all the same), so caches written
  before the descriptions were kept still rebuild offline.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from assetmap import settings
from assetmap.errors import ConfigError
from assetmap.online._http import HTTPStatusError, download, redact
from assetmap.online.cache import Cache, CacheKey

__all__ = ["CensusAnswer", "CensusSession", "answer_key", "check_key_page"]

log = logging.getLogger(__name__)

#: Where the ``census`` package sends every request (rewritten to ``settings.census_api_url``).
PACKAGE_BASE = "https://api.census.gov/data"
LICENCE = "public domain (US Census Bureau)"
KEY_MESSAGE = (
    "The Census API did not accept the API key (it answered with its 'Invalid "
    "Key' page). Check CENSUS_API_KEY or the key file for a typo, and activate "
    "a new key with the link in the Census Bureau's e-mail (keys expire unused "
    "after 48 hours): https://api.census.gov/data/key_signup.html"
)
_PATH = re.compile(r"^(\d{4})/(.+?)(?:/variables/([^/]+)\.json)?$")


def check_key_page(data: bytes) -> None:
    """Raise the key's :class:`~assetmap.errors.ConfigError` for the API's key pages.

    The API answers a wrong or missing key with an HTML page ("Invalid Key", "Missing
    Key") and HTTP 200; other HTML raises ``ValueError`` (a foreign or cut answer, worth
    asking again).

    Examples
    --------
    >>> check_key_page(b"<html><title>Invalid Key</title>A valid key must be included</html>")
    Traceback (most recent call last):
    ...
    assetmap.errors.ConfigError: The Census API did not accept the API key ...
    """
    stripped = data.lstrip()
    if stripped[:1] != b"<":
        return
    head = stripped[:4000].lower()
    if b"key" in head and (b"invalid" in head or b"missing" in head):
        raise ConfigError(KEY_MESSAGE)
    msg = "an HTML page came back instead of data"
    raise ValueError(msg)


def _validate_variable(data: bytes) -> None:
    check_key_page(data)
    if not isinstance(json.loads(data), dict):
        msg = "not a Census API variable description (a JSON object)"
        raise ValueError(msg)


@dataclass(frozen=True)
class _Asked:
    """What one request asks, read from its URL and parameters."""

    variable: str | None
    key: CacheKey
    what: str


def _parse(url: str, params: Mapping[str, str]) -> _Asked:
    base = settings.census_api_url.rstrip("/")
    if url.startswith(base):
        rel = url[len(base) :].strip("/")
    else:
        rel = urlparse(url).path.removeprefix("/data").strip("/")
    m = _PATH.match(rel)
    if m is None:
        query = rel + " " + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        return _Asked(None, CacheKey("census", "any", "us", query, "json"), "the Census API")
    year, dataset, variable = m.groups()
    name = dataset.replace("acs/", "").replace("/", "-")
    ds = dataset.split("/")[-1]
    if variable is not None:
        key = CacheKey("census", year, "us", f"{name} variable {variable}", "json")
        return _Asked(variable, key, f"the type of ACS {year} {ds} {variable}")
    where = dict(p.split(":", 1) for p in params.get("in", "").split(" ") if ":" in p)
    geography = where.get("state", "") + where.get("county", "") or "us"
    level = params.get("for", "").split(":")[0].replace(" ", "-")
    fields = params.get("get", "").split(",")
    rest = {k: v for k, v in params.items() if k not in ("get", "for", "in")}
    if fields[:1] == ["NAME"] and not rest:  # the form assetmap plans (NAME, then variables)
        query = f"{name} {level} " + ",".join(fields[1:])
    else:
        query = f"{name} {level} " + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    survey = f"ACS {year} {ds}" if dataset.startswith("acs/") else f"{year} Census {dataset}"
    what = f"{survey} {level}s of {geography}"
    return _Asked(None, CacheKey("census", year, geography, query, "json"), what)


def answer_key(url: str, params: Mapping[str, str]) -> CacheKey:
    """Return the cache entry of a Census API request: URL path and parameters, not the key.

    Examples
    --------
    >>> url = "https://api.census.gov/data/2023/acs/acs5"
    >>> params = {"get": "NAME,B01001_001E,B01001_001M", "for": "tract:*",
    ...           "in": "state:25 county:019", "key": "secret"}
    >>> answer_key(url, params).describe()
    'census 2023 25019: acs5 tract B01001_001E,B01001_001M'
    >>> answer_key(url + "/profile/variables/DP03_0005E.json", {"key": "x"}).describe()
    'census 2023 us: acs5-profile variable DP03_0005E'
    """
    return _parse(_our_url(url), _without_key(params)).key


def _our_url(url: str) -> str:
    if url.startswith(PACKAGE_BASE):
        return settings.census_api_url.rstrip("/") + url[len(PACKAGE_BASE) :]
    return url


def _without_key(params: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (params or {}).items() if str(k).lower() != "key"}


class CensusAnswer:
    """What :meth:`CensusSession.get` returns: the parts of a ``requests.Response`` used.

    Attributes
    ----------
    status_code : int
    content : bytes
    """

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content

    @property
    def text(self) -> str:
        """The body as text."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Return the body parsed as JSON (``ValueError`` when it is not)."""
        return json.loads(self.content)

    def __repr__(self) -> str:
        return f"CensusAnswer({self.status_code}, {len(self.content)} bytes)"


class CensusSession:
    """A session for :class:`census.Census`: assetmap's downloads, cache and key.

    Parameters
    ----------
    cache : Cache
    key : callable
        Returns the API key; called once, and only when something must be downloaded.
    validate : callable
        Checks a table's bytes (``ValueError``: cut or foreign, ask again; an assetmap
        error: stop, such as the key page).
    offline : bool
        Answer from the cache only, noting missing tables in :attr:`missing`.
    progress : bool
        Progress bars for downloads (on a terminal).

    Attributes
    ----------
    missing : list of CacheKey
        Tables asked for offline that the cache does not hold.

    Examples
    --------
    >>> import tempfile
    >>> s = CensusSession(Cache(tempfile.mkdtemp()), key=lambda: "k", offline=True)
    >>> s.get("https://api.census.gov/data/2023/acs/acs5",
    ...       params={"get": "NAME,B01001_001E", "for": "tract:*", "in": "state:25 county:019"})
    CensusAnswer(204, 0 bytes)
    >>> [k.describe() for k in s.missing]
    ['census 2023 25019: acs5 tract B01001_001E']
    """

    def __init__(
        self,
        cache: Cache,
        *,
        key: Callable[[], str],
        validate: Callable[[bytes], None] | None = None,
        offline: bool = False,
        progress: bool = False,
    ) -> None:
        self.cache = cache
        self.offline = offline
        self.progress = progress
        self.missing: list[CacheKey] = []
        self.headers: dict[str, str] = {}  # the package sets its User-Agent here; ours is used
        self._key_source = key
        self._key: str | None = None
        self._validate = validate

    def forget_key(self) -> None:
        """Drop the key read for downloads (a later download reads it again)."""
        self._key = None

    def _api_key(self) -> str:
        if self._key is None:
            self._key = self._key_source()
        return self._key

    def get(self, url: str, params: Mapping[str, Any] | None = None, **_: Any) -> CensusAnswer:
        """Answer a GET from the cache, else download (and cache) it.

        Raises
        ------
        HTTPStatusError
            For a table the API refuses (400 unknown variable, 404 no such vintage, …).
        FetchError
            When passing failures did not pass within the retries.
        ConfigError
            For the API's key page, or when there is no key and something is missing.
        """
        url = _our_url(url)
        query = _without_key(params)
        asked = _parse(url, query)
        path = self.cache.get(asked.key)
        if path is not None:
            rec = self.cache.record(asked.key) or {}
            return CensusAnswer(int(rec.get("status", 200)), path.read_bytes())
        if self.offline:
            if asked.variable is not None:
                log.debug("offline, and %s is not cached; its column is read as text", asked.what)
                return CensusAnswer(404, b"")
            if asked.key not in self.missing:
                self.missing.append(asked.key)
            return CensusAnswer(204, b"")
        return self._download(url, query, asked)

    def _download(self, url: str, query: dict[str, str], asked: _Asked) -> CensusAnswer:
        api_key = self._api_key()
        check = _validate_variable if asked.variable is not None else self._validate
        try:
            got = download(
                url,
                params={**query, "key": api_key},
                what=asked.what,
                validate=check,
                secrets=(api_key,),
                progress=self.progress,
            )
        except HTTPStatusError as exc:
            if asked.variable is None or exc.status != 404:
                raise
            # No description of this name (a geography column such as "tract"): the package
            # keeps the column as text. Kept, so the next run need not ask again.
            body = exc.body.encode("utf-8")
            self.cache.put_bytes(asked.key, body, url=exc.url, status=404, licence=LICENCE)
            return CensusAnswer(404, body)
        if got.status == 204 or not got.content.strip():
            return CensusAnswer(204, b"")  # no such units: said by the caller, never cached
        self.cache.put_bytes(
            asked.key,
            got.content,
            url=redact(got.url, (api_key,)),
            retrieved=got.retrieved,
            content_type=got.content_type,
            licence=LICENCE,
        )
        return CensusAnswer(200, got.content)
