"""The institution's places: its sites, the spaces it can share, its open positions.

Spaces (rooms, kitchens, parking lots, land) are points with a type, a capacity, an
accessibility flag and an availability note. Which service domains a space could host
comes from a ``hosts`` column when the file has one, else from words in its type: the
``space_hosts:`` table of ``layers/domains.yml``
(:meth:`assetmap.domains.Domains.hosts_for_space`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.anchor._io import find_columns, number, read_anchor_table
from assetmap.domains import Domain, DomainMatcher, Domains, load_domains
from assetmap.errors import InputError

__all__ = [
    "read_positions",
    "read_sites",
    "read_spaces",
    "space_hosts",
]


def space_hosts(space_type: str, *, domains: dict[str, Domain] | None = None) -> tuple[str, ...]:
    """Return the domains a space of this type could host.

    Parameters
    ----------
    space_type : str
        The space's type as written (``"Teaching Kitchen"``).
    domains : dict of str to Domain, optional
        As returned by :func:`~assetmap.domains.load_domains`, whose ``space_hosts:``
        table is used; the shipped ``layers/domains.yml`` when omitted or when a plain
        dict is given.

    Returns
    -------
    tuple of str
        Domain keys, most usual use first; ``()`` when no word of the type is listed.

    Examples
    --------
    >>> space_hosts("Teaching Kitchen"), space_hosts("Parking lot B")
    (('food', 'older_adults'), ('food', 'primary_care'))
    """
    return _with_spaces(domains).hosts_for_space(space_type)


def _with_spaces(domains: dict[str, Domain] | None) -> Domains:
    """Return ``domains`` when it holds a ``space_hosts`` table, else the shipped domains."""
    return domains if isinstance(domains, Domains) else load_domains()


def _points(df: pd.DataFrame, cols: dict[str, str], file: str) -> gpd.GeoSeries:
    for k in ("lat", "lon"):
        if k not in cols:
            msg = "needs latitude and longitude columns (decimal degrees, WGS84)"
            raise InputError(msg, file=file, column="latitude" if k == "lat" else "longitude")
    lat = pd.to_numeric(df[cols["lat"]].astype(str).str.strip(), errors="coerce")
    lon = pd.to_numeric(df[cols["lon"]].astype(str).str.strip(), errors="coerce")
    for k, v, lim in (("lat", lat, 90), ("lon", lon, 180)):
        bad = v.isna() | (v.abs() > lim)
        if bad.any():
            row = int(df.index[bad.to_numpy()][0])
            msg = f"{df.at[row, cols[k]]!r} is not a coordinate in decimal degrees"
            raise InputError(msg, file=file, row=row, column=cols[k])
    return gpd.GeoSeries(gpd.points_from_xy(lon, lat), index=df.index, crs="EPSG:4326")


def _frame(df: pd.DataFrame, geom: gpd.GeoSeries) -> gpd.GeoDataFrame:
    out = gpd.GeoDataFrame(df, geometry=geom.to_numpy(), crs="EPSG:4326")
    return out.reset_index(drop=True)


def read_sites(path: str | Path) -> gpd.GeoDataFrame:
    """Read the institution's site(s): one row per site with ``name`` and coordinates.

    Parameters
    ----------
    path : str or Path
        CSV or XLSX with ``name``, ``latitude``, ``longitude``; other columns (``beds``)
        are kept.

    Returns
    -------
    geopandas.GeoDataFrame
        Points in EPSG:4326; the first site names the institution.

    Examples
    --------
    >>> from assetmap._resources import sample_dir
    >>> read_sites(sample_dir() / "hospital.csv")["name"].iloc[0][:9]
    'Synthetic'
    """
    df, file = read_anchor_table(path)
    cols = find_columns(df, ["name", "lat", "lon"], None, file)
    if "name" not in cols:
        msg = "needs a name column naming the institution or site"
        raise InputError(msg, file=file, column="name")
    return _frame(df, _points(df, cols, file))


def read_spaces(
    path: str | Path,
    *,
    domains: dict[str, Domain] | None = None,
    columns: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Read the spaces the institution can share (rooms, kitchens, lots, land).

    Parameters
    ----------
    path : str or Path
        One row per space: ``name``, ``latitude``, ``longitude``; optionally
        ``space_id``, ``space_type``, ``capacity`` (people, or cars for parking),
        ``accessible``, ``availability`` and ``hosts`` (domains the space could host:
        keys or labels of ``layers/domains.yml``, separated by ``;``).
    domains : dict of str to Domain, optional
        To read ``hosts``, and (when read by :func:`~assetmap.domains.load_domains`) to
        tell from a space's type what it could host; the shipped domains when omitted.
    columns : mapping, optional
        Field → column: ``name``, ``space_type``, ``capacity``, ``hosts``, ``lat``, ``lon``.

    Returns
    -------
    geopandas.GeoDataFrame
        Every column of the file plus ``space_id`` (made up when missing), numeric
        ``capacity`` (NaN when blank) and ``hosts`` (domain keys joined by ``"; "``),
        points in EPSG:4326.

    Examples
    --------
    >>> from assetmap._resources import sample_dir
    >>> spaces = read_spaces(sample_dir() / "anchor_space.csv")
    >>> spaces.loc[spaces["space_type"] == "teaching kitchen", "hosts"].iloc[0]
    'food; older_adults'
    """
    df, file = read_anchor_table(path)
    fields = ["name", "space_type", "capacity", "hosts", "lat", "lon"]
    cols = find_columns(df, fields, columns, file)
    if "name" not in cols:
        msg = "needs a name column (what the space is called)"
        raise InputError(msg, file=file, column="name")
    geom = _points(df, cols, file)
    out = df.copy()
    if "space_id" not in out.columns:
        out.insert(0, "space_id", [f"S{i}" for i in range(1, len(out) + 1)])
    if cols["name"] != "name":
        out["name"] = df[cols["name"]]
    kind = df[cols["space_type"]].astype(str) if "space_type" in cols else pd.Series("", df.index)
    out["space_type"] = kind.str.strip()
    if "capacity" in cols:
        cap = df[cols["capacity"]].astype(str).str.strip()
        blank = cap.eq("")
        parsed = number(df[~blank], cols["capacity"], file) if (~blank).any() else None
        out["capacity"] = np.nan
        if parsed is not None:
            out.loc[~blank, "capacity"] = parsed
    table = _with_spaces(domains)
    out["hosts"] = ["; ".join(table.hosts_for_space(k)) for k in out["space_type"]]
    if "hosts" in cols:
        matcher = DomainMatcher(domains or table)
        for row, cell in df[cols["hosts"]].astype(str).items():
            words = [w.strip() for w in cell.split(";") if w.strip()]
            if not words:
                continue
            keys = [matcher.match(w) for w in words]
            if None in keys:
                bad = words[keys.index(None)]
                known = ", ".join(matcher.domains)
                msg = f"{bad!r} is not a service domain; use one of {known}"
                raise InputError(msg, file=file, row=int(row), column=cols["hosts"])
            out.at[row, "hosts"] = "; ".join(dict.fromkeys(k for k in keys if k))
    return _frame(out, geom)


def read_positions(
    path: str | Path, *, columns: Mapping[str, str] | None = None
) -> gpd.GeoDataFrame:
    """Read open positions by site (job postings: no person is described).

    Parameters
    ----------
    path : str or Path
        One row per site (or site × job family): ``site`` or ``name``,
        ``open_positions``, ``latitude``, ``longitude``, optionally ``job_family``.
    columns : mapping, optional
        Field → column: ``name``, ``open_positions``, ``group`` (job family),
        ``lat``, ``lon``.

    Returns
    -------
    geopandas.GeoDataFrame
        One point per site with ``site``, ``open_positions`` and ``by_job_family``
        (e.g. ``"nursing 12; environmental services 5"``).

    Examples
    --------
    >>> from assetmap._resources import sample_dir
    >>> pos = read_positions(sample_dir() / "anchor_positions.csv")
    >>> int(pos["open_positions"].sum()) > 0
    True
    """
    df, file = read_anchor_table(path)
    cols = find_columns(df, ["name", "open_positions", "group", "lat", "lon"], columns, file)
    for k in ("name", "open_positions"):
        if k not in cols:
            msg = f"needs a {'site' if k == 'name' else 'open_positions'} column"
            raise InputError(msg, file=file, column="site" if k == "name" else k)
    n = number(df, cols["open_positions"], file, whole=True)
    geom = _points(df, cols, file)
    rows = pd.DataFrame(
        {
            "site": df[cols["name"]].astype(str).str.strip(),
            "family": df[cols["group"]].astype(str).str.strip() if "group" in cols else "",
            "n": n,
            "x": geom.x.round(6),
            "y": geom.y.round(6),
        }
    )
    g = rows.groupby(["site", "x", "y"], sort=False)
    out = g["n"].sum().rename("open_positions").reset_index()
    fam = rows[rows["family"].ne("") & rows["n"].gt(0)]
    text = (
        fam.groupby(["site", "x", "y"], sort=False)
        .apply(
            lambda d: "; ".join(f"{f} {int(v)}" for f, v in zip(d["family"], d["n"], strict=True)),
            include_groups=False,
        )
        .rename("by_job_family")
    )
    out = out.join(text, on=["site", "x", "y"])
    out["by_job_family"] = out["by_job_family"].fillna("")
    out["open_positions"] = out["open_positions"].astype(int)
    geometry = gpd.points_from_xy(out.pop("x"), out.pop("y"))
    return gpd.GeoDataFrame(out, geometry=geometry, crs="EPSG:4326")
