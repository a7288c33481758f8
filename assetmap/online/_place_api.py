"""The Census Data API requests of a place lookup: the query, the answer, the cache.

Internal to :mod:`assetmap.online.places`: :func:`api_query` writes the ``get``/``for``/``in``
query as the Census documents it, :func:`fetch_answer` returns an answer from the cache or
the API (validated, the key redacted), :func:`answer_rows` reads it as dicts and
:func:`offline_message` says what to run when an answer is missing offline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import quote

from assetmap import settings
from assetmap.errors import ConfigError, FetchError
from assetmap.online import census
from assetmap.online._http import HTTPStatusError, download, redact
from assetmap.online.cache import Cache, CacheKey

__all__ = [
    "FIELDS",
    "PART",
    "POPULATION",
    "answer_rows",
    "head_count",
    "fetch_answer",
    "offline_message",
    "api_query",
]

#: Total population (ACS table B01003), asked for each place and each county part.
POPULATION = "B01003_001E"
#: The variables asked for each place and each county part.
FIELDS = f"NAME,{POPULATION}"
#: The Census geography of a place's part in one county (summary level 155).
PART = "county (or part)"


def _url(year: int) -> str:
    return f"{settings.census_api_url.rstrip('/')}/{int(year)}/acs/acs5"


def api_query(geo_for: str, geo_in: str) -> str:
    """Return the ``get``/``for``/``in`` query of a place lookup (without the key)."""
    # As the Census documents it: spaces as %20, parentheses, colons and stars kept.
    return "&".join(
        f"{k}={quote(v, safe=':*,()')}"
        for k, v in (("get", FIELDS), ("for", geo_for), ("in", geo_in))
    )


def answer_rows(data: bytes, geo: Sequence[str]) -> list[dict[str, str]]:
    """Rows of an API answer as dicts; ``ValueError`` when it is not such a table."""
    rows = census.table_rows(data)
    header = [str(h) for h in rows[0]]
    missing = [c for c in ("NAME", POPULATION, *geo) if c not in header]
    if missing:
        msg = f"the answer has no {', '.join(missing)} column"
        raise ValueError(msg)
    return [
        {h: "" if v is None else str(v) for h, v in zip(header, r, strict=True)} for r in rows[1:]
    ]


def head_count(value: str) -> int:
    """Read a population count; 0 for no estimate (negative sentinels, empty cells)."""
    try:
        n = int(float(value))
    except (ValueError, OverflowError):
        return 0
    return max(n, 0)  # negative values are the API's "no estimate" sentinels


def _validator(geo: Sequence[str]) -> Callable[[bytes], None]:
    def validate(data: bytes) -> None:
        if data.lstrip()[:1] == b"<":
            census.check_answer(data)  # the "Invalid Key" page: one clear ConfigError
        answer_rows(data, geo)

    return validate


def _explain(exc: HTTPStatusError, year: int, what: str) -> str:
    body = exc.body.strip().lower()
    if "geograph" in body:
        return (
            f"The Census API could not answer for {what} in the {year} ACS 5-year "
            f"estimates ({exc.body.strip()[:120]}); try another --year, or use --county."
        )
    req = census.AcsRequest("acs/acs5", (POPULATION,), "", "tract", int(year))
    return census.explain_refusal(exc, req)


def fetch_answer(
    key: CacheKey,
    query: str,
    *,
    geo: Sequence[str],
    what: str,
    year: int,
    api_key: str,
    cache: Cache,
    progress: bool,
) -> bytes:
    """Return the answer for ``key``: cached, else downloaded, validated and cached."""
    path = cache.get(key)
    if path is None:
        try:
            got = download(
                f"{_url(year)}?{query}",
                params={"key": api_key},
                what=what,
                validate=_validator(geo),
                secrets=(api_key,),
                progress=progress,
            )
        except HTTPStatusError as exc:
            raise ConfigError(_explain(exc, year, what)) from None
        if not got.content.strip():
            msg = f"The Census API returned nothing for {what} in {year}; try another --year."
            raise FetchError(msg)
        path = cache.put_bytes(
            key,
            got.content,
            url=redact(got.url, (api_key,)),
            retrieved=got.retrieved,
            content_type=got.content_type,
            licence="public domain (US Census Bureau)",
        )
    return path.read_bytes()


def offline_message(raw: str, key: CacheKey, what: str, year: int, root: Path) -> str:
    """Say which answer is missing from the cache and the command that downloads it."""
    return (
        f"Offline, and the Census API's list of {what.removeprefix('the ')} (ACS {year}) is "
        f'not in the cache {root}; run `assetmap fetch --place "{raw}" --year {year}` '
        f"while online first. Missing: {key.describe()[:140]}"
    )
