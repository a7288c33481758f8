"""Read an output folder of ``assetmap build`` back into an Atlas.

Used to compare two builds (``assetmap compare``) and to measure a project's goals from
an earlier build (``baseline:``). Reads the ``units``, ``assets``, ``gaps`` and ``access``
layers of ``layers.gpkg`` and ``provenance.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from assetmap.atlas import Atlas
from assetmap.errors import AssetmapError, InputError

__all__ = ["NEEDED", "read_output_folder"]

#: Files every output folder of ``assetmap build`` holds and this command reads.
NEEDED = ("layers.gpkg", "provenance.json")


def _layer(gpkg: Path, layer: str, names: set[str]) -> pd.DataFrame | None:
    """Read a layer of the GeoPackage (a table as a DataFrame); None when absent."""
    import pyogrio

    if layer not in names:
        return None
    try:
        frame = pyogrio.read_dataframe(gpkg, layer=layer)
    except Exception as exc:  # GDAL's own errors: one sentence naming the file
        msg = f"the layer {layer!r} cannot be read ({exc})"
        raise InputError(msg, file=str(gpkg)) from exc
    return frame


def _indicators(prov: dict[str, Any]) -> Any:
    """Load the indicator set the build used, or the shipped one when it is gone."""
    from assetmap.indicators import load_indicators

    named = prov.get("parameters", {}).get("indicators")
    try:
        return load_indicators(named if named not in (None, "default") else None)
    except (AssetmapError, OSError):
        return load_indicators()


def _gaps(folder: Path, gpkg: Path, names: set[str]) -> pd.DataFrame:
    layer = _layer(gpkg, "gaps", names)
    if layer is not None:
        return pd.DataFrame(layer.drop(columns="geometry", errors="ignore"))
    if (folder / "gaps.csv").is_file():
        return pd.read_csv(folder / "gaps.csv", dtype={"unit_id": str, "domain": str})
    return pd.DataFrame(columns=["unit_id", "domain"])


def read_output_folder(folder: str | Path) -> Atlas:
    """Read an output folder of ``assetmap build`` back into an Atlas fit for comparing.

    The Atlas holds the units (with their need columns), the assets, the access table and
    the gaps; its overlaps are empty and its domains and indicators the shipped ones
    (or the indicator file the build names, when it is still there).

    Parameters
    ----------
    folder : str or Path
        A folder written by ``assetmap build`` or :meth:`assetmap.Atlas.to_folder`.

    Returns
    -------
    Atlas

    Examples
    --------
    >>> read_output_folder("no/such/folder")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    assetmap.errors.InputError: no/such/folder is not an output folder of assetmap build ...
    """
    import pyogrio

    from assetmap.domains import load_domains

    d = Path(folder)
    missing = [f for f in NEEDED if not (d / f).is_file()]
    if missing:
        msg = (
            f"{d} is not an output folder of assetmap build (it has no "
            f"{' and no '.join(missing)}); give the folder a build wrote with --out"
        )
        raise InputError(msg)
    gpkg = d / "layers.gpkg"
    try:
        names = {str(n) for n in pyogrio.list_layers(gpkg)[:, 0]}
        prov = json.loads((d / "provenance.json").read_text(encoding="utf-8"))
    except Exception as exc:  # a damaged file: one sentence naming it
        msg = f"{d} cannot be read as an output folder of assetmap build ({exc})"
        raise InputError(msg) from exc
    units = _layer(gpkg, "units", names)
    if units is None or "unit_id" not in units.columns:
        msg = "the GeoPackage has no layer 'units' with a unit_id"
        raise InputError(msg, file=str(gpkg))
    units = gpd.GeoDataFrame(units).set_index(units["unit_id"].astype(str).rename("unit_id"))
    units = units.drop(columns="unit_id")
    assets = _layer(gpkg, "assets", names)
    if assets is None:
        assets = gpd.GeoDataFrame(
            {"asset_id": [], "name": [], "domain": []}, geometry=[], crs="EPSG:4326"
        )
    access = _layer(gpkg, "access", names)
    if access is None:
        access = pd.DataFrame(columns=["unit_id", "domain"])
    return Atlas(
        name=d.resolve().name,
        units=units,
        assets=gpd.GeoDataFrame(assets),
        access=pd.DataFrame(access).astype({"unit_id": str}),
        gaps=_gaps(d, gpkg, names),
        overlaps=gpd.GeoDataFrame({"domain": []}, geometry=[], crs="EPSG:4326"),
        domains=dict(load_domains()),
        indicators=_indicators(prov if isinstance(prov, dict) else {}),
        provenance=prov if isinstance(prov, dict) else {},
    )
