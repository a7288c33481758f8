"""Shared goals: targets a coalition sets itself, measured on an Atlas.

Partners "select a distinct number of goals that are specific, measurable" and "regularly
measure the success of the partnership". A project's ``goals:`` section names them::

    goals:
      - {name: Food within reach, measure: reach, domain: food, target: 80%, by: 2027}
      - {name: Fewer food gaps, measure: gaps, domain: food, target: 5, by: 2027}
      - {name: Local hiring, measure: new_hires_high_need, target: 25%, by: 2027,
         baseline: 20%, baseline_year: 2024}

:func:`read_goals` checks them (one sentence per mistake, naming the file, the goal's
position and the key), :func:`measure_goals` measures each on an Atlas and
:func:`write_goals` writes the table as a spreadsheet-safe CSV.

Measures
--------
High-need units are those with residents and ``need_pct`` at or above the build's
``need_percentile`` (the definition of gaps, :func:`assetmap.find_gaps`).

``reach`` (needs ``domain``; higher is better)
    The share of residents of high-need units within reach of a service of the domain
    (within the domain's ``threshold_min`` of the access table):
    ``now = (M - B) / M`` with ``M = sum(population - population_off_network)`` and
    ``B = sum(population_beyond)`` over the high-need units' access rows of the domain.
    Residents off the street network are neither within nor beyond reach (as in
    :func:`assetmap.analysis.coverage.provider_coverage`); without a
    ``population_beyond`` column a unit's residents are all beyond reach when
    ``count_within`` is 0. A domain the access table marks ``not_assessed`` is not
    measured.
``gaps`` (``domain`` optional; lower is better)
    The number of gaps of the domain (rows of ``atlas.gaps``), or of every domain when
    no domain is given. The target is a whole number, met when ``now <= target``.
``employees_high_need``, ``new_hires_high_need``, ``spend_high_need``, ``investment_high_need``
    (higher is better) The hospital's anchor alignment (:func:`assetmap.anchor.measures.alignment`),
    ``share_high_need = m(high-need units) / m(all units)`` for employees, new hires, vendor
    spend and place-based investment: published (suppressed) figures only.

Status
------
``now`` is the measure on the Atlas; ``baseline`` the same measure on an earlier Atlas
when given and measurable there, else the goal's ``baseline:``. ``progress`` is the
share of the way from baseline to target, ``(now - baseline) / (target - baseline)``
(above 1: past the target; below 0: going backwards). The status is

* ``"not measured"`` when ``now`` cannot be measured (``note`` says why);
* ``"met"`` when ``now`` reaches the target (``>=``; ``<=`` for ``gaps``);
* ``"behind"`` when the goal's year ``by`` has passed, or the baseline met the target;
* ``"on track"`` when ``progress`` is at least the share of the time from the
  baseline's year to ``by`` that has passed, ``(year - baseline_year) / (by -
  baseline_year)`` (linear progress), else ``"behind"``;
* ``"no baseline"`` when there is no baseline (or no year for it) to judge progress by.

Years: ``year`` is the build's (given, else its provenance ``run.run_at``, else this year);
the baseline's is the earlier Atlas's run date, else the goal's ``baseline_year``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assetmap.analysis._goal_measures import ANCHOR_MEASURES, goal_value, run_year
from assetmap.analysis._goal_text import sentence, value_text
from assetmap.errors import ConfigError

if TYPE_CHECKING:
    from assetmap.atlas import Atlas

__all__ = [
    "ANCHOR_MEASURES",
    "GOAL_COLUMNS",
    "GOAL_KEYS",
    "MEASURES",
    "STATUSES",
    "Goal",
    "baseline_folder",
    "measure_goals",
    "read_goals",
    "write_goals",
]

#: Every goal measure, and whether a higher value is better.
MEASURES: dict[str, bool] = {"reach": True, "gaps": False, **dict.fromkeys(ANCHOR_MEASURES, True)}

#: Keys of one goal in the project YAML.
GOAL_KEYS = ("name", "measure", "domain", "target", "by", "baseline", "baseline_year")

#: The statuses of :func:`measure_goals`.
STATUSES = ("met", "on track", "behind", "no baseline", "not measured")

#: Columns of :func:`measure_goals`, in order.
GOAL_COLUMNS = [
    "name",
    "measure",
    "domain",
    "target",
    "by",
    "baseline",
    "baseline_year",
    "now",
    "year",
    "progress",
    "status",
    "note",
    "sentence",
]

_EXAMPLE = "{name: Food within reach, measure: reach, domain: food, target: 80%, by: 2027}"


@dataclass(frozen=True)
class Goal:
    """One shared goal of the coalition, as the project YAML states it.

    Attributes
    ----------
    name : str
        A few words naming the goal ("Food within reach").
    measure : str
        A key of :data:`MEASURES`: ``reach``, ``gaps`` or an anchor measure.
    target : float
        A share from 0 to 1 (``reach`` and the anchor measures), or a number of gaps.
    by : int
        The year the target is to be reached.
    domain : str or None
        The service domain (required for ``reach``, optional for ``gaps``).
    baseline : float or None
        The measure's value when the goal was set, given by hand.
    baseline_year : int or None
        The year of ``baseline``.

    Examples
    --------
    >>> Goal("Food within reach", "reach", 0.8, 2027, domain="food").higher_is_better
    True
    """

    name: str
    measure: str
    target: float
    by: int
    domain: str | None = None
    baseline: float | None = None
    baseline_year: int | None = None

    @property
    def higher_is_better(self) -> bool:
        """Whether the goal is to raise the measure (False for ``gaps``: to lower it)."""
        return MEASURES[self.measure]


def read_goals(
    value: Any,
    *,
    path: str | Path | None = None,
    domains: Collection[str] | None = None,
) -> list[Goal]:
    r"""Check a project's ``goals:`` section and return its goals.

    Parameters
    ----------
    value : list of dict or None
        The section as read from the YAML (None: no goals).
    path : str or Path, optional
        The project file, named in every error.
    domains : collection of str, optional
        The study's domain keys (e.g. its ``dict`` of :class:`~assetmap.domains.Domain`);
        a goal's domain must be one of them.

    Returns
    -------
    list of Goal

    Raises
    ------
    ConfigError
        One sentence naming the file, the goal's position (``goals[0]`` is the first) and
        the key: an unknown measure or key, a target out of range, a missing domain for
        ``reach``, an unknown domain, a year that is none.

    Examples
    --------
    >>> read_goals([{"name": "Food within reach", "measure": "reach", "domain": "food",
    ...              "target": "80%", "by": 2027}])[0].target
    0.8
    >>> try:
    ...     read_goals([{"name": "X", "measure": "reach", "domain": "food",
    ...                  "target": "150%", "by": 2027}], path="p.yml")
    ... except ConfigError as err:
    ...     print(str(err).replace(" or a", "\n  or a"))
    p.yml: goals[0].target must be a share from 0 to 1 (e.g. 0.8)
      or a percent from 0% to 100% (e.g. "80%"), not '150%'
    """
    where = f"{path}: " if path is not None else ""
    if value is None:
        return []
    if not isinstance(value, list):
        msg = f"{where}goals must be a list of goals, e.g. goals: [{_EXAMPLE}]"
        raise ConfigError(msg)
    goals = [_goal(entry, f"{where}goals[{i}]", domains) for i, entry in enumerate(value)]
    seen: dict[str, int] = {}
    for i, g in enumerate(goals):
        if g.name in seen:
            msg = f"{where}goals[{i}].name {g.name!r} is already the name of goals[{seen[g.name]}]"
            raise ConfigError(msg)
        seen[g.name] = i
    return goals


def _goal(entry: Any, at: str, domains: Collection[str] | None) -> Goal:
    """Check one goal (``at`` is ``"p.yml: goals[0]"``)."""
    if not isinstance(entry, dict):
        msg = f"{at} must be a mapping like {_EXAMPLE}"
        raise ConfigError(msg)
    unknown = sorted(str(k) for k in set(entry) - set(GOAL_KEYS))
    if unknown:
        msg = f"{at} has unknown keys {unknown}; known keys: {', '.join(GOAL_KEYS)}"
        raise ConfigError(msg)
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        msg = f"{at}.name is required: a few words naming the goal (e.g. name: Food within reach)"
        raise ConfigError(msg)
    measure = entry.get("measure")
    if not isinstance(measure, str) or measure not in MEASURES:
        known = ", ".join(MEASURES)
        msg = f"{at}.measure {measure!r} is not a goal measure; known: {known}"
        raise ConfigError(msg)
    domain = _domain(entry.get("domain"), str(measure), at, domains)
    if "target" not in entry:
        msg = f"{at}.target is required: {_value_hint(str(measure))}"
        raise ConfigError(msg)
    if "by" not in entry:
        msg = f"{at}.by is required: the year the target is to be reached (e.g. by: 2027)"
        raise ConfigError(msg)
    target = _number(entry["target"], str(measure), f"{at}.target")
    by = _year(entry["by"], f"{at}.by")
    baseline, when = entry.get("baseline"), entry.get("baseline_year")
    base = None if baseline is None else _number(baseline, str(measure), f"{at}.baseline")
    base_year = None if when is None else _year(when, f"{at}.baseline_year")
    if base_year is not None and base_year > by:
        msg = f"{at}.baseline_year {base_year} is after the goal's year by: {by}"
        raise ConfigError(msg)
    return Goal(name.strip(), str(measure), target, by, domain, base, base_year)


def _domain(value: Any, measure: str, at: str, domains: Collection[str] | None) -> str | None:
    """Check a goal's domain: required for reach, optional for gaps, none for the anchor."""
    if value is None:
        if measure == "reach":
            msg = f"{at}.domain is required for measure reach (e.g. domain: food)"
            raise ConfigError(msg)
        return None
    if measure in ANCHOR_MEASURES:
        msg = f"{at}.domain is not used by measure {measure} (the hospital's data); remove it"
        raise ConfigError(msg)
    key = str(value)
    if domains is not None and key not in domains:
        close = difflib.get_close_matches(key, list(domains), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        msg = f"{at}.domain {key!r} is not a domain; {hint}known: {', '.join(domains)}"
        raise ConfigError(msg)
    return key


def _value_hint(measure: str) -> str:
    if MEASURES[measure] is False:
        return "a whole number of gaps, 0 or more (e.g. 5)"
    return 'a share from 0 to 1 (e.g. 0.8) or a percent from 0% to 100% (e.g. "80%")'


def _number(value: Any, measure: str, key: str) -> float:
    """Read a target or baseline: a share or percent, or a count of gaps."""
    out: float | None = None
    if measure == "gaps":
        if isinstance(value, int | float) and not isinstance(value, bool):
            out = float(value) if float(value).is_integer() and value >= 0 else None
    elif isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", value)
        out = float(m.group(1)) / 100 if m else None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        out = float(value)
    if out is None or not 0 <= out <= 1 and measure != "gaps":
        msg = f"{key} must be {_value_hint(measure)}, not {value!r}"
        raise ConfigError(msg)
    return out


def _year(value: Any, key: str) -> int:
    """Read a year such as 2027."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
        msg = f"{key} must be a year such as 2027, not {value!r}"
        raise ConfigError(msg)
    return value


def baseline_folder(value: Any, *, path: str | Path) -> Path | None:
    r"""Check a project's ``baseline:`` key: a folder an earlier ``assetmap build`` wrote.

    Parameters
    ----------
    value : str or None
        The folder as written in the YAML, relative to the project file's folder.
    path : str or Path
        The project file.

    Returns
    -------
    Path or None
        The folder (None when the key is absent).

    Raises
    ------
    ConfigError
        When it is not a folder holding ``provenance.json`` and ``layers.gpkg``.

    Examples
    --------
    >>> baseline_folder(None, path="p.yml") is None
    True
    >>> try:
    ...     baseline_folder("old", path="/no/such/p.yml")
    ... except ConfigError as err:
    ...     print(str(err).replace(" (", "\n(").replace("; ", ";\n"))
    /no/such/p.yml: baseline names 'old', which is not a folder written by assetmap build
    (/no/such/old has no provenance.json and no layers.gpkg);
    name the --out folder of an earlier build
    """
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        msg = f"{path}: baseline must be the folder of an earlier build (e.g. baseline: out2023)"
        raise ConfigError(msg)
    folder = Path(value).expanduser()
    folder = folder if folder.is_absolute() else Path(path).parent / folder
    missing = [f for f in ("provenance.json", "layers.gpkg") if not (folder / f).is_file()]
    if missing:
        msg = (
            f"{path}: baseline names {value!r}, which is not a folder written by assetmap "
            f"build ({folder} has no {' and no '.join(missing)}); name the --out folder of "
            "an earlier build"
        )
        raise ConfigError(msg)
    return folder


def _status(
    goal: Goal, now: float, base: float, base_year: int | None, year: int
) -> tuple[str, float, str]:
    """Return (status, progress, note) for a goal measured ``now`` (see the module doc)."""
    if math.isnan(now):
        return "not measured", np.nan, ""
    sign = 1.0 if goal.higher_is_better else -1.0
    known = not math.isnan(base)
    was_met = known and sign * (base - goal.target) >= 0
    progress = (now - base) / (goal.target - base) if known and not was_met else np.nan
    if sign * (now - goal.target) >= -1e-12:
        return "met", progress, ""
    if year > goal.by:
        return "behind", progress, f"the goal's year {goal.by} has passed"
    if not known:
        return "no baseline", progress, "no baseline to judge progress by (baseline:)"
    if was_met:
        return "behind", progress, f"met at the baseline ({value_text(goal, base)}) but not now"
    if base_year is None:
        return "no baseline", progress, "the baseline has no year (baseline_year:)"
    span = goal.by - base_year
    elapsed = 1.0 if span <= 0 else min(max((year - base_year) / span, 0.0), 1.0)
    note = (
        f"{progress:.0%} of the way from baseline to target with {elapsed:.0%} of the time "
        f"from {base_year} to {goal.by} gone"
    )
    return ("on track" if progress >= elapsed - 1e-9 else "behind"), progress, note


def measure_goals(
    goals: list[Goal],
    atlas: Atlas,
    *,
    baseline: Atlas | None = None,
    year: int | None = None,
    baseline_year: int | None = None,
) -> pd.DataFrame:
    r"""Measure each shared goal on an Atlas: baseline, now, progress and status.

    Parameters
    ----------
    goals : list of Goal
        From :func:`read_goals` (a project's :attr:`~assetmap.project.Project.goals`).
    atlas : Atlas
        The build measured now.
    baseline : Atlas, optional
        An earlier build of the same area (e.g. read back with
        :func:`assetmap.readback.read_output_folder`); a goal measurable there takes
        its baseline from it, else from the goal's ``baseline:``.
    year : int, optional
        The year of ``atlas`` (default: its provenance run date, else this year).
    baseline_year : int, optional
        The year of ``baseline`` (default: its provenance run date).

    Returns
    -------
    pandas.DataFrame
        One row per goal, columns :data:`GOAL_COLUMNS`: ``name``, ``measure``,
        ``domain``, ``target``, ``by``, ``baseline`` and ``baseline_year`` (NaN / None
        when unknown), ``now``, ``year``, ``progress``, ``status`` (one of
        :data:`STATUSES`), ``note`` (why not measured, or how progress was judged) and
        ``sentence``. Shares are 0–1.

    Examples
    --------
    >>> import assetmap as am, geopandas as gpd, pandas as pd
    >>> units = gpd.GeoDataFrame({"population": [300, 100], "need_pct": [0.9, 0.8]},
    ...     index=pd.Index(["a", "b"], name="unit_id"), geometry=[None, None])
    >>> access = pd.DataFrame({"unit_id": ["a", "b"], "domain": "food", "status": "ok",
    ...     "threshold_min": 15.0, "population_beyond": [0.0, 100.0]})
    >>> atlas = am.Atlas("t", units, units.iloc[:0], access, pd.DataFrame(), units.iloc[:0],
    ...     am.load_domains(), None)
    >>> goal = Goal("Food within reach", "reach", 0.8, 2027, domain="food", baseline=0.6,
    ...     baseline_year=2023)
    >>> row = measure_goals([goal], atlas, year=2025).iloc[0]
    >>> round(float(row["now"]), 3), round(float(row["progress"]), 3), row["status"]
    (0.75, 0.75, 'on track')
    >>> print(row["sentence"].replace("; ", ";\n"))
    75% of residents of high-need neighbourhoods are within a 15-minute walk of a food service;
    the goal is 80% by 2027 (baseline 60% in 2023): on track.
    """
    now_year = year or run_year(atlas) or datetime.now(UTC).year
    then_year = baseline_year or (run_year(baseline) if baseline is not None else None)
    rows = []
    for goal in goals:
        now, why = goal_value(goal, atlas)
        base, base_year = np.nan, goal.baseline_year
        if baseline is not None:
            base, _ = goal_value(goal, baseline)
            base_year = then_year if not math.isnan(base) else base_year
        if math.isnan(base) and goal.baseline is not None:
            base, base_year = goal.baseline, goal.baseline_year
        status, progress, note = _status(goal, now, base, base_year, now_year)
        row: dict[str, Any] = {
            "name": goal.name,
            "measure": goal.measure,
            "domain": goal.domain,
            "target": goal.target,
            "by": goal.by,
            "baseline": base,
            "baseline_year": base_year if not math.isnan(base) else None,
            "now": now,
            "year": now_year,
            "progress": progress,
            "status": status,
            "note": why if status == "not measured" else "; ".join(s for s in (why, note) if s),
        }
        row["sentence"] = sentence(goal, row, atlas)
        rows.append(row)
    return pd.DataFrame(rows, columns=GOAL_COLUMNS)


def write_goals(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the goals table as a spreadsheet-safe CSV (:func:`assetmap.csvsafe.write_csv`).

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`measure_goals`.
    path : str or Path
        The CSV file (``goals.csv`` in an output folder).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "goals.csv"
    >>> write_goals(pd.DataFrame({"name": ["=1+1"]}, columns=GOAL_COLUMNS), out).read_text()[:9]
    'name,meas'
    """
    from assetmap.csvsafe import write_csv

    return write_csv(frame, path)
