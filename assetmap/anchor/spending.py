"""Where the institution's money goes: vendor spend and place-based investment by unit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from assetmap.anchor._io import (
    find_columns,
    flag,
    number,
    place,
    read_anchor_table,
    row_list,
    row_numbers,
)
from assetmap.domains import normalise_label
from assetmap.errors import InputError
from assetmap.readers.crosswalk import OUTSIDE

__all__ = ["UnitTotals", "read_investment", "read_purchasing"]


@dataclass
class UnitTotals:
    """Money placed in units, with region-level facts.

    Attributes
    ----------
    by_unit : geopandas.GeoDataFrame
        One row per unit (index ``unit_id``) with ``name``, ``population``, the amounts
        and the unit polygon.
    summary : dict
        Totals for the report: in the region, outside it, by category or type, how rows
        were placed.
    """

    by_unit: gpd.GeoDataFrame
    summary: dict[str, Any]


def _unit_frame(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = units[["name", "population", "geometry"]].copy()
    out.index = units.index.astype(str)
    out.index.name = "unit_id"
    return out


def _duplicates(df: pd.DataFrame, key: pd.Series, file: str, column: str, what: str) -> None:
    dup = key.ne("") & key.duplicated(keep=False)
    if dup.any():
        first = key[dup].iloc[0]
        rows = row_numbers(dup & key.eq(first))
        msg = (
            f"{what} {first!r} appears in rows {row_list(rows)}; give one row per {what} "
            f"(add the amounts up), or give each its own id ({int(dup.sum())} rows repeat)"
        )
        raise InputError(msg, file=file, row=rows[0], column=column)


def read_purchasing(
    path: str | Path,
    units: gpd.GeoDataFrame,
    *,
    crosswalk: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    unknown_zip: str = "error",
) -> UnitTotals:
    """Read vendor spend and sum it by the unit each vendor is in.

    Parameters
    ----------
    path : str or Path
        One row per vendor: ``annual_spend_usd`` (``$`` and thousands separators are
        fine), a place (``unit_id``, ``latitude``/``longitude``, or ``zip``), and
        optionally ``vendor_id``, ``vendor_name``, ``category`` and yes/no flags
        ``local``, ``minority_owned``, ``women_owned``.
    units : geopandas.GeoDataFrame
    crosswalk : pandas.DataFrame, optional
        For vendors placed by ZIP code (spend is spread by the crosswalk's weights).
    columns : mapping, optional
        Field → column: ``vendor_id``, ``vendor_name``, ``spend``, ``category``,
        ``local``, ``minority_owned``, ``women_owned``, ``unit_id``, ``lat``, ``lon``,
        ``zip``.
    unknown_zip : {"error", "outside"}

    Returns
    -------
    UnitTotals
        ``by_unit``: ``spend_usd``, ``vendors`` (vendors with spend placed in the unit),
        ``local_spend_usd``, ``minority_owned_spend_usd``, ``women_owned_spend_usd``
        (spend with vendors flagged so in the file). ``summary``: ``total_usd``,
        ``in_region_usd``, ``outside_usd``, the flagged totals, ``by_category``,
        ``vendors``, ``placed``.

    Raises
    ------
    InputError
        For a negative or non-numeric amount, a vendor listed twice, a row without a
        place, a ZIP code missing from the crosswalk.

    Examples
    --------
    >>> import assetmap as am
    >>> from assetmap._resources import sample_dir
    >>> units = am.read_units(sample_dir() / "units.geojson")
    >>> p = read_purchasing(sample_dir() / "anchor_purchasing.csv", units)
    >>> round(p.summary["in_region_usd"] + p.summary["outside_usd"]) == round(
    ...     p.summary["total_usd"])
    True
    """
    df, file = read_anchor_table(path)
    fields = [
        "vendor_id", "vendor_name", "spend", "category", "local", "minority_owned",
        "women_owned", "unit_id", "zip", "lat", "lon",
    ]  # fmt: skip
    cols = find_columns(df, fields, columns, file)
    if "spend" not in cols:
        msg = "no spend column (looked for annual_spend_usd, spend_usd, spend, amount)"
        raise InputError(msg, file=file, column="annual_spend_usd")
    spend = number(df, cols["spend"], file)
    if "vendor_id" in cols:
        key = df[cols["vendor_id"]].astype(str).str.strip()
        _duplicates(df, key, file, cols["vendor_id"], "vendor")
    elif "vendor_name" in cols:
        where = [cols[k] for k in ("zip", "lat", "lon", "unit_id") if k in cols]
        key = df[cols["vendor_name"]].map(normalise_label)
        for c in where:
            key = key + "|" + df[c].astype(str).str.strip()
        _duplicates(
            df, key.where(key.str.strip("|").ne(""), ""), file, cols["vendor_name"], "vendor"
        )
    data = pd.DataFrame(index=df.index)
    data["category"] = (
        df[cols["category"]].astype(str).str.strip().replace("", "uncategorised")
        if "category" in cols
        else "uncategorised"
    )
    values = ["spend_usd"]
    data["spend_usd"] = spend
    for name in ("local", "minority_owned", "women_owned"):
        if name in cols:
            data[f"{name}_spend_usd"] = spend.where(flag(df, cols[name], file), 0.0)
            values.append(f"{name}_spend_usd")
    geo: dict[str, str] = {k: cols[k] for k in ("unit_id", "zip", "lat", "lon") if k in cols}
    for c in geo.values():
        data[c] = df[c]
    placed = place(
        data, geo, values, ["category"], units, file=file, crosswalk=crosswalk,
        unknown_zip=unknown_zip, integer=False,
    )  # fmt: skip
    t = placed.table
    inside = t[t["unit_id"] != OUTSIDE]
    out = _unit_frame(units)
    sums = inside.groupby("unit_id")[values].sum()
    for v in values:
        out[v] = sums[v].reindex(out.index).fillna(0.0)
    out["vendors"] = (
        (inside[inside["spend_usd"] > 0].groupby("unit_id")["row"].nunique().reindex(out.index))
        .fillna(0)
        .astype(int)
    )
    out = out[["name", "population", "spend_usd", "vendors", *values[1:], "geometry"]]
    summary: dict[str, Any] = {
        "total_usd": float(spend.sum()),
        "in_region_usd": float(inside["spend_usd"].sum()),
        "outside_usd": float(t.loc[t["unit_id"] == OUTSIDE, "spend_usd"].sum()),
        "vendors": len(df),
        "vendors_in_region": int(inside.loc[inside["spend_usd"] > 0, "row"].nunique()),
        "by_category": {
            str(k): float(v)
            for k, v in inside.groupby("category")["spend_usd"]
            .sum()
            .sort_values(ascending=False)
            .items()
        },
        "placed": placed.how,
    }
    for v in values[1:]:
        summary[f"{v[:-4]}_total_usd"] = float(data[v].sum())
        summary[f"{v[:-4]}_in_region_usd"] = float(inside[v].sum())
    return UnitTotals(gpd.GeoDataFrame(out, geometry="geometry", crs=units.crs), summary)


def read_investment(
    path: str | Path,
    units: gpd.GeoDataFrame,
    *,
    crosswalk: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    unknown_zip: str = "error",
) -> UnitTotals:
    """Read place-based investments and sum them by unit.

    Parameters
    ----------
    path : str or Path
        One row per investment: ``amount_usd``, ``type`` (affordable housing, community
        development loan, grant, ...; optional), optionally ``name``, and a place
        (``unit_id``, ``latitude``/``longitude`` or ``zip``).
    units : geopandas.GeoDataFrame
    crosswalk : pandas.DataFrame, optional
        For investments placed by ZIP code (amounts spread by the crosswalk's weights).
    columns : mapping, optional
        Field → column: ``amount``, ``type``, ``name``, ``unit_id``, ``lat``, ``lon``,
        ``zip``.
    unknown_zip : {"error", "outside"}

    Returns
    -------
    UnitTotals
        ``by_unit``: ``investment_usd``, ``investments`` (investments with an amount
        placed in the unit) and ``types``. ``summary``: ``total_usd``,
        ``in_region_usd``, ``outside_usd``, ``by_type``, ``investments``, ``placed``.

    Examples
    --------
    >>> import assetmap as am
    >>> from assetmap._resources import sample_dir
    >>> from assetmap.readers.crosswalk import read_crosswalk
    >>> units = am.read_units(sample_dir() / "units.geojson")
    >>> cw = read_crosswalk(sample_dir() / "crosswalk_zcta_nta.csv", units=units)
    >>> inv = read_investment(sample_dir() / "anchor_investment.csv", units, crosswalk=cw)
    >>> sorted(inv.summary["placed"])
    ['point', 'unit_id', 'zip']
    """
    df, file = read_anchor_table(path)
    fields = ["amount", "type", "name", "unit_id", "zip", "lat", "lon"]
    cols = find_columns(df, fields, columns, file)
    if "amount" not in cols:
        msg = "no amount column (looked for amount_usd, investment_usd, amount)"
        raise InputError(msg, file=file, column="amount_usd")
    amount = number(df, cols["amount"], file)
    data = pd.DataFrame({"investment_usd": amount}, index=df.index)
    data["type"] = (
        df[cols["type"]].astype(str).str.strip().replace("", "unspecified")
        if "type" in cols
        else "unspecified"
    )
    geo: dict[str, str] = {k: cols[k] for k in ("unit_id", "zip", "lat", "lon") if k in cols}
    for c in geo.values():
        data[c] = df[c]
    placed = place(
        data, geo, ["investment_usd"], ["type"], units, file=file, crosswalk=crosswalk,
        unknown_zip=unknown_zip, integer=False,
    )  # fmt: skip
    t = placed.table
    inside = t[(t["unit_id"] != OUTSIDE) & (t["investment_usd"] > 0)]
    out = _unit_frame(units)
    g = inside.groupby("unit_id")
    out["investment_usd"] = g["investment_usd"].sum().reindex(out.index).fillna(0.0)
    out["investments"] = g["row"].nunique().reindex(out.index).fillna(0).astype(int)
    out["types"] = g["type"].agg(lambda s: "; ".join(sorted(set(s)))).reindex(out.index).fillna("")
    out = out[["name", "population", "investment_usd", "investments", "types", "geometry"]]
    summary: dict[str, Any] = {
        "total_usd": float(amount.sum()),
        "in_region_usd": float(inside["investment_usd"].sum()),
        "outside_usd": float(t.loc[t["unit_id"] == OUTSIDE, "investment_usd"].sum()),
        "investments": len(df),
        "by_type": {
            str(k): float(v)
            for k, v in inside.groupby("type")["investment_usd"]
            .sum()
            .sort_values(ascending=False)
            .items()
        },
        "placed": placed.how,
    }
    return UnitTotals(gpd.GeoDataFrame(out, geometry="geometry", crs=units.crs), summary)
