"""The embedded sample region: the Bronx (real ACS need data, synthetic assets).

Three ACS 5-year periods are bundled on the same 2020 Neighborhood Tabulation Areas, as
the councilcount package publishes them: 2019–2023 (``units.geojson``), 2012–2016 and
2007–2011 (``acs_2012_2016.csv``, ``acs_2007_2011.csv``, built by
``data/sample/build_vintages.py``). ``load_sample(acs="2007-2011")`` gives the same study
with the earlier need data, to try :func:`assetmap.compare` on real change.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap._resources import sample_dir
from assetmap.errors import InputError
from assetmap.project import Project, load_project

__all__ = ["ACS_PERIODS", "earlier_inventory", "load_sample", "sample_project_path"]

#: ACS 5-year periods bundled with the sample, with the file holding each (None: the units).
ACS_PERIODS: dict[str, str | None] = {
    "2019-2023": None,
    "2012-2016": "acs_2012_2016.csv",
    "2007-2011": "acs_2007_2011.csv",
}

#: How the earlier inventories differ from the sample's (SYNTHETIC, like the inventory):
#: one service in ``drop`` is left out (it "opened" since) and one in ``move`` of those
#: kept sits ``moved_m`` metres west of where it is now.
_INVENTORY_CHANGE = {
    "2012-2016": {"drop": 12, "move": 25, "moved_m": 150.0},
    "2007-2011": {"drop": 6, "move": 20, "moved_m": 150.0},
}


def sample_project_path() -> Path:
    """Return the path of the sample's project YAML, a template for your own."""
    return sample_dir() / "bronx.yml"


def _bucket(ids: pd.Series, n: int) -> np.ndarray:
    """Return a stable 0…n-1 bucket per id (SHA-256, the same on every machine)."""
    return np.array(
        [int(hashlib.sha256(str(i).encode()).hexdigest()[:8], 16) % n for i in ids], dtype=int
    )


def earlier_inventory(assets: gpd.GeoDataFrame, acs: str) -> gpd.GeoDataFrame:
    """Return the sample's SYNTHETIC earlier inventory for the ACS period ``acs``.

    One service in 6 (2007–2011) or 12 (2012–2016), chosen by a hash of its id, is left
    out, and one in 20 (25) of those kept is placed 150 m west of its pin, so that
    :func:`assetmap.compare` has services opened and moved to find.

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> old = earlier_inventory(s.assets, "2007-2011")
    >>> 0 < len(s.assets) - len(old) < len(s.assets) // 4
    True
    """
    if acs not in _INVENTORY_CHANGE:
        return assets
    rule = _INVENTORY_CHANGE[acs]
    kept = assets[_bucket(assets["asset_id"], int(rule["drop"])) != 0].copy()
    move = _bucket(kept["asset_id"].astype(str) + "/moved", int(rule["move"])) == 0
    metres_per_degree = 111_320.0 * np.cos(np.radians(kept.geometry.y.to_numpy()))
    dx = np.where(move, -rule["moved_m"] / metres_per_degree, 0.0)
    kept["geometry"] = gpd.points_from_xy(kept.geometry.x + dx, kept.geometry.y, crs=assets.crs)
    return kept


def _earlier_units(units: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Return ``units`` with every ACS column and the population of the table at ``path``."""
    table = pd.read_csv(path, dtype={"unit_id": str}).set_index("unit_id")
    acs = [c for c in table.columns if c != "population"]
    out = units.drop(columns=[c for c in acs if c in units.columns]).join(table[acs])
    pop = pd.to_numeric(table["population"], errors="coerce").reindex(out.index)
    out["population"] = pop.fillna(0).round().astype(int)
    return out


def load_sample(acs: str = "2019-2023") -> Project:
    """Load the embedded Bronx sample: inputs read, validated, merged; not yet analysed.

    The units are the Bronx's 2020 Neighborhood Tabulation Areas with ACS 5-year
    estimates (real); the asset inventories and the hospital are SYNTHETIC.

    Parameters
    ----------
    acs : {"2019-2023", "2012-2016", "2007-2011"}
        The ACS period of the need data (councilcount's NTA estimates of that period).
        An earlier period also gets a SYNTHETIC earlier inventory
        (:func:`earlier_inventory`); variables the ACS did not publish then (disability
        and health insurance in 2007–2011) are empty.

    Returns
    -------
    Project
        ``.units``, ``.assets`` (merged), ``.sources`` (each inventory as read),
        ``.anchor``; ``.build()`` returns the :class:`~assetmap.atlas.Atlas`.

    Examples
    --------
    >>> import assetmap as am
    >>> sample = am.load_sample()
    >>> sample.units.index[0][:2]
    'BX'
    >>> am.load_sample(acs="2007-2011").name
    'Bronx sample, ACS 2007-2011 (real need data, synthetic assets)'
    """
    if acs not in ACS_PERIODS:
        msg = f"the sample has ACS periods {', '.join(ACS_PERIODS)}, not {acs!r}"
        raise InputError(msg)
    project = load_project(sample_project_path())
    file = ACS_PERIODS[acs]
    if file is None:
        return project
    project.units = _earlier_units(project.units, sample_dir() / file)
    project.assets = earlier_inventory(project.assets, acs)
    project.name = f"Bronx sample, ACS {acs} (real need data, synthetic assets)"
    rule = _INVENTORY_CHANGE[acs]
    prov = dict(project.provenance)
    sources = [dict(s) for s in prov.get("sources", [])]
    for s in sources:
        if "American Community Survey" in str(s.get("name", "")):
            s["vintage"] = f"ACS {acs} 5-year estimates"
            s["note"] = f"{file}, built by data/sample/build_vintages.py"
    sources.append(
        {
            "name": f"Earlier inventory ({acs})",
            "vintage": "derived from the synthetic inventory by assetmap.sample.earlier_inventory",
            "licence": "CC0",
            "note": f"SYNTHETIC: one service in {rule['drop']} left out, one in {rule['move']} "
            f"of those kept moved {rule['moved_m']:g} m",
        }
    )
    prov["sources"] = sources
    prov["study"] = project.name
    project.provenance = prov
    return project
