"""The hospital's screening demand: social needs found in the clinic, against services in reach.

The Reading Hospital Community Connections Program screens patients for health-related
social needs (HRSN) and refers those who screen positive to community partners, closing
"gaps between clinical and community care". Its EHR reports give, per home ZIP code and
domain (the five domains of the CMS Accountable Health Communities screening tool: food,
housing, transportation, utilities, interpersonal safety; ``hrsn: true`` in
``layers/domains.yml``), the patients screened and the patients screening positive, and
its referral platform gives, per partner organisation, referrals sent, accepted and closed.

This module reads both (:func:`read_screening`), aggregates the screening to the study's
units through the ZIP crosswalk, and publishes only what the anchor privacy rule allows
(:mod:`assetmap.anchor.privacy`: counts 1 to 10 hidden, with complementary suppression so
no hidden count can be worked out from a total). Then :func:`screening_demand` sets the
demand found in the clinic against the services in reach:

* **positives per 1,000 screened** per unit and domain, from published cells only;
* **demand-weighted access**: the two-step floating catchment area (2SFCA; Luo & Wang
  2003, *Environment and Planning B* 30(6)) with the patients screening positive as the
  demand instead of residents: ``R_j = S_j / sum_i P_i`` over units ``i`` within the
  domain's travel threshold of service ``j`` (``P_i`` the unit's published positives),
  ``A_i = sum_j R_j`` over services within reach of ``i``, expressed per 1,000 positives
  (:func:`assetmap.analysis.access.two_step_fca`). Hidden counts add no demand, so the
  ratio is an upper bound where cells are hidden;
* **unmet screening demand**: a unit whose positives per 1,000 screened are in the top
  quarter of the domain's published units and whose demand-weighted supply is in the
  bottom quarter, or that has no service of the domain in reach.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from assetmap.anchor._io import read_anchor_table
from assetmap.anchor._screening_demand import DEMAND_COLUMNS, demand_table
from assetmap.anchor._screening_read import (
    RATE_COLUMNS,
    REFERRAL_COLUMNS,
    TOTAL_COLUMNS,
    hrsn_domains,
    publish_rates,
    read_referral_counts,
    read_screening_counts,
)
from assetmap.anchor.privacy import DEFAULT_MIN_CELL
from assetmap.domains import Domain, load_domains
from assetmap.errors import ConfigError
from assetmap.schema import REJECTED_COLUMNS

if TYPE_CHECKING:
    from assetmap.analysis.context import TravelContext
    from assetmap.atlas import Atlas

__all__ = [
    "DEMAND_COLUMNS",
    "RATE_COLUMNS",
    "REFERRAL_COLUMNS",
    "Screening",
    "read_screening",
    "screening_demand",
    "write_screening",
]

log = logging.getLogger(__name__)


def _no_referrals() -> pd.DataFrame:
    return pd.DataFrame(columns=REFERRAL_COLUMNS)


def _no_rejected() -> pd.DataFrame:
    return pd.DataFrame(columns=REJECTED_COLUMNS)


@dataclass
class Screening:
    """Health-related social needs screening and referrals, as published (small cells hidden).

    Attributes
    ----------
    rates : pandas.DataFrame
        One row per unit × screening domain: ``unit_id``, ``domain``, ``screened``,
        ``positive`` (NaN where hidden), ``per_1000`` (positives per 1,000 screened, from
        published cells only; NaN where hidden or nobody was screened) and ``suppressed``.
    referrals : pandas.DataFrame
        One row per partner × domain: ``partner``, ``domain``, ``sent``, ``accepted``,
        ``closed`` (NaN where hidden), ``closure_rate`` (closed / sent, published cells
        only) and ``suppressed``; empty without a referrals file.
    source : str
        The screening file.
    min_cell : int
        Smallest count published.
    synthetic : bool
        Whether the data are made up (the sample's are); every output then says so.
    totals : pandas.DataFrame
        Region totals per domain (``domain``, ``screened``, ``positive``, ``per_1000``,
        ``suppressed``), protected by the same rule.
    set_aside : pandas.DataFrame
        Rows set aside (ZIP codes the crosswalk does not list), with ``source``, ``file``,
        ``row``, ``column``, ``value`` and ``problem``; their counts are not shown.
    referrals_source : str
        The referrals file, or ``""``.
    """

    rates: pd.DataFrame
    referrals: pd.DataFrame = field(default_factory=_no_referrals)
    source: str = ""
    min_cell: int = DEFAULT_MIN_CELL
    synthetic: bool = False
    totals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TOTAL_COLUMNS))
    set_aside: pd.DataFrame = field(default_factory=_no_rejected)
    referrals_source: str = ""


def read_screening(
    path: str | Path,
    *,
    units: gpd.GeoDataFrame,
    crosswalk: pd.DataFrame | str | Path | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
    referrals: str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    referral_columns: Mapping[str, str] | None = None,
    domains: Mapping[str, Domain] | None = None,
    synthetic: bool = False,
) -> Screening:
    """Read aggregated HRSN screening results (and referrals), published per unit.

    Parameters
    ----------
    path : str or Path
        CSV or XLSX, one row per home ZIP code (or study unit) × domain, as an EHR
        report exports them: ``zip`` (or ``unit_id``), ``domain`` (``food``, ``Food
        insecurity``, ``Housing instability``, ``Utility help needs``, ...: matched
        with the domains' aliases), ``screened`` (patients screened) and ``positive``
        (patients screening positive). Repeated ZIP × domain rows are added up.
    units : geopandas.GeoDataFrame
        Study units.
    crosswalk : pandas.DataFrame, str or Path, optional
        ZCTA-to-unit crosswalk (a frame from
        :func:`assetmap.readers.crosswalk.read_crosswalk`, or its file); needed for rows
        placed by ZIP code. Counts are spread over units in whole patients.
    min_cell : int
        Smallest count published (default 11).
    referrals : str or Path, optional
        CSV or XLSX, one row per partner organisation × domain: ``partner``, ``domain``
        (optional), ``sent``, ``accepted``, ``closed`` (closed with the need met).
    columns, referral_columns : mapping, optional
        Field → column of each file, when the names differ (fields ``unit_id``, ``zip``,
        ``domain``, ``screened``, ``positive``; ``partner``, ``domain``, ``sent``,
        ``accepted``, ``closed``).
    domains : mapping of str to Domain, optional
        The study's domains (the shipped ``layers/domains.yml`` when omitted); the
        screening domains are those with ``hrsn: true``.
    synthetic : bool
        Mark the data as made up.

    Returns
    -------
    Screening

    Raises
    ------
    InputError
        Naming the file, row and column: a negative or non-whole count, more positives
        than screened (more accepted than sent, more closed than accepted), a word that is
        not a screening domain, a row with no place. Counts are never quoted. Rows with a
        ZIP code the crosswalk does not list are set aside with a warning
        (:attr:`Screening.set_aside`), not raised.

    Examples
    --------
    >>> import assetmap as am
    >>> from assetmap._resources import sample_dir
    >>> units = am.read_units(sample_dir() / "units.geojson")
    >>> s = read_screening(sample_dir() / "screening.csv", units=units,
    ...                    crosswalk=sample_dir() / "crosswalk_zcta_nta.csv",
    ...                    referrals=sample_dir() / "screening_referrals.csv", synthetic=True)
    >>> sorted(set(s.rates["domain"]))
    ['food', 'housing', 'safety', 'transportation', 'utilities']
    >>> hidden = s.rates["suppressed"]
    >>> bool(hidden.any()), bool(s.rates.loc[hidden, "per_1000"].isna().all())
    (True, True)
    """
    k = _min_cell(min_cell)
    doms = domains if domains is not None else load_domains()
    cw = _crosswalk(crosswalk, units)
    df, file = read_anchor_table(path)
    counts, aside = read_screening_counts(
        df, file, units, crosswalk=cw, domains=doms, columns=columns
    )
    del df  # nothing of the file but the counts per unit goes further
    seen = set(counts["domain"])
    keys = [d for d in hrsn_domains(doms) if d in seen]  # the domains the file screened for
    rates, totals = publish_rates(counts, units.index, keys, k)
    refs, ref_file = _no_referrals(), ""
    if referrals is not None:
        rdf, ref_file = read_anchor_table(referrals)
        refs = read_referral_counts(
            rdf, ref_file, domains=doms, columns=referral_columns, min_cell=k
        )
    return Screening(
        rates=rates,
        referrals=refs,
        source=file,
        min_cell=k,
        synthetic=bool(synthetic),
        totals=totals,
        set_aside=aside,
        referrals_source=ref_file,
    )


def _min_cell(min_cell: int) -> int:
    if isinstance(min_cell, bool) or int(min_cell) != min_cell or min_cell < 1:
        msg = f"min_cell must be a whole number of at least 1, got {min_cell!r}"
        raise ConfigError(msg)
    return int(min_cell)


def _crosswalk(
    crosswalk: pd.DataFrame | str | Path | None, units: gpd.GeoDataFrame
) -> pd.DataFrame | None:
    if crosswalk is None or isinstance(crosswalk, pd.DataFrame):
        return crosswalk
    from assetmap.readers.crosswalk import read_crosswalk

    return read_crosswalk(crosswalk, units=units)


def screening_demand(
    screening: Screening,
    atlas: Atlas,
    *,
    high_percentile: float = 75.0,
    low_percentile: float = 25.0,
    context: TravelContext | None = None,
) -> pd.DataFrame:
    """Set the needs found by screening against the services in reach, per unit × domain.

    Parameters
    ----------
    screening : Screening
        From :func:`read_screening` (on the atlas's units).
    atlas : assetmap.Atlas
        A built study: its units, assets, domains, travel options and access.
    high_percentile : float
        Positives per 1,000 screened at or above this percentile of the domain's published
        units count as high (default 75: the top quarter).
    low_percentile : float
        Demand-weighted supply at or below this percentile of the domain's published
        units counts as low (default 25: the bottom quarter); no service in reach is
        always low.
    context : TravelContext, optional
        The study's travel context, when at hand (the build's); otherwise one is made
        from the atlas's units, assets and travel options (one origin per unit: the
        atlas keeps no population points).

    Returns
    -------
    pandas.DataFrame
        One row per unit × screening domain: ``unit_id``, ``name``, ``domain``,
        ``screened``, ``positive``, ``per_1000``, ``suppressed`` (as published),
        ``threshold_min``, ``services_in_reach`` (services within the threshold),
        ``demand_ratio`` (2SFCA supply per 1,000 positives: services' capacity, or 1 each,
        within reach, shared among the positives of every unit they reach; hidden
        counts add no demand), ``status`` (``ok`` or ``not_assessed`` when the inventory
        has no service of the domain), ``unmet`` and ``reason`` (one line).

    Examples
    --------
    >>> import assetmap as am
    >>> from assetmap._resources import sample_dir
    >>> s = am.load_sample()
    >>> atlas = am.Atlas.build(s.units, s.assets)
    >>> scr = read_screening(sample_dir() / "screening.csv", units=atlas.units,
    ...                      crosswalk=sample_dir() / "crosswalk_zcta_nta.csv")
    >>> demand = screening_demand(scr, atlas)
    >>> bool(demand["unmet"].any()), bool(demand.loc[demand["unmet"], "reason"].ne("").all())
    (True, True)
    """
    for name, q in (("high_percentile", high_percentile), ("low_percentile", low_percentile)):
        if not 0 <= q <= 100:
            msg = f"{name} must be between 0 and 100, got {q!r}"
            raise ConfigError(msg)
    return demand_table(screening, atlas, high_percentile, low_percentile, context)[DEMAND_COLUMNS]


def write_screening(
    screening: Screening, folder: str | Path, *, demand: pd.DataFrame | None = None
) -> dict[str, Path]:
    """Write ``screening.csv`` and ``referrals.csv`` into ``folder`` (spreadsheet-safe).

    Parameters
    ----------
    screening : Screening
    folder : str or Path
        Created when missing.
    demand : pandas.DataFrame, optional
        From :func:`screening_demand`: written as ``screening.csv`` instead of the rates
        alone (it holds them). Hidden counts are empty cells.

    Returns
    -------
    dict of str to Path
        ``{"screening": ..., "referrals": ...}``; ``referrals.csv`` has only its header
        when no referrals were read.

    Examples
    --------
    >>> import tempfile
    >>> rates = pd.DataFrame({"unit_id": ["a"], "domain": ["food"], "screened": [40.0],
    ...                       "positive": [12.0], "per_1000": [300.0], "suppressed": [False]})
    >>> paths = write_screening(Screening(rates), tempfile.mkdtemp())
    >>> paths["screening"].read_text().splitlines()[1]
    'a,food,40.0,12.0,300.0,False'
    """
    from assetmap.csvsafe import write_csv

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    table = screening.rates if demand is None else demand
    return {
        "screening": write_csv(table, out / "screening.csv"),
        "referrals": write_csv(screening.referrals, out / "referrals.csv"),
    }
