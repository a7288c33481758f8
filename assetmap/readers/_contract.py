"""From a table's columns to the Assets contract, row by row, with rows set aside named.

:func:`finish` is the last step of the table and spatial readers of :mod:`files`: it
cleans the contract's text fields, checks names, domains, ids and capacities, marks the
region, keeps every other column of the file, and checks that rows read = rows kept +
rows set aside.
"""

from __future__ import annotations

import logging
import re

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.domains import Domain, DomainMatcher, load_domains, normalise_label
from assetmap.errors import InputError
from assetmap.readers._checks import Rejects, apply_region
from assetmap.schema import ASSET_COLUMNS, SECTORS

__all__ = ["MAX_NAME_CHARS", "contract_fields", "finish"]

log = logging.getLogger(__name__)

#: Names longer than this are set aside: a missing quote usually ran cells together.
MAX_NAME_CHARS = 500
#: Where a cell naming several domains is split ("Food; Housing", "food/housing").
_DOMAIN_SPLIT = re.compile(r"\s*(?:[;,/|+&\n]|\band\b)\s*", re.IGNORECASE)


def finish(
    df: pd.DataFrame,
    pts: gpd.GeoSeries,
    ok: pd.Series,
    cols: dict[str, str],
    rejects: Rejects,
    n_in: int,
    region: gpd.GeoDataFrame | None,
    buffer_m: float | None,
    domain: str | None,
    domains: dict[str, Domain] | None,
    geom_col: str,
) -> gpd.GeoDataFrame:
    """Contract fields, region check and the count of rows read, kept and set aside."""
    gdf = gpd.GeoDataFrame(df, geometry=pts, crs="EPSG:4326")
    out = contract_fields(gdf, cols, rejects, ok, rejects.source, domain, domains)
    out["outside_region"] = apply_region(out, ok, region, buffer_m, rejects, geom_col)
    kept = out[ok.to_numpy()].copy()
    rej = rejects.frame().sort_values(["row"], kind="stable").drop_duplicates("row")
    where = [{"file": rejects.file, "row": int(r), "column": geom_col} for r in kept.index]
    rows_kept = {int(r) for r in kept.index}
    warnings = [w for w in rejects.warnings if w["row"] in rows_kept]
    kept = kept.reset_index(drop=True)
    kept.attrs = {"rejected": rej.to_dict("records"), "where": where}
    if warnings:
        kept.attrs["warnings"] = warnings
    if len(kept) + len(rej) != n_in:  # pragma: no cover - an invariant, kept loud
        msg = f"internal error: {n_in} rows read, {len(kept)} kept, {len(rej)} set aside"
        raise AssertionError(msg)
    if len(rej):
        log.warning("%s: %d of %d rows set aside (see rejected rows)", rejects.file, len(rej), n_in)
    return kept


def contract_fields(
    gdf: gpd.GeoDataFrame,
    cols: dict[str, str],
    rejects: Rejects,
    ok: pd.Series,
    source: str,
    default_domain: str | None,
    domains: dict[str, Domain] | None,
) -> gpd.GeoDataFrame:
    """Return the Assets columns of a table, setting aside rows whose fields are unusable.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Cells as text with the points, index = the row numbers the user sees.
    cols : dict
        Contract field -> column of ``gdf``.
    rejects : Rejects
        Where rows set aside go.
    ok : pandas.Series
        Mask of the rows still usable; rows set aside here are switched off.
    source : str
        Name of the source, the prefix of ``asset_id``.
    default_domain : str, optional
        One domain for every row (then no domain column is needed).
    domains : dict, optional
        Domain definitions (default ``layers/domains.yml``).

    Returns
    -------
    geopandas.GeoDataFrame
        The contract's columns, then ``other_domains`` (when a cell named several),
        ``service_type`` (when ``cols`` names its column) and the file's other columns
        (renamed ``<name>_original`` when named like one of those), then the geometry.
    """
    out = gpd.GeoDataFrame(index=gdf.index, geometry=gdf.geometry, crs="EPSG:4326")
    for field in ASSET_COLUMNS:
        if field in cols:
            out[field] = clean_text(gdf[cols[field]], lines=", " if field == "address" else " ")
        else:
            out[field] = ""
    _check_names(out, cols, rejects, ok)
    _set_domains(out, gdf, cols, rejects, ok, default_domain, domains)
    sector = out["sector"].map(lambda v: normalise_label(v).replace(" ", "_") if v else "other")
    out["sector"] = sector.where(sector.isin(SECTORS), "other")
    out["source"] = source
    _set_ids(out, cols, rejects, ok)
    out["asset_id"] = f"{source}:" + out["source_id"].astype(str)
    _set_capacity(out, cols, rejects, ok)
    extra = ["other_domains"] if "other_domains" in out.columns else []
    if "service_type" in cols:  # optional: the kind of service within the domain
        out["service_type"] = clean_text(gdf[cols["service_type"]])
        extra.append("service_type")
    # the file's other columns, taken in one block: a wide file (thousands of columns) is
    # not inserted one column at a time
    geom_name = gdf.geometry.name
    used = set(cols.values())
    rest = [c for c in gdf.columns if c not in used and c != geom_name]
    taken = {*ASSET_COLUMNS, *extra}
    # a file's own column named like a contract field (e.g. "source") is kept, renamed
    names = [f"{c}_original" if c in taken else c for c in rest]
    block = pd.DataFrame(gdf[rest])
    block.columns = pd.Index(names)
    head = pd.DataFrame(out[ASSET_COLUMNS + extra])
    block.attrs, head.attrs = {}, {}
    both = pd.concat([head, block], axis=1)
    return gpd.GeoDataFrame(both, geometry=out.geometry, crs="EPSG:4326")


def clean_text(s: pd.Series, *, lines: str = " ") -> pd.Series:
    r"""Contract text: trimmed, runs of spaces squeezed, line breaks replaced by ``lines``.

    Examples
    --------
    >>> clean_text(pd.Series(["  1 Main St\n Bronx ,"]), lines=", ").tolist()
    ['1 Main St, Bronx']
    """
    text = s.astype(str).replace({"nan": "", "None": "", "NaN": ""})
    text = text.str.replace(r"\s*[\r\n]+\s*", lines, regex=True)
    text = text.str.replace(r"[ \t\u00a0]+", " ", regex=True).str.strip()
    return text.str.strip(" ,") if lines.strip() else text


def to_float(s: pd.Series) -> pd.Series:
    """Numbers written as text: spaces, ``1,200`` (thousands) or ``2,5`` (decimal comma).

    Examples
    --------
    >>> to_float(pd.Series(["1,200", "2,5", " 40 ", ""])).tolist()
    [1200.0, 2.5, 40.0, nan]
    """
    text = s.astype(str).str.strip().str.replace(r"[\s\u00a0]", "", regex=True)
    thousands = text.str.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
    text = text.where(~thousands, text.str.replace(",", "", regex=False))
    text = text.str.replace(",", ".", regex=False).str.replace("°", "", regex=False)
    return pd.to_numeric(text.replace({"": np.nan, "None": np.nan, "nan": np.nan}), "coerce")


def _check_names(
    out: gpd.GeoDataFrame, cols: dict[str, str], rejects: Rejects, ok: pd.Series
) -> None:
    """Name each asset (the organisation's name when there is no name column).

    Empty names and names too long to be one cell's are set aside.
    """
    if "name" not in cols and "org" in cols:
        out["name"] = out["org"]
    if "name" not in cols and "org" not in cols:
        msg = "no name column found (looked for name, program name, service name, organization)"
        raise InputError(msg, file=rejects.file, column="name")
    name_col = cols.get("name", cols.get("org"))
    for row in out.index[ok & (out["name"] == "")]:
        rejects.add(int(row), name_col, "", "name is empty")
        ok[row] = False
    for row in out.index[ok & (out["name"].str.len() > MAX_NAME_CHARS)]:
        rejects.add(
            int(row),
            name_col,
            out["name"][row],
            f"name is {len(out['name'][row]):,} characters long (more than "
            f"{MAX_NAME_CHARS}); a missing quotation mark probably ran several cells "
            "together",
        )
        ok[row] = False


def _set_domains(
    out: gpd.GeoDataFrame,
    gdf: gpd.GeoDataFrame,
    cols: dict[str, str],
    rejects: Rejects,
    ok: pd.Series,
    default_domain: str | None,
    domains: dict[str, Domain] | None,
) -> None:
    """Give each asset its domain: the file's one domain, or the domain column's."""
    doms = domains or load_domains()
    matcher = DomainMatcher(doms)
    if default_domain is not None:
        if default_domain not in doms:
            msg = f"domain {default_domain!r} is not defined; known: {', '.join(doms)}"
            raise InputError(msg, file=rejects.file)
        out["domain"] = default_domain
    elif "domain" not in cols:
        msg = (
            "no domain column found (looked for domain, service type, category); name it "
            "in the column map or give one domain for the whole file"
        )
        raise InputError(msg, file=rejects.file, column="domain")
    else:
        _assign_domains(out, gdf, cols, rejects, ok, matcher)


def _set_ids(out: gpd.GeoDataFrame, cols: dict[str, str], rejects: Rejects, ok: pd.Series) -> None:
    """Set ``source_id``: the file's ids (set aside when empty or repeated), else the row."""
    if "asset_id" not in cols:
        out["source_id"] = [f"row{r}" for r in out.index]
        return
    ids = out["asset_id"]
    empty = ok & (ids == "")
    for row in out.index[empty]:
        rejects.add(int(row), cols["asset_id"], "", "id is empty")
        ok[row] = False
    dup = ok & ids.duplicated(keep="first") & (ids != "")
    first_row = {v: int(r) for r, v in ids[ok & ~dup].items()}
    for row in out.index[dup]:
        rejects.add(
            int(row),
            cols["asset_id"],
            ids[row],
            f"id {ids[row]!r} is already used on row {first_row.get(ids[row], '?')}",
        )
        ok[row] = False
    out["source_id"] = ids


def _set_capacity(
    out: gpd.GeoDataFrame, cols: dict[str, str], rejects: Rejects, ok: pd.Series
) -> None:
    """Read capacities as numbers; set aside rows whose capacity is not one, or negative."""
    cap = to_float(out["capacity"])
    bad_cap = ok & (out["capacity"] != "") & (cap.isna() | (cap < 0))
    for row in out.index[bad_cap]:
        rejects.add(
            int(row),
            cols.get("capacity"),
            out["capacity"][row],
            "capacity must be a non-negative number (leave it empty when unknown)",
        )
        ok[row] = False
    out["capacity"] = cap


def _domains_of(value: str, matcher: DomainMatcher) -> tuple[list[str], list[str]]:
    """Domains named in one cell, in the order written, and the words that match none.

    The whole cell is matched first ("Housing and shelter" is one domain); otherwise it is
    split at ``;`` ``,`` ``/`` ``|`` ``+`` ``&`` line breaks and "and".
    """
    key = matcher.match(value)
    if key is not None:
        return [key], []
    keys: list[str] = []
    unknown: list[str] = []
    parts = [p for p in _DOMAIN_SPLIT.split(value) if p.strip()]
    if len(parts) < 2:
        return [], [value]
    for part in parts:
        k = matcher.match(part)
        if k is None:
            unknown.append(part.strip())
        elif k not in keys:
            keys.append(k)
    return keys, unknown


def _assign_domains(
    out: gpd.GeoDataFrame,
    gdf: gpd.GeoDataFrame,
    cols: dict[str, str],
    rejects: Rejects,
    ok: pd.Series,
    matcher: DomainMatcher,
) -> None:
    """Map the domain column; a cell naming several domains keeps the first, lists the rest.

    Every word of the cell must be a known domain: "Food; Widgets" is set aside with the
    closest domains to "Widgets", so nothing written is lost without a word.
    """
    raw = out["domain"].copy()
    first = pd.Series("", index=gdf.index, dtype=object)
    others = pd.Series("", index=gdf.index, dtype=object)
    for row in gdf.index[ok]:
        value = raw[row]
        if not value:
            rejects.add(int(row), cols["domain"], "", "domain is empty")
            ok[row] = False
            continue
        keys, unknown = _domains_of(value, matcher)
        if unknown or not keys:
            word = unknown[0] if unknown else value
            sugg = matcher.suggest(word)
            hint = f"; closest: {', '.join(sugg)}" if sugg else ""
            where = f" in {value[:80]!r}" if word != value else ""
            problem = (
                f"unknown domain {word[:80]!r}{where}{hint} (add it as an alias in "
                "layers/domains.yml)"
            )
            rejects.add(int(row), cols["domain"], value, problem)
            ok[row] = False
            continue
        first[row] = keys[0]
        others[row] = ";".join(keys[1:])
    out["domain"] = first
    if (others[ok] != "").any():
        n = int((others[ok] != "").sum())
        log.info(
            "%s: %d rows name several domains; each is kept once, in the first domain "
            "written, with the others in column other_domains",
            rejects.file,
            n,
        )
        out["other_domains"] = others
