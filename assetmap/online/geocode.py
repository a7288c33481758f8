"""Street addresses to coordinates with the US Census Bureau's free batch geocoder.

Real provider lists (a state's food-pantry list, a partner's spreadsheet) often have
street addresses but no coordinates, and the asset readers set such rows aside
("coordinate is missing"). :func:`geocode_table` fills them in: it reads the table with
the readers' own :func:`~assetmap.readers.files.read_table` (any encoding, delimiter,
title line, XLSX sheet), sends the addresses of the rows **without** coordinates to the
Census Geocoder's batch service (``locations/addressbatch``, at most 10,000 addresses per
request, no key needed) and writes a copy of the table with the coordinates filled in.

**Privacy.** The addresses are sent to the US Census Bureau
(``geocoding.geo.census.gov``). Use it for service locations (pantries, clinics,
shelters), never for lists of people's homes: employee and patient addresses are not
geocoded here but aggregated by ZIP code in the anchor readers
(:mod:`assetmap.anchor.workforce`). Each batch's answer is cached under a hash of its
exact content and the benchmark (:mod:`assetmap.online.cache`; the answer echoes the addresses,
so the cache folder holds them too), so a re-run never sends the same addresses again,
and ``offline=True`` (``assetmap geocode --offline``) sends nothing at all.

The answer of the batch service is a CSV file without header, one row per address sent,
in any order: record id, the address as sent, match status (``Match``, ``No_Match`` or
``Tie``), match type (``Exact`` or ``Non_Exact``), the matched address, the point as
``longitude,latitude`` (longitude first), the TIGER/Line id and the side of the street.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from assetmap.domains import normalise_label
from assetmap.errors import FetchError, InputError
from assetmap.online._address_columns import ADDRESS_NAMES, coordinate_columns, find_columns
from assetmap.online._http import HTTPStatusError, post
from assetmap.online.cache import Cache, CacheKey, MissingFromCache, atomic_write_bytes
from assetmap.readers.crosswalk import normalise_zip
from assetmap.readers.files import read_table

__all__ = [
    "ADDRESS_NAMES",
    "BATCH_SIZE",
    "CENSUS_GEOCODER_URL",
    "GeocodeResult",
    "geocode_table",
    "parse_batch_answer",
    "split_address",
]

log = logging.getLogger(__name__)

#: The Census Geocoder's batch endpoint (coordinates only, no census geographies).
CENSUS_GEOCODER_URL = "https://geocoding.geo.census.gov/geocoder/locations/addressbatch"
#: Most addresses the batch service takes in one request.
BATCH_SIZE = 10_000
#: Seconds to wait for the answer to one batch: the service answers 10,000 addresses
#: only after several minutes (``settings.requests_timeout`` applies when it is longer).
BATCH_TIMEOUT = 900.0

_STATUSES = ("Match", "No_Match", "Tie")
_MATCH_TYPES = ("Exact", "Non_Exact")
PROBLEM_COLUMNS = ["file", "row", "column", "value", "problem"]


class Answer(NamedTuple):
    """The geocoder's answer for one address (coordinates as the service wrote them)."""

    status: str
    match_type: str
    address: str
    lat: str
    lon: str


@dataclass(frozen=True)
class GeocodeResult:
    """What :func:`geocode_table` did.

    Attributes
    ----------
    path : Path
        The geocoded copy of the table (CSV, UTF-8).
    rows : int
        Rows of data read, and written: every row is written, in the same order.
    had_coordinates : int
        Rows that already had coordinates (left untouched, no address sent).
    matched : int
        Rows given coordinates by the geocoder.
    exact : int
        Of ``matched``, the rows whose address matched exactly (the others were matched
        after the geocoder corrected the address: check them).
    unmatched : int
        Rows the geocoder found no single place for (``No_Match`` or ``Tie``).
    skipped : int
        Rows with neither coordinates nor an address.
    problems : pandas.DataFrame
        One row per unmatched or skipped row: ``file``, ``row`` (as the spreadsheet
        shows it), ``column``, ``value`` (the address) and ``problem``.
    """

    path: Path
    rows: int
    had_coordinates: int
    matched: int
    exact: int
    unmatched: int
    skipped: int
    problems: pd.DataFrame = field(repr=False, compare=False)

    def summary(self) -> str:
        """One sentence with the counts, as ``assetmap geocode`` prints it."""
        return (
            f"{self.rows} rows: {self.had_coordinates} had coordinates, {self.matched} "
            f"matched ({self.exact} exact), {self.unmatched} not found (listed below), "
            f"{self.skipped} without an address"
        )


def geocode_table(
    path: str | Path,
    *,
    out: str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    benchmark: str = "Public_AR_Current",
    cache: Cache | None = None,
    offline: bool = False,
    progress: bool = False,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> GeocodeResult:
    r"""Fill in missing coordinates of a table from its street addresses (Census Geocoder).

    Only rows without coordinates are geocoded; rows with coordinates are left as they
    are. **The addresses of those rows are sent to the US Census Bureau** unless
    ``offline`` is set: use this for service locations, never for people's homes.

    Parameters
    ----------
    path : str or Path
        A CSV or XLSX table, read as :func:`~assetmap.readers.files.read_table` reads it.
    out : str or Path, optional
        Where to write the geocoded copy (CSV, UTF-8); ``<name>_geocoded.csv`` beside
        the input by default. It may not be the input itself.
    columns : mapping, optional
        Field -> column of the file, for the fields ``address`` (street and number),
        ``city``, ``state``, ``zip``, ``full_address`` (street, city, state and ZIP in
        one cell), ``lat`` and ``lon``. Fields not named are found by their common names
        (:data:`ADDRESS_NAMES`; lat/lon by the names the asset reader accepts). An
        ``address`` column with no city, state or ZIP column is read as a full address.
    benchmark : str
        Version of the Census address database to match against
        (``Public_AR_Current``; ``Public_AR_Census2020`` for the 2020 one).
    cache : Cache, optional
        Where answers are kept; :func:`assetmap.settings.cache_dir` by default.
    offline : bool
        Use only cached answers; raise :class:`~assetmap.online.cache.MissingFromCache` saying
        how many addresses have none, without sending anything.
    progress : bool
        A progress bar over the batches (on a terminal).
    sheet, header_row, encoding, delimiter
        How to read the table; see :func:`~assetmap.readers.files.read_table`.

    Returns
    -------
    GeocodeResult
        The output path, the counts and the problems by row.

    Notes
    -----
    The copy has the input's columns in the same order and every row of data in the same
    order (fully empty rows and title lines above the header are not data and are left
    out). Coordinates go into the table's latitude/longitude columns (found by the names
    the asset reader accepts) or, when it has none, into new ``latitude`` and
    ``longitude`` columns, with the coordinates of a "Location" column copied there so
    the asset reader sees every position. ``0, 0`` counts as no coordinates. Two columns
    are added (or overwritten on a re-run): ``geocode_match`` (``Exact``,
    ``Non_Exact``, ``No_Match``, ``Tie``, ``had coordinates``, ``no address``) and
    ``geocode_address`` (the address the geocoder matched). ``No_Match`` and ``Tie`` rows
    keep empty coordinates, so the asset reader sets them aside with its own message.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "pantries.csv").write_text(
    ...     "name,address,city,state,zip,lat,lon\n"
    ...     "A,1 Main St,Bronx,NY,10451,40.81,-73.91\n"
    ...     "B,,,,,,\n")
    >>> res = geocode_table(d / "pantries.csv", offline=True, cache=Cache(d / "cache"))
    >>> res.rows, res.had_coordinates, res.matched, res.skipped
    (2, 1, 0, 1)
    >>> pd.read_csv(res.path)["geocode_match"].tolist()
    ['had coordinates', 'no address']
    """
    src = Path(path)
    file = str(path)
    target = Path(out) if out is not None else src.with_name(f"{src.stem}_geocoded.csv")
    if target.resolve() == src.resolve():
        msg = "the output would overwrite the input file; choose another output path"
        raise InputError(msg, file=file)
    kind = "xlsx" if src.suffix.lower() in (".xlsx", ".xlsm", ".xls") else "csv"
    df = read_table(
        src, kind=kind, encoding=encoding, delimiter=delimiter, sheet=sheet, header_row=header_row
    )
    cols = find_columns(df, columns, file)
    table = df.copy()
    lat_col, lon_col, need = coordinate_columns(table, cols)
    addresses, addr_col = _addresses(table, cols, need, file)
    no_address = need & (addresses.map(lambda a: not a[0]))
    to_send = need & ~no_address

    unique: dict[tuple[str, str, str, str], str] = {}
    for row in table.index[to_send]:
        unique.setdefault(addresses[row], str(row))
    answers = _geocode(unique, benchmark=benchmark, cache=cache, offline=offline, progress=progress)

    by_address = {addr: answers[rid] for addr, rid in unique.items()}
    match, matched_address, problems = _fill(
        table, need, no_address, addresses, by_address, (lat_col, lon_col), file, addr_col
    )
    table["geocode_match"] = match
    table["geocode_address"] = matched_address
    data = table.to_csv(index=False, lineterminator="\n").encode("utf-8")
    atomic_write_bytes(target, data)
    n_match = int(match.isin(_MATCH_TYPES).sum())
    result = GeocodeResult(
        path=target,
        rows=len(table),
        had_coordinates=int((~need).sum()),
        matched=n_match,
        exact=int((match == "Exact").sum()),
        unmatched=int(match.isin(("No_Match", "Tie")).sum()),
        skipped=int(no_address.sum()),
        problems=pd.DataFrame(problems, columns=PROBLEM_COLUMNS),
    )
    log.info("%s: %s; written to %s", file, result.summary(), target)
    return result


def _fill(
    table: pd.DataFrame,
    need: pd.Series,
    no_address: pd.Series,
    addresses: pd.Series,
    answers: Mapping[tuple[str, str, str, str], Answer],
    coords: tuple[str, str],
    file: str,
    addr_col: str,
) -> tuple[pd.Series, pd.Series, list[dict[str, object]]]:
    """Write the matched coordinates into ``table``; return each row's match and problems.

    Returns the ``geocode_match`` and ``geocode_address`` columns and one problem per
    row left without coordinates.
    """
    lat_col, lon_col = coords
    match = pd.Series("had coordinates", index=table.index, dtype=object)
    matched_address = pd.Series("", index=table.index, dtype=object)
    match[no_address] = "no address"
    problems: list[dict[str, object]] = []
    for row in table.index[need]:
        shown = _show(addresses[row])
        if no_address[row]:
            problem = (
                "no coordinates and no address to geocode; fill in the address or the "
                "latitude and longitude"
            )
            problems.append(_problem(file, row, addr_col, "", problem))
            continue
        ans = answers[addresses[row]]
        if ans.status == "Match":
            match[row] = ans.match_type
            matched_address[row] = ans.address
            table.at[row, lat_col] = ans.lat
            table.at[row, lon_col] = ans.lon
            continue
        match[row] = ans.status
        if ans.status == "Tie":
            problem = (
                "the address matches several places equally well (a tie); add the ZIP code "
                "or correct the street, or fill in latitude and longitude by hand"
            )
        else:
            problem = (
                "the Census geocoder found no match for this address; check the street, "
                "city, state and ZIP code, or fill in latitude and longitude by hand"
            )
        problems.append(_problem(file, row, addr_col, shown, problem))
    return match, matched_address, problems


def _problem(file: str, row: object, column: str, value: str, problem: str) -> dict[str, object]:
    return {
        "file": file,
        "row": int(str(row)),
        "column": column,
        "value": value,
        "problem": problem,
    }


def _show(addr: tuple[str, str, str, str]) -> str:
    return ", ".join(p for p in addr if p)


def _addresses(
    table: pd.DataFrame, cols: dict[str, str], need: pd.Series, file: str
) -> tuple[pd.Series, str]:
    """Each row's (street, city, state, ZIP) and the column problems are reported in."""
    street, full = cols.get("address"), cols.get("full_address")
    parts = [cols.get(k) for k in ("city", "state", "zip")]
    if street is None and full is None:
        if not need.any():
            empty = pd.Series([("", "", "", "")] * len(table), index=table.index, dtype=object)
            return empty, ""
        looked = ", ".join(ADDRESS_NAMES["address"][:4] + ADDRESS_NAMES["full_address"][:2])
        msg = (
            f"no address column found (looked for {looked}); name it in the column map, "
            "e.g. columns={'address': 'Site Street'} or --column address='Site Street'"
        )
        raise InputError(msg, file=file, column="address")
    if street is not None and all(p is None for p in parts):
        full, street = street, None  # one "Address" cell with city, state and ZIP in it

    def text(col: str | None, row: object) -> str:
        return " ".join(str(table.at[row, col]).split()) if col else ""

    # Excel drops leading zeros (2134 -> 02134); a cell that is no ZIP code is sent as it is
    zips = normalise_zip(table[parts[2]].astype(str)) if parts[2] else None
    out: list[tuple[str, str, str, str]] = []
    for row in table.index:
        if not need[row]:
            out.append(("", "", "", ""))
            continue
        s = text(street, row)
        if s:
            city, state, zip_ = (text(c, row) for c in parts)
            zip5 = zips[row] if zips is not None else ""
            out.append((s.strip(" ,"), city, state, zip5 or zip_))
        else:
            out.append(split_address(text(full, row)) if full else ("", "", "", ""))
    addr_col = street or full or ""
    return pd.Series(out, index=table.index, dtype=object), addr_col


def split_address(text: str) -> tuple[str, str, str, str]:
    """Split a full address in one cell into street, city, state and ZIP code.

    The ZIP code (five digits, or ZIP+4) and the state (postal abbreviation or name) are
    read from the end; the last comma-separated part before them is the city. What
    cannot be split stays in the street, for the geocoder to try.

    Examples
    --------
    >>> split_address("1 Main St, Bronx, NY 10451")
    ('1 Main St', 'Bronx', 'NY', '10451')
    >>> split_address("200 Oak Ave Suite 4, Reading, Pennsylvania, 19601-1234")
    ('200 Oak Ave Suite 4', 'Reading', 'PA', '19601')
    >>> split_address("Community room")
    ('Community room', '', '', '')
    """
    from assetmap.online._county_table import state_codes

    s = " ".join(text.replace("\n", ", ").split()).strip(" ,")
    zip_ = state = city = ""
    m = re.search(r"(?:^|[\s,])(\d{5})(?:-\d{4})?$", s)
    if m:
        zip_, s = m.group(1), s[: m.start()].strip(" ,")
    states = state_codes()
    parts = [p.strip() for p in s.split(",") if p.strip()]
    if len(parts) >= 2:
        last = normalise_label(parts[-1])
        words = last.split()
        if last in states:
            state, parts = states[last], parts[:-1]
        elif len(words) > 1 and words[-1] in states and len(words[-1]) == 2:
            state, parts[-1] = states[words[-1]], parts[-1][: parts[-1].rfind(" ")].strip()
        if len(parts) >= 2:
            city, parts = parts[-1], parts[:-1]
    return ", ".join(parts), city, state, zip_


def _batch_body(batch: Sequence[tuple[str, tuple[str, str, str, str]]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for rid, (street, city, state, zip_) in batch:
        w.writerow([rid, street, city, state, zip_])
    return buf.getvalue().encode("utf-8")


def _batch_key(body: bytes, benchmark: str, n: int) -> CacheKey:
    digest = hashlib.sha256(benchmark.encode("utf-8") + b"\n" + body).hexdigest()
    # the query names the batch by its hash only: no address goes into a file name or log
    query = f"addressbatch {benchmark} {n} addresses sha256 {digest}"
    return CacheKey("census-geocoder", benchmark, "us", query, "csv")


def _geocode(
    unique: Mapping[tuple[str, str, str, str], str],
    *,
    benchmark: str,
    cache: Cache | None,
    offline: bool,
    progress: bool,
) -> dict[str, Answer]:
    """Answers by record id, from the cache or the batch service."""
    if not unique:
        return {}
    c = cache or Cache()
    items = [(rid, addr) for addr, rid in unique.items()]
    batches = [items[i : i + BATCH_SIZE] for i in range(0, len(items), BATCH_SIZE)]
    bodies = [_batch_body(b) for b in batches]
    keys = [_batch_key(body, benchmark, len(b)) for body, b in zip(bodies, batches, strict=True)]
    missing = [i for i, k in enumerate(keys) if c.get(k) is None]
    if offline and missing:
        n = sum(len(batches[i]) for i in missing)
        msg = (
            f"Offline, and the answers for {n} of {len(items)} addresses "
            f"({len(missing)} of {len(batches)} batches, benchmark {benchmark}) are not in "
            f"the cache {c.root}; run once without --offline (offline=False) to send them "
            "to the US Census Bureau's geocoder"
        )
        raise MissingFromCache(msg, [keys[i] for i in missing])
    from tqdm import tqdm

    answers: dict[str, Answer] = {}
    show = progress and sys.stderr.isatty()
    with tqdm(total=len(batches), unit="batch", desc="geocoding", disable=not show) as bar:
        for i, (batch, body, key) in enumerate(zip(batches, bodies, keys, strict=True)):
            ids = [rid for rid, _ in batch]
            path = c.get(key)
            if path is None:
                content = _send(body, ids, benchmark, f"batch {i + 1} of {len(batches)}")
                path = c.put_bytes(
                    key,
                    content,
                    url=CENSUS_GEOCODER_URL,
                    benchmark=benchmark,
                    addresses=len(batch),
                    licence="public domain (US Census Bureau)",
                )
            answers.update(parse_batch_answer(path.read_bytes(), ids))
            bar.update()
    return answers


def _send(body: bytes, ids: Sequence[str], benchmark: str, which: str) -> bytes:
    from assetmap import settings

    what = f"geocoder answers ({which}, {len(ids)} addresses)"
    log.info("sending %d addresses to the US Census Bureau geocoder (%s)", len(ids), which)
    try:
        got = post(
            CENSUS_GEOCODER_URL,
            data={"benchmark": benchmark},
            files={"addressFile": ("addresses.csv", body, "text/csv")},
            what=what,
            validate=lambda data: _check(data, ids),
            timeout=max(BATCH_TIMEOUT, float(settings.requests_timeout)),
        )
    except HTTPStatusError as exc:
        said = re.sub(r"<[^>]+>", " ", exc.body)
        said = " ".join(said.split())[:200]
        msg = (
            f"The Census geocoder refused the request (HTTP {exc.status}): {said!r}; check "
            f"the benchmark name {benchmark!r} (Public_AR_Current or Public_AR_Census2020)."
        )
        raise FetchError(msg) from None
    return got.content


def _check(data: bytes, ids: Sequence[str]) -> None:
    parse_batch_answer(data, ids)


def parse_batch_answer(data: bytes, ids: Iterable[str]) -> dict[str, Answer]:
    r"""Read the batch service's answer (CSV without header, any row order) by record id.

    Parameters
    ----------
    data : bytes
        The answer.
    ids : iterable of str
        The record ids sent; every one must be answered.

    Returns
    -------
    dict of str to Answer

    Raises
    ------
    ValueError
        For a web page instead of a table, an id that was not sent, an unknown match
        status, a match without a usable ``longitude,latitude`` pair, or a missing id.

    Examples
    --------
    >>> answer = (b'"7","1 Main St, Bronx, NY, 10451","Match","Exact",'
    ...           b'"1 MAIN ST, BRONX, NY, 10451","-73.91,40.81","123","L"\n'
    ...           b'"3","9 Nowhere Rd, Bronx, NY, ","No_Match"\n')
    >>> got = parse_batch_answer(answer, ["3", "7"])
    >>> got["7"].lat, got["7"].lon, got["3"].status
    ('40.81', '-73.91', 'No_Match')
    """
    wanted = {str(i) for i in ids}
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    head = text.lstrip()[:500].lower()
    if head.startswith("<") or "<html" in head:
        m = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        title = f" ({' '.join(m.group(1).split())[:80]!r})" if m else ""
        msg = f"the geocoder answered with a web page{title}, not a table of results"
        raise ValueError(msg)
    out: dict[str, Answer] = {}
    for n, rec in enumerate(csv.reader(io.StringIO(text, newline=""))):
        if not rec or not any(c.strip() for c in rec):
            continue
        rid = rec[0].strip()
        if rid not in wanted:
            if n == 0 and not out:
                continue  # a header line, should the service ever add one
            msg = f"the answer names a record {rid[:20]!r} that was not sent"
            raise ValueError(msg)
        status = rec[2].strip() if len(rec) > 2 else ""
        if status not in _STATUSES:
            msg = f"unexpected match status {status[:30]!r} for record {rid}"
            raise ValueError(msg)
        if status != "Match":
            out[rid] = Answer(status, "", "", "", "")
            continue
        if len(rec) < 6:
            msg = f"record {rid} is a match without coordinates"
            raise ValueError(msg)
        mtype = rec[3].strip()
        if mtype not in _MATCH_TYPES:
            msg = f"unexpected match type {mtype[:30]!r} for record {rid}"
            raise ValueError(msg)
        lon_t, _, lat_t = rec[5].partition(",")  # longitude first
        try:
            lon, lat = float(lon_t), float(lat_t)
        except ValueError:
            msg = f"record {rid} has no longitude,latitude pair ({rec[5][:40]!r})"
            raise ValueError(msg) from None
        if not (np.isfinite(lat) and np.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            msg = f"record {rid} has coordinates out of range ({rec[5][:40]!r})"
            raise ValueError(msg)
        out[rid] = Answer(status, mtype, rec[4].strip(), lat_t.strip(), lon_t.strip())
    lacking = wanted - out.keys()
    if lacking:
        msg = f"the answer lacks {len(lacking)} of the {len(wanted)} addresses sent"
        raise ValueError(msg)
    return out
