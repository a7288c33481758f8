"""Progress over time: what changed between two builds of the same area.

Two Atlases of one area — two ACS vintages, two inventories, or both — are matched unit
by unit (``unit_id``) and compared:

* **indicators**: for every matched unit and indicator, both estimates with their
  margins of error and the Census Bureau's test for the difference of two ACS estimates
  (*Understanding and Using ACS Data*, 2020, ch. 7; ACS General Handbook, section 7.6):
  ``SE = MOE / 1.645`` for each (ACS margins are published at 90 %),
  ``SE_diff = sqrt(SE1² + SE2²)``, ``z = (est2 − est1) / SE_diff``; the difference is
  statistically significant when ``|z|`` exceeds the critical value of ``alpha``
  (1.645 at 90 %). Without a margin the test cannot be made: ``significant`` is NA and
  the row says why. The Bureau advises comparing non-overlapping 5-year periods
  (2007–2011 with 2012–2016, not 2015–2019 with 2017–2021);
* **need class**: the unit's quintile of ``need_pct`` in each study (1 least, 5 most).
  ``need_pct`` ranks a unit among the units of its own study, so a class change says
  the unit moved relative to the others, not that its need rose or fell;
* **gaps** closed and opened per domain (a domain not assessed on one side makes no
  closed or opened gap: its rows say so);
* **services** opened, closed and moved, matched across the two inventories with the
  dedupe scorer (:mod:`assetmap.analysis._compare_services`);
* **residents newly in reach** per domain, from the access tables' ``population_beyond``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assetmap.analysis._compare_gaps import assessed, gap_changes, need_changes, reach_changes
from assetmap.analysis._compare_services import SERVICE_COLUMNS, match_services
from assetmap.csvsafe import write_csv
from assetmap.errors import InputError

if TYPE_CHECKING:
    from assetmap.atlas import Atlas

__all__ = [
    "CHANGE_COLUMNS",
    "SERVICE_COLUMNS",
    "Z90",
    "Comparison",
    "compare",
    "critical_value",
    "difference_test",
    "write_comparison",
]

log = logging.getLogger(__name__)

#: Critical value of the 90 % margins the ACS publishes: ``SE = MOE / Z90``.
Z90 = 1.645

#: Columns of :attr:`Comparison.change`, in order.
CHANGE_COLUMNS = [
    "unit_id",
    "name",
    "indicator",
    "label",
    "estimate_before",
    "moe_before",
    "estimate_after",
    "moe_after",
    "difference",
    "moe_difference",
    "z",
    "significant",
    "note",
]


def critical_value(alpha: float = 0.10) -> float:
    """Return the two-sided critical value of the normal distribution, to 3 decimals.

    Parameters
    ----------
    alpha : float
        Significance level (0.10 for the Census Bureau's 90 %).

    Returns
    -------
    float

    Examples
    --------
    >>> critical_value(0.10), critical_value(0.05), critical_value(0.01)
    (1.645, 1.96, 2.576)
    """
    if not 0.0 < alpha < 1.0:
        msg = f"alpha is a significance level between 0 and 1, not {alpha}"
        raise InputError(msg)
    return round(NormalDist().inv_cdf(1.0 - alpha / 2.0), 3)


def _why_untested(est1: pd.Series, moe1: pd.Series, est2: pd.Series, moe2: pd.Series) -> pd.Series:
    """Say why a difference cannot be tested ("" when it can)."""
    note = pd.Series("", index=est1.index, dtype=object)
    for mask, what in (
        (moe1.isna() & moe2.isna(), "no margin of error before or after"),
        (moe1.isna() & moe2.notna(), "no margin of error before"),
        (moe2.isna() & moe1.notna(), "no margin of error after"),
        (est1.isna() & est2.isna(), "no estimate before or after"),
        (est1.isna() & est2.notna(), "no estimate before"),
        (est2.isna() & est1.notna(), "no estimate after"),
    ):
        note[mask] = what
    return note


def difference_test(
    est1: Sequence[float] | pd.Series,
    moe1: Sequence[float] | pd.Series,
    est2: Sequence[float] | pd.Series,
    moe2: Sequence[float] | pd.Series,
    *,
    alpha: float = 0.10,
) -> pd.DataFrame:
    """Test the differences of ACS estimates as the Census Bureau does.

    ``SE = MOE / 1.645`` for each estimate, ``SE_diff = sqrt(SE1² + SE2²)``,
    ``z = (est2 − est1) / SE_diff``; significant when ``|z|`` exceeds
    :func:`critical_value` of ``alpha``. The margin of the difference is
    ``sqrt(MOE1² + MOE2²)``.

    Parameters
    ----------
    est1, moe1 : sequence of float or pandas.Series
        Earlier estimates and their 90 % margins of error.
    est2, moe2 : sequence of float or pandas.Series
        Later estimates and their margins, in the same order.
    alpha : float
        Significance level (0.10: 90 %).

    Returns
    -------
    pandas.DataFrame
        ``difference``, ``moe_difference``, ``z``, ``significant`` (nullable boolean: NA
        when a margin or an estimate is missing) and ``note`` (why, "" otherwise). Two
        margins of 0 (no sampling error) make any difference significant, with ``z`` NaN.

    Examples
    --------
    >>> t = difference_test([20.0, 20.0], [3.0, 3.0], [26.0, 22.0], [4.0, float("nan")])
    >>> t["z"].round(3).tolist(), t["significant"].tolist(), t["note"].tolist()
    ([1.974, nan], [True, <NA>], ['', 'no margin of error after'])
    """
    e1 = pd.Series(est1, dtype=float).reset_index(drop=True)
    e2 = pd.Series(est2, dtype=float).reset_index(drop=True)
    m1 = pd.Series(moe1, dtype=float).reset_index(drop=True)
    m2 = pd.Series(moe2, dtype=float).reset_index(drop=True)
    crit = critical_value(alpha)
    diff = e2 - e1
    se = np.sqrt((m1 / Z90) ** 2 + (m2 / Z90) ** 2)
    z = (diff / se.where(se > 0)).astype(float)
    note = _why_untested(e1, m1, e2, m2)
    significant = pd.array(np.abs(z.to_numpy()) > crit, dtype="boolean")
    exact = (se == 0) & (note == "")
    significant[exact.to_numpy()] = (diff[exact] != 0).to_numpy()
    note[exact & (diff != 0)] = "both margins are 0 (no sampling error): any difference is real"
    significant[(note != "").to_numpy() & ~exact.to_numpy()] = pd.NA
    return pd.DataFrame(
        {
            "difference": diff,
            "moe_difference": np.sqrt(m1**2 + m2**2),
            "z": z,
            "significant": significant,
            "note": note,
        }
    )


@dataclass
class Comparison:
    """What changed between two builds of one area (see :func:`compare`).

    Attributes
    ----------
    change : pandas.DataFrame
        One row per matched unit × indicator: columns :data:`CHANGE_COLUMNS`
        (:func:`difference_test`).
    need : pandas.DataFrame
        One row per matched unit: ``unit_id``, ``name``, ``need_pct_before``,
        ``need_pct_after``, ``class_before`` and ``class_after`` (quintile of
        ``need_pct``, 1 least to 5 most; NA when not ranked) and ``class_change``
        (after − before).
    gaps : pandas.DataFrame
        One row per matched unit × domain that is a gap on either side: ``unit_id``,
        ``name``, ``domain``, ``gap_before``, ``gap_after``, ``change`` (``closed``,
        ``opened``, ``kept`` or ``not compared``), ``need_pct_before``,
        ``need_pct_after``, ``nearest_min_before``, ``nearest_min_after`` and ``note``.
    services : pandas.DataFrame
        One row per service of either inventory: ``change`` (``opened``, ``closed``,
        ``moved``, ``kept``), the domain, both names, ids, addresses and pins, ``moved_m``
        and the match ``score`` (columns :data:`SERVICE_COLUMNS`).
    domains : pandas.DataFrame
        One row per domain: gaps before, after, closed and opened; services opened,
        closed and moved; residents beyond reach before and after, ``newly_in_reach``
        and ``newly_beyond`` (see :func:`compare`); ``assessed_before`` and
        ``assessed_after`` (a domain with no service listed is not assessed: all its
        residents count as beyond reach).
    matched_units : int
        Units found in both studies.
    only_before, only_after : tuple of str
        Unit ids found in one study only (left out of every table).
    alpha : float
        Significance level of the tests.
    labels : tuple of str
        How the two studies are named in sentences (e.g. the ACS vintages).
    """

    change: pd.DataFrame
    need: pd.DataFrame
    gaps: pd.DataFrame
    services: pd.DataFrame
    domains: pd.DataFrame
    matched_units: int
    only_before: tuple[str, ...] = ()
    only_after: tuple[str, ...] = ()
    alpha: float = 0.10
    labels: tuple[str, str] = ("before", "after")
    params: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """Return the comparison in a few plain sentences.

        Examples
        --------
        >>> import pandas as pd
        >>> c = Comparison(*(pd.DataFrame() for _ in range(5)), matched_units=0)
        >>> c.summary()
        '0 units are in both studies.'
        """
        first = f"{self.matched_units} units are in both studies"
        if self.only_before or self.only_after:
            first += (
                f" ({len(self.only_before)} only in {self.labels[0]}, "
                f"{len(self.only_after)} only in {self.labels[1]}, left out)"
            )
        out = [first + "."]
        if len(self.change):
            tested = self.change["significant"].notna()
            sig = self.change["significant"].fillna(False).astype(bool)
            level = round(100 * (1 - self.alpha))
            out.append(
                f"{int(sig.sum())} of {int(tested.sum())} tested indicator changes "
                f"are statistically significant at {level}%"
                + (f" ({int((~tested).sum())} could not be tested)." if (~tested).any() else ".")
            )
        if len(self.domains):
            d = self.domains
            out.append(
                f"Gaps: {int(d['gaps_closed'].sum())} closed, {int(d['gaps_opened'].sum())} "
                f"opened. Services: {int(d['services_opened'].sum())} opened, "
                f"{int(d['services_closed'].sum())} closed, {int(d['services_moved'].sum())} "
                f"moved."
            )
            top = d[d["newly_in_reach"] > 0].nlargest(3, "newly_in_reach")
            if len(top):
                parts = ", ".join(f"{r.newly_in_reach:,.0f} ({r.domain})" for r in top.itertuples())
                out.append(f"Residents newly within reach of a service, by domain: {parts}.")
        return " ".join(out)


def _units_matched(before: Atlas, after: Atlas, labels: tuple[str, str]) -> pd.Index:
    """Return the unit ids of both studies; refuse, in one sentence, two sharing none."""
    ib = before.units.index.astype(str)
    ia = after.units.index.astype(str)
    shared = ib.intersection(ia, sort=False)
    if len(shared) == 0:
        eb = ", ".join(ib[:2]) or "none"
        ea = ", ".join(ia[:2]) or "none"
        msg = (
            f"{labels[0]} and {labels[1]} share no unit ({labels[0]}: {len(ib)} units such "
            f"as {eb}; {labels[1]}: {len(ia)} units such as {ea}), so they are not two "
            "builds of the same area and cannot be compared"
        )
        raise InputError(msg)
    return shared


def _indicator_keys(before: Atlas, after: Atlas) -> list[str]:
    """Return the indicators both studies carry (in the later study's order)."""
    cols_b, cols_a = set(before.units.columns), set(after.units.columns)
    keys = list(getattr(after.indicators, "indicators", {}) or {})
    keys += [k for k in getattr(before.indicators, "indicators", {}) or {} if k not in keys]
    found = [k for k in keys if k in cols_b and k in cols_a]
    if found:
        return found
    # another indicator set than the Atlas says (read back from files): each column k
    # with k_moe beside it
    keys = [str(c)[: -len("_moe")] for c in after.units.columns if str(c).endswith("_moe")]
    return [k for k in keys if k in cols_b and k in cols_a]


def _label(before: Atlas, after: Atlas, key: str) -> str:
    for atlas in (after, before):
        ind = getattr(atlas.indicators, "indicators", {}) or {}
        if key in ind:
            return str(ind[key].label)
    return key


def _column(units: pd.DataFrame, ids: pd.Index, name: str) -> pd.Series:
    """Return a numeric column of the units at ``ids`` (NaN when the units lack it)."""
    u = units.set_axis(units.index.astype(str))
    if name not in u.columns:
        return pd.Series(np.nan, index=ids)
    return pd.to_numeric(u[name], errors="coerce").reindex(ids).astype(float)


def _unit_names(before: Atlas, after: Atlas, ids: pd.Index) -> pd.Series:
    for atlas in (after, before):
        if "name" in atlas.units.columns:
            u = atlas.units.set_axis(atlas.units.index.astype(str))
            return u["name"].reindex(ids).fillna("").astype(str)
    return pd.Series("", index=ids)


def _indicator_changes(before: Atlas, after: Atlas, ids: pd.Index, alpha: float) -> pd.DataFrame:
    """One row per unit × indicator with both estimates and the difference test."""
    names = _unit_names(before, after, ids)
    blocks = []
    for key in _indicator_keys(before, after):
        e1, m1 = _column(before.units, ids, key), _column(before.units, ids, f"{key}_moe")
        e2, m2 = _column(after.units, ids, key), _column(after.units, ids, f"{key}_moe")
        test = difference_test(e1, m1, e2, m2, alpha=alpha)
        head = pd.DataFrame(
            {
                "unit_id": ids,
                "name": names.to_numpy(),
                "indicator": key,
                "label": _label(before, after, key),
                "estimate_before": e1.to_numpy(),
                "moe_before": m1.to_numpy(),
                "estimate_after": e2.to_numpy(),
                "moe_after": m2.to_numpy(),
            }
        )
        blocks.append(pd.concat([head, test], axis=1))
    if not blocks:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    return pd.concat(blocks, ignore_index=True)[CHANGE_COLUMNS]


def _domain_table(
    gaps: pd.DataFrame, services: pd.DataFrame, reach: pd.DataFrame, order: list[str]
) -> pd.DataFrame:
    """Per domain: gaps and services counted by change, and residents newly in reach."""
    keys = list(dict.fromkeys([*order, *reach["domain"], *gaps["domain"], *services["domain"]]))
    out = pd.DataFrame({"domain": keys})
    g = gaps.groupby("domain")
    out["gaps_before"] = out["domain"].map(g["gap_before"].sum()).fillna(0).astype(int)
    out["gaps_after"] = out["domain"].map(g["gap_after"].sum()).fillna(0).astype(int)
    for change in ("closed", "opened"):
        counts = gaps[gaps["change"] == change].groupby("domain").size()
        out[f"gaps_{change}"] = out["domain"].map(counts).fillna(0).astype(int)
    for change in ("opened", "closed", "moved"):
        counts = services[services["change"] == change].groupby("domain").size()
        out[f"services_{change}"] = out["domain"].map(counts).fillna(0).astype(int)
    return out.merge(reach, on="domain", how="left")


def _labels(before: Atlas, after: Atlas, labels: tuple[str, str] | None) -> tuple[str, str]:
    if labels is not None:
        return (str(labels[0]), str(labels[1]))
    if before.name and after.name and before.name != after.name:
        return (before.name, after.name)
    return ("before", "after")


def compare(
    before: Atlas,
    after: Atlas,
    *,
    alpha: float = 0.10,
    labels: tuple[str, str] | None = None,
    moved_m: float = 50.0,
    dedupe_options: Mapping[str, Any] | None = None,
) -> Comparison:
    """Compare two builds of the same area: indicators, need, gaps, services, reach.

    Units are matched by ``unit_id``; units found in one study only are left out and
    counted (:attr:`Comparison.only_before`, :attr:`Comparison.only_after`). Two studies
    that share no unit are refused.

    Parameters
    ----------
    before, after : Atlas
        The earlier and the later study of one area.
    alpha : float
        Significance level of the ACS difference tests (0.10: 90 %, the Bureau's).
    labels : tuple of 2 str, optional
        The studies' names in sentences (e.g. ``("2007–2011", "2019–2023")``); by default
        the Atlases' names when they differ, else "before" and "after".
    moved_m : float
        A service found in both inventories whose pins are farther apart than this
        (metres) has moved.
    dedupe_options : mapping, optional
        Keywords of :func:`assetmap.dedupe.dedupe` for matching the inventories.

    Returns
    -------
    Comparison
        Its ``domains`` table counts, per domain, ``newly_in_reach``: residents of the
        later study living where a service was beyond reach before and is within reach
        now, estimated per unit as ``population_after × beyond_before /
        population_before − beyond_after`` when positive (``newly_beyond`` the opposite),
        so that a change of population alone moves no one in or out of reach.

    Raises
    ------
    InputError
        When the studies share no unit, or ``alpha`` is not between 0 and 1.

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()  # doctest: +SKIP
    >>> old = am.Atlas.build(s.units, s.assets.iloc[::2], name="2023")  # doctest: +SKIP
    >>> new = am.Atlas.build(s.units, s.assets, name="2024")  # doctest: +SKIP
    >>> c = am.compare(old, new)  # doctest: +SKIP
    >>> c.services["change"].value_counts()["opened"] > 0  # doctest: +SKIP
    True
    """
    names = _labels(before, after, labels)
    critical_value(alpha)  # refuses a level outside (0, 1) before any work
    ids = _units_matched(before, after, names)
    ib = before.units.index.astype(str)
    ia = after.units.index.astype(str)
    only_b = tuple(str(i) for i in ib.difference(ids, sort=False))
    only_a = tuple(str(i) for i in ia.difference(ids, sort=False))
    log.info(
        "%d units are in both studies (%d only in %s, %d only in %s)",
        len(ids),
        len(only_b),
        names[0],
        len(only_a),
        names[1],
    )
    unit_names = _unit_names(before, after, ids)
    change = _indicator_changes(before, after, ids, alpha)
    need = need_changes(before.units, after.units, ids, unit_names)
    gaps = gap_changes(before, after, ids, unit_names)
    services = match_services(before.assets, after.assets, moved_m=moved_m, options=dedupe_options)
    reach = reach_changes(before, after, ids)
    order = list(dict.fromkeys([*after.domains, *before.domains]))
    return Comparison(
        change=change,
        need=need,
        gaps=gaps,
        services=services,
        domains=_domain_table(gaps, services, reach, order).assign(
            assessed_before=lambda d: d["domain"].isin(list(assessed(before))),
            assessed_after=lambda d: d["domain"].isin(list(assessed(after))),
        ),
        matched_units=len(ids),
        only_before=only_b,
        only_after=only_a,
        alpha=alpha,
        labels=names,
        params={
            "alpha": alpha,
            "moved_m": moved_m,
            "dedupe": dict(dedupe_options or {}),
            "indicator_units": {k: i.unit for k, i in after.indicators.indicators.items()},
        },
    )


def _rounded_change(change: pd.DataFrame) -> pd.DataFrame:
    out = change.copy()
    for c in ("estimate_before", "moe_before", "estimate_after", "moe_after"):
        out[c] = out[c].round(2)
    out["difference"] = out["difference"].round(2)
    out["moe_difference"] = out["moe_difference"].round(2)
    out["z"] = out["z"].round(3)
    return out


def write_comparison(comparison: Comparison, out_dir: str | Path) -> dict[str, Path]:
    """Write the comparison's tables as spreadsheet-safe CSV files into ``out_dir``.

    ``change.csv`` (unit × indicator, with the difference test), ``need_change.csv``
    (need class per unit), ``gaps_change.csv`` (gaps closed and opened),
    ``services_change.csv`` (services opened, closed, moved and kept) and
    ``domains_change.csv`` (the counts per domain and residents newly in reach).

    Parameters
    ----------
    comparison : Comparison
    out_dir : str or Path
        Folder, created when missing; files of the same names are replaced.

    Returns
    -------
    dict of str to Path
        The files written, by kind (``change``, ``need``, ``gaps``, ``services``,
        ``domains``).

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> c = Comparison(*(pd.DataFrame() for _ in range(5)), matched_units=0)
    >>> sorted(p.name for p in write_comparison(c, tempfile.mkdtemp()).values())[:2]
    ['change.csv', 'domains_change.csv']
    """
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    change = comparison.change
    tables = {
        "change": _rounded_change(change) if len(change) else change,
        "need": comparison.need.round(4),
        "gaps": comparison.gaps.round(4),
        "services": comparison.services,
        "domains": comparison.domains.round(0),
    }
    files = {k: "change.csv" if k == "change" else f"{k}_change.csv" for k in tables}
    return {k: write_csv(t, d / files[k]) for k, t in tables.items()}
