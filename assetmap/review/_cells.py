"""What export and import share: the review columns, text of a cell, fingerprints, file names.

Internal to :mod:`assetmap.review`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = [
    "ANSWER",
    "ANSWERS",
    "CHANGE_COLUMNS",
    "CONFLICT_COLUMNS",
    "DATA_SHEET",
    "EXPORTED_SHEET",
    "FINGERPRINT",
    "HELP_SHEET",
    "NOTE",
    "READ_ONLY",
    "RECORD",
    "cell_text",
    "field_values",
    "fingerprint_of",
    "review_fields",
    "safe_file_name",
]

#: Header of the column where a partner answers yes, no or closed.
ANSWER = "still correct? (yes / no / closed)"
#: Header of the column where a partner says what changed.
NOTE = "what changed"
#: Hidden columns of the services sheet: the record id and the fingerprint of its values.
RECORD, FINGERPRINT = "record id", "fingerprint"
#: Names of the sheets of a review workbook.
DATA_SHEET, HELP_SHEET, EXPORTED_SHEET = "Services", "How to review", "exported"
#: Fields assetmap fills in itself; an edit to one is refused.
READ_ONLY = ("asset_id", "outside_region", "cluster_id", "n_records")
#: Columns of the change log and of the table of refused edits.
CHANGE_COLUMNS = ["sheet", "row", "asset_id", "field", "old", "new", "note"]
CONFLICT_COLUMNS = ["sheet", "row", "asset_id", "field", "sentence"]

ANSWERS = {"": "", "yes": "yes", "y": "yes", "no": "no", "n": "no"}
ANSWERS |= {"closed": "closed", "close": "closed"}
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(10)}
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what openpyxl refuses to write


def review_fields(assets: pd.DataFrame) -> list[str]:
    """Return the fields a review sheet lists: ``name`` first, every column, ``lat``, ``lon``.

    Parameters
    ----------
    assets : pandas.DataFrame
        An Assets frame.

    Returns
    -------
    list of str
        The columns of ``assets`` without the geometry (and any ``lat``/``lon`` column),
        ``name`` first, then ``lat`` and ``lon`` taken from the geometry.

    Examples
    --------
    >>> from assetmap.schema import empty_assets
    >>> review_fields(empty_assets())[:3], review_fields(empty_assets())[-2:]
    (['name', 'asset_id', 'domain'], ['lat', 'lon'])
    """
    geom = assets.geometry.name if isinstance(assets, gpd.GeoDataFrame) else "geometry"
    cols = [str(c) for c in assets.columns if c not in (geom, "lat", "lon")]
    return ["name", *[c for c in cols if c != "name"], "lat", "lon"]


def cell_text(value: Any) -> str:
    """Return the canonical text of a cell or field value, for comparing and hashing."""
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(cell_text(v) for v in value)
    return _ILLEGAL.sub("", str(value)).strip()


def field_values(assets: gpd.GeoDataFrame, fields: list[str]) -> pd.DataFrame:
    """Every field of every record as canonical text, index the asset ids."""
    geom = assets.geometry
    out = pd.DataFrame(index=assets["asset_id"].map(cell_text).to_numpy())
    for f in fields:
        if f == "lat":
            col = [g.y if g is not None and not g.is_empty else None for g in geom]
        elif f == "lon":
            col = [g.x if g is not None and not g.is_empty else None for g in geom]
        else:
            col = assets[f].tolist()
        out[f] = [cell_text(v) for v in col]
    return out


def fingerprint_of(texts: Mapping[str, str]) -> str:
    """Return a short hash of exported values (field order does not matter)."""
    blob = json.dumps(sorted(texts.items()), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def safe_file_name(name: str, used: set[str], *, max_len: int = 80) -> str:
    """Return a file name for ``name`` that is safe on every system and not yet in ``used``.

    Path separators and characters Windows refuses become ``_``, runs of dots one dot,
    leading and trailing dots and spaces go, a reserved device name (``CON``, ``NUL``,
    ``COM1`` …) gets a leading ``_``, the stem is cut to ``max_len`` characters and a
    name already used (ignoring case) is numbered. The name chosen is added to ``used``.

    Parameters
    ----------
    name : str
        An organisation or domain, as written in the inventory.
    used : set of str
        Stems already chosen (lower-cased); updated.
    max_len : int
        Longest stem, in characters.

    Returns
    -------
    str
        The stem plus ``.xlsx``.

    Examples
    --------
    >>> used = set()
    >>> safe_file_name("../../etc/passwd", used), safe_file_name("CON", used)
    ('etc_passwd.xlsx', '_CON.xlsx')
    >>> safe_file_name("A/B Services", used), safe_file_name("a_b services", used)
    ('A_B Services.xlsx', 'a_b services (2).xlsx')
    """
    stem = unicodedata.normalize("NFKC", str(name))
    stem = _UNSAFE.sub("_", stem)
    stem = re.sub(r"\.{2,}", ".", stem)
    stem = " ".join(stem.split()).strip(" ._") or "unnamed"
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    stem = stem[:max_len].rstrip(" .")
    candidate, n = stem, 2
    while candidate.casefold() in used:
        candidate = f"{stem[: max_len - 6].rstrip(' .')} ({n})"
        n += 1
    used.add(candidate.casefold())
    return candidate + ".xlsx"
