"""The one place assetmap talks HTTP: timeouts, bounded retries, whole files only.

Every download of an online source goes through :func:`download`:

* one ``requests`` session with our User-Agent and a timeout on every request
  (``assetmap.settings.requests_timeout``);
* passing failures — HTTP 429 and 5xx, timeouts, dropped connections, a body shorter
  than its ``Content-Length``, or bytes the caller's ``validate`` cannot parse — are
  tried again after an exponentially growing wait (``settings.backoff``, doubling up to
  ``settings.backoff_max``, or the server's ``Retry-After`` within that bound), at most
  ``settings.retries`` tries in all, then one :class:`~assetmap.errors.FetchError`
  sentence says what to do;
* nothing is returned (and so nothing is cached) unless it is whole and valid;
* API keys never leave this module in clear: URLs in logs, messages and manifests pass
  through :func:`redact`, and urllib3's debug log is filtered the same way;
* a progress bar per download when asked and when standard error is a terminal.

A form with a file (the Census geocoder's address batches) is sent with :func:`post`,
under the same rules.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlparse

import requests

from assetmap import settings
from assetmap.errors import AssetmapError, FetchError

__all__ = ["Download", "HTTPStatusError", "download", "post", "redact"]

log = logging.getLogger(__name__)

#: HTTP statuses worth asking again: rate limited, or the server (or a gateway) failed.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_REASONS = {
    429: "too many requests (rate limited)",
    500: "internal server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}
_SECRET_PARAM = re.compile(r"(?i)([?&;](?:key|api_key|apikey|token|access_token)=)[^&#\s\"'<>]*")
_SECRETS: set[str] = set()

# Sleeping is looked up here so tests can record the waits instead of waiting.
_sleep = time.sleep


def remember_secret(secret: str) -> None:
    """Register a secret (an API key) so :func:`redact` removes it wherever it appears."""
    if secret and len(secret) >= 6:
        _SECRETS.add(secret)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace API keys in ``text`` (URL parameters and known secrets) with ``REDACTED``.

    Examples
    --------
    >>> redact("https://api.census.gov/data/2023/acs/acs5?get=NAME&key=abc123&for=tract:*")
    'https://api.census.gov/data/2023/acs/acs5?get=NAME&key=REDACTED&for=tract:*'
    """
    out = _SECRET_PARAM.sub(r"\1REDACTED", str(text))
    for s in (*_SECRETS, *secrets):
        if s:
            out = out.replace(s, "REDACTED")
    return out


class _RedactFilter(logging.Filter):
    """Redact keys from log records of libraries that log full URLs (urllib3 at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        record.msg = redact(record.msg) if isinstance(record.msg, str) else record.msg
        return True


for _name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
    _lg = logging.getLogger(_name)
    if not any(isinstance(f, _RedactFilter) for f in _lg.filters):
        _lg.addFilter(_RedactFilter())


class HTTPStatusError(FetchError):
    """The server answered with an HTTP error that asking again will not fix.

    Attributes
    ----------
    status : int
    url : str
        Redacted.
    body : str
        The start of the answer (redacted), for the caller to interpret.
    """

    def __init__(self, message: str, *, status: int, url: str, body: str) -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        self.body = body


@dataclass(frozen=True)
class Download:
    """A whole, validated answer.

    Attributes
    ----------
    content : bytes
    url : str
        The final URL, redacted.
    status : int
    headers : dict
    retrieved : str
        UTC time of the answer, ISO 8601.
    """

    content: bytes
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    retrieved: str = ""

    @property
    def content_type(self) -> str:
        """The media type without parameters (``application/json``)."""
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()


_session: requests.Session | None = None


def session() -> requests.Session:
    """Return the shared requests session (created on first use)."""
    global _session
    if _session is None:
        s = requests.Session()
        s.headers["User-Agent"] = settings.user_agent
        _session = s
    return _session


class _Retry(Exception):
    """A passing failure: ask again after a wait."""

    def __init__(self, reason: str, *, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _read(resp: requests.Response, *, what: str, progress: bool) -> bytes:
    total = resp.headers.get("Content-Length")
    expected = int(total) if total and total.isdigit() else None
    show = progress and sys.stderr.isatty()
    buf = io.BytesIO()
    from tqdm import tqdm

    with tqdm(
        total=expected, unit="B", unit_scale=True, desc=what, disable=not show, leave=False
    ) as bar:
        for chunk in resp.iter_content(chunk_size=1 << 16):
            buf.write(chunk)
            bar.update(len(chunk))
    data = buf.getvalue()
    encoded = resp.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    if expected is not None and not encoded and len(data) != expected:
        reason = f"the download stopped after {len(data):,} of {expected:,} bytes"
        raise _Retry(reason)
    return data


def download(
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    what: str = "",
    validate: Callable[[bytes], None] | None = None,
    secrets: Iterable[str] = (),
    progress: bool = False,
    timeout: float | None = None,
    retries: int | None = None,
) -> Download:
    """GET ``url`` and return the whole, validated answer, retrying passing failures.

    Parameters
    ----------
    url : str
    params : mapping, optional
        Query parameters (an API key among them is redacted wherever it is shown).
    what : str
        Words for messages and the progress bar ("ACS 2023 tracts of 25019").
    validate : callable, optional
        Called with the bytes; raising ``ValueError`` (or any non-assetmap exception)
        means the bytes are truncated or corrupt: the download is tried again and
        never returned. Raising an :class:`~assetmap.errors.AssetmapError` stops at once
        (for answers that say what is wrong, such as a bad key).
    secrets : iterable of str
        Extra strings to redact (the key itself).
    progress : bool
        Show a progress bar (only when standard error is a terminal).
    timeout, retries : optional
        Override ``settings.requests_timeout`` and ``settings.retries``.

    Returns
    -------
    Download

    Raises
    ------
    HTTPStatusError
        For an HTTP error that is not worth retrying (400, 401, 403, 404, …).
    FetchError
        When the passing failures did not pass within the retries.

    Examples
    --------
    >>> import responses
    >>> with responses.RequestsMock() as rsps:
    ...     _ = rsps.get("https://example.org/a.json", json=[1, 2])
    ...     download("https://example.org/a.json").content
    b'[1, 2]'
    """
    secrets = tuple(secrets)
    for s in secrets:
        remember_secret(s)
    tries, limit = _limits(timeout, retries)
    host = urlparse(url).netloc
    what = what or host
    shown = redact(url, secrets)

    def once() -> Download:
        prepared = requests.Request("GET", url, params=params).prepare().url or url
        log.info("GET %s", redact(prepared))
        return _exchange(
            lambda: session().get(url, params=params, timeout=limit, stream=True),
            url,
            what=what,
            validate=validate,
            secrets=secrets,
            progress=progress,
            timeout=limit,
            words=("download", "file"),
            empty_204=True,
        )

    return _retrying(
        once, verb="download", what=what, host=host, tries=tries, secrets=secrets, shown=shown
    )


def _limits(timeout: float | None, retries: int | None) -> tuple[int, float]:
    """Return the number of tries and each one's timeout: the given ones, else the settings'."""
    tries = max(1, int(settings.retries if retries is None else retries))
    limit = float(settings.requests_timeout if timeout is None else timeout)
    return tries, limit


def _retrying(
    once: Callable[[], Download],
    *,
    verb: str,
    what: str,
    host: str,
    tries: int,
    secrets: tuple[str, ...] = (),
    shown: str | None = None,
) -> Download:
    """Call ``once`` until it answers, waiting after each passing failure (:class:`_Retry`).

    The wait doubles from ``settings.backoff`` up to ``settings.backoff_max`` (or is the
    server's ``Retry-After`` within that bound); after ``tries`` passing failures, one
    :class:`~assetmap.errors.FetchError` ("Could not <verb> <what> from <host>: …"),
    logged at DEBUG with the redacted URL ``shown`` when given.
    """
    reason = ""
    for attempt in range(1, tries + 1):
        try:
            return once()
        except _Retry as exc:
            reason = exc.reason
            if attempt == tries:
                break
            wait = min(settings.backoff * 2 ** (attempt - 1), settings.backoff_max)
            if exc.wait is not None:
                wait = min(max(wait, exc.wait), settings.backoff_max)
            log.warning(
                "%s: %s; trying again in %.0f s (try %d of %d)",
                what,
                redact(reason, secrets),
                wait,
                attempt + 1,
                tries,
            )
            _sleep(wait)
    msg = (
        f"Could not {verb} {what} from {host}: {redact(reason, secrets)} "
        f"after {tries} tries; check the internet connection or try again later (the "
        "server may be busy or down), or run with --offline to use what is already cached."
    )
    if shown is not None:
        log.debug("%s (%s)", msg, shown)
    raise FetchError(msg)


def _exchange(
    send: Callable[[], requests.Response],
    url: str,
    *,
    what: str,
    validate: Callable[[bytes], None] | None,
    secrets: tuple[str, ...],
    progress: bool,
    timeout: float,
    words: tuple[str, str],
    empty_204: bool = False,
) -> Download:
    """Send one request and return its whole, validated answer, or raise :class:`_Retry`.

    ``words`` name what stalls or is cut short and what is unreadable in the reasons
    ("download", "file" for a GET; "answer", "answer" for a POST). With ``empty_204``, an
    empty HTTP 204 answer is not validated.
    """
    stream, body = words
    try:
        resp = send()
    except requests.Timeout:
        msg = f"no answer within {timeout:g} s"
        raise _Retry(msg) from None
    except requests.ConnectionError as exc:
        # The exception text holds the full URL (and so the key): keep only its kind.
        msg = f"the connection failed ({type(exc).__name__})"
        raise _Retry(msg) from None
    except requests.RequestException as exc:
        msg = f"Could not ask {urlparse(url).netloc} for {what} ({type(exc).__name__})."
        raise FetchError(msg) from None
    final = redact(resp.url or url, secrets)
    try:
        if resp.status_code in RETRY_STATUS:
            wait = _retry_after(resp) if resp.status_code in (429, 503) else None
            status = f"HTTP {resp.status_code} ({_REASONS[resp.status_code]})"
            raise _Retry(status, wait=wait)
        if resp.status_code >= 400:
            text = redact(resp.text[:2000], secrets)
            msg = f"{urlparse(url).netloc} answered HTTP {resp.status_code} for {what}."
            raise HTTPStatusError(msg, status=resp.status_code, url=final, body=text)
        try:
            data = _read(resp, what=what, progress=progress)
        except requests.Timeout:
            msg = f"the {stream} stalled for {timeout:g} s"
            raise _Retry(msg) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            msg = f"the {stream} was cut short ({type(exc).__name__})"
            raise _Retry(msg) from None
    finally:
        resp.close()
    skip = empty_204 and resp.status_code == 204 and not data
    if validate is not None and not skip:
        try:
            validate(data)
        except AssetmapError:
            raise
        except Exception as exc:
            msg = f"the {body} is incomplete or unreadable ({exc})"
            raise _Retry(msg) from None
    return Download(
        content=data,
        url=final,
        status=resp.status_code,
        headers=dict(resp.headers),
        retrieved=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def post(
    url: str,
    *,
    data: Mapping[str, str] | None = None,
    files: Mapping[str, tuple[str, bytes, str]] | None = None,
    what: str = "",
    validate: Callable[[bytes], None] | None = None,
    progress: bool = False,
    timeout: float | None = None,
    retries: int | None = None,
) -> Download:
    r"""POST a form (with files) and return the whole, validated answer, retrying as GET does.

    For services that answer a submitted file, such as the Census geocoder's batch
    endpoint. Retries, waits, validation and messages are those of :func:`download`;
    only use it for requests that are safe to send again (asking twice changes nothing).

    Parameters
    ----------
    url : str
    data : mapping, optional
        Form fields.
    files : mapping, optional
        Form field -> ``(file name, bytes, media type)``, sent as ``multipart/form-data``.
    what, validate, progress, timeout, retries
        As in :func:`download`. ``what`` is shown in logs and messages: never put the
        submitted content in it.

    Returns
    -------
    Download
        The answer; it raises :class:`HTTPStatusError` and :class:`FetchError` as
        :func:`download` does.

    Examples
    --------
    >>> import responses
    >>> with responses.RequestsMock() as rsps:
    ...     _ = rsps.post("https://example.org/batch", body="1,ok\n")
    ...     post("https://example.org/batch", files={"f": ("a.csv", b"1,x\n", "text/csv")}).content
    b'1,ok\n'
    """
    tries, limit = _limits(timeout, retries)
    host = urlparse(url).netloc
    what = what or host

    def once() -> Download:
        log.info("POST %s", redact(url))
        return _exchange(
            lambda: session().post(url, data=data, files=files, timeout=limit, stream=True),
            url,
            what=what,
            validate=validate,
            secrets=(),
            progress=progress,
            timeout=limit,
            words=("answer", "answer"),
        )

    return _retrying(once, verb="get", what=what, host=host, tries=tries)
