"""Coordinates as people and data portals write them.

One value (``40.81``, ``" 40,81 "``, ``"−73.91"`` with a Unicode minus, ``"40.81°"``,
``"73.91 W"``, ``40°48'36"N``) or a pair in one cell: ``"(40.81, -73.91)"`` and
``"40.81, -73.91"`` (latitude first, as Socrata and web maps write them), WKT
``"POINT (-73.91 40.81)"`` (longitude first), a GeoJSON point, a Socrata location object,
or an old Socrata multi-line address ending in ``"(40.81, -73.91)"``.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["LOCATION_NAMES", "parse_coordinate", "parse_coordinates", "parse_point", "points_share"]

#: Column names (normalised) that hold both coordinates in one cell.
LOCATION_NAMES = (
    "location",
    "location 1",
    "location point",
    "point location",
    "mapped location",
    "geocoded location",
    "geocoded column",
    "georeference",
    "geolocation",
    "geo location",
    "the geom",
    "geom",
    "geometry",
    "point",
    "coordinates",
    "coordinate",
    "coords",
    "lat lon",
    "lat long",
    "lat lng",
    "latlon",
    "latlong",
    "latitude longitude",
    "latitude and longitude",
    "wkt",
)

# minus signs and dashes written for a negative number
_MINUS = dict.fromkeys(map(ord, "\u2212\u2012\u2013\u2014\u2010\u2011\ufe63\uff0d"), "-")
_INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_DMS = re.compile(
    r"(\d+(?:\.\d+)?)[°º˚d]"
    r"(?:(\d+(?:\.\d+)?)['′’m])?"
    r"(?:(\d+(?:\.\d+)?)(?:[\"″”]|''|s))?"
)
_WKT = re.compile(r"POINT\s*(?:Z|M|ZM)?\s*\(\s*(\S+)\s+([^\s)]+)", re.IGNORECASE)
_PAREN_PAIR = re.compile(r"\(\s*([^(),;]+?)\s*[,;]\s*([^(),;]+?)\s*\)\s*$")


def parse_coordinate(value: object) -> float | None:
    r"""Read one latitude or longitude written as text; None when it is not one.

    Stray spaces, a Unicode minus, a trailing degree sign, a comma as the decimal mark,
    degrees-minutes-seconds and a hemisphere letter (``73.91 W``, ``N 40.81``: S and W
    are negative) are understood; ``nan``, ``inf`` and words are not numbers, nor is a
    sign together with a hemisphere letter (``-73.9 W``: is the sign already in it?).

    Examples
    --------
    >>> parse_coordinate(" \u221273,91° "), parse_coordinate("40°48'36\"N")
    (-73.91, 40.81)
    >>> parse_coordinate("73.91 W"), parse_coordinate("north"), parse_coordinate("-73.9W")
    (-73.91, None, None)
    """
    if value is None:
        return None
    s = _INVISIBLE.sub("", str(value).translate(_MINUS))
    if not s:
        return None
    sign, body = 1.0, s
    hemi = ""
    if len(body) > 1 and body[-1].upper() in "NSEW" and not body[-2].isalpha():
        hemi, body = body[-1].upper(), body[:-1]
    elif len(body) > 1 and body[0].upper() in "NSEW" and not body[1].isalpha():
        hemi, body = body[0].upper(), body[1:]
    if body[:1] in "+-" and len(body) > 1:
        if hemi:
            return None  # "-73.9 W": the sign may or may not already be in it
        sign = -1.0 if body[0] == "-" else 1.0
        body = body[1:]
    if hemi in ("S", "W"):
        sign = -1.0
    body = body.rstrip("°º˚")
    if "," in body:
        if "." in body or body.count(",") > 1:
            return None
        body = body.replace(",", ".")
    if _NUMBER.fullmatch(body):
        return sign * float(body)
    m = _DMS.fullmatch(body)
    if m is None:
        return None
    deg, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    if minutes >= 60 or seconds >= 60:
        return None
    return sign * round(deg + minutes / 60 + seconds / 3600, 8)


def parse_coordinates(values: pd.Series) -> pd.Series:
    """Parse a column of coordinates (text) to floats; NaN where a cell is not one.

    Examples
    --------
    >>> parse_coordinates(pd.Series(["40.81", "\u221273.91", "x", ""])).tolist()
    [40.81, -73.91, nan, nan]
    """
    text = values.astype(str)
    plain = text.where(text.str.fullmatch(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*"), "")
    out = pd.to_numeric(plain.replace("", np.nan), errors="coerce").astype(float)
    rest = out.isna() & (text.str.strip() != "")
    if rest.any():
        out[rest] = [_nan(parse_coordinate(v)) for v in text[rest]]
    return out


def _nan(v: float | None) -> float:
    return float("nan") if v is None else v


def parse_point(value: object) -> tuple[float, float] | None:
    r"""Read a point written in one cell; returns ``(lat, lon)`` or None.

    Examples
    --------
    >>> parse_point("(40.81, -73.91)"), parse_point("POINT (-73.91 40.81)")
    ((40.81, -73.91), (40.81, -73.91))
    >>> parse_point("1 Main St\nBronx, NY 10451\n(40.81, -73.91)")
    (40.81, -73.91)
    >>> parse_point("Community room") is None
    True
    """
    if value is None:
        return None
    s = str(value).translate(_MINUS).strip()
    if not s:
        return None
    m = _WKT.search(s)
    if m:
        return _pair(m.group(2), m.group(1))
    if s[:1] in "{[":
        return _from_object(s)
    m = _PAREN_PAIR.search(s)
    if m:
        return _pair(m.group(1), m.group(2))
    return _plain_pair(s)


def _pair(lat: object, lon: object) -> tuple[float, float] | None:
    la, lo = parse_coordinate(lat), parse_coordinate(lon)
    return None if la is None or lo is None else (la, lo)


def _plain_pair(s: str) -> tuple[float, float] | None:
    s = s.strip("()[] ")
    if ";" in s:
        parts = s.split(";")
    elif s.count(",") == 1:
        parts = s.split(",")
    elif "," not in s:
        parts = s.split()
    else:
        return None
    if len(parts) != 2:
        return None
    return _pair(parts[0], parts[1])


def _from_object(s: str) -> tuple[float, float] | None:
    """Read a GeoJSON point, a Socrata location object or an ArcGIS ``{"x":…, "y":…}``."""
    obj: object
    try:
        obj = json.loads(s)
    except ValueError:
        try:
            obj = ast.literal_eval(s)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
    if isinstance(obj, list) and len(obj) == 2:
        return _pair(obj[0], obj[1])
    if not isinstance(obj, dict):
        return None
    low = {str(k).lower(): v for k, v in obj.items()}
    coords = low.get("coordinates")
    if isinstance(coords, list | tuple) and len(coords) >= 2:
        return _pair(coords[1], coords[0])
    for la, lo in (("latitude", "longitude"), ("lat", "lon"), ("lat", "lng"), ("y", "x")):
        if la in low and lo in low:
            return _pair(low[la], low[lo])
    return None


def points_share(values: Iterable[object], *, strict: bool) -> float:
    """Share of non-empty values that read as a point (0 when there are none).

    With ``strict`` only unambiguous forms count (WKT, an object, a pair in brackets or
    a pair of decimal numbers), so an ordinary text column is never taken for one.
    """
    n = ok = 0
    for v in values:
        s = str(v).strip()
        if not s:
            continue
        n += 1
        if strict and not (
            _WKT.search(s)
            or s[:1] in "{["
            or _PAREN_PAIR.search(s)
            or re.fullmatch(r"\(?\s*[-+\u2212]?\d+\.\d+\s*,\s*[-+\u2212]?\d+\.\d+\s*\)?", s)
        ):
            continue
        ok += parse_point(s) is not None
    return ok / n if n else 0.0
