"""The embedded sample region: the Bronx (real ACS need data, synthetic assets)."""

from __future__ import annotations

from pathlib import Path

from assetmap._resources import sample_dir
from assetmap.project import Project, load_project

__all__ = ["load_sample", "sample_project_path"]


def sample_project_path() -> Path:
    """Return the path of the sample's project YAML, a template for your own."""
    return sample_dir() / "bronx.yml"


def load_sample() -> Project:
    """Load the embedded Bronx sample: inputs read, validated, merged; not yet analysed.

    The units are the Bronx's 2020 Neighborhood Tabulation Areas with ACS 2019–2023
    5-year estimates (real); the asset inventories and the hospital are SYNTHETIC.

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
    """
    return load_project(sample_project_path())
