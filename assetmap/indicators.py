"""Need indicators as declared in ``layers/indicators.yml``: what to compute, not how.

An :class:`Indicator` is a ratio of summed ACS estimates (or a column of the units file,
such as CDC/ATSDR SVI's own percentiles); an :class:`IndicatorSet` is a file of them
with its index settings. The online sources read these to know which ACS variables to
fetch; :mod:`assetmap.analysis.need` computes the values and the need index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assetmap._resources import layers_dir
from assetmap.domains import read_yaml_file
from assetmap.errors import ConfigError

__all__ = ["MISSING_CODES", "PRESETS", "Indicator", "IndicatorSet", "load_indicators"]

#: Values that mean "no estimate" in public files: CDC/ATSDR SVI's -999 and the Census
#: API's annotation values (-666666666 and kin).
MISSING_CODES = (-999.0, -888888888.0, -666666666.0, -555555555.0, -333333333.0, -222222222.0)

#: Indicator sets shipped with assetmap, by the name a user gives instead of a path:
#: ``default`` (ACS formulas), and CDC/ATSDR SVI 2020 and 2018 from the SVI file's own
#: ``EP_`` columns (``layers/svi2020.yml``, ``layers/svi2018.yml``).
PRESETS = ("default", "svi2020", "svi2018")


@dataclass(frozen=True)
class Indicator:
    """One need indicator: a ratio of summed ACS estimates, or a column of the units.

    A *column* indicator (``column: RPL_THEMES``) takes its value as it is from the
    units file (CDC/ATSDR SVI, CDC PLACES, a local survey); ``moe_column`` optionally
    names its margin of error (90%) and ``cv_column`` its coefficient of variation (when
    given, it is used instead of the one derived from the margin). ACS indicators have
    ``numerator`` and ``denominator`` codes instead.
    """

    key: str
    label: str
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    direction: str = "higher"
    theme: str = "overall"
    unit: str = "percent"
    universe: str = ""
    column: str | None = None
    moe_column: str | None = None
    cv_column: str | None = None

    @property
    def variables(self) -> tuple[str, ...]:
        """ACS variable codes (without suffix) the indicator needs (none for a column)."""
        return tuple(dict.fromkeys(self.numerator + self.denominator))


@dataclass(frozen=True)
class IndicatorSet:
    """Indicators with the index settings of their file.

    ``cv_max``: an estimate whose coefficient of variation is above it is unreliable.
    ``flag_percentile``: an indicator ranked at or above it is flagged (SVI's 90th).
    ``min_population``: units with fewer residents are kept but not ranked.
    ``population_column``: the units' column of residents (``population`` is the
    fallback). ``svi_columns``: also write CDC/ATSDR's names (``epl_<key>``,
    ``spl_<theme>``, ``rpl_<theme>``, ``spl_themes``, ``rpl_themes``) so results can be
    set beside an SVI download column by column.
    """

    indicators: dict[str, Indicator]
    cv_max: float = 0.30
    flag_percentile: float = 0.90
    source: str = "default"
    min_population: float = 100.0
    population_column: str = "population"
    svi_columns: bool = False

    @property
    def variables(self) -> list[str]:
        """Every ACS variable code the set needs, in a stable order."""
        seen: dict[str, None] = {}
        for ind in self.indicators.values():
            for v in ind.variables:
                seen.setdefault(v, None)
        return list(seen)


def load_indicators(path: str | Path | None = None) -> IndicatorSet:
    """Read need indicators from an ``indicators.yml``.

    Parameters
    ----------
    path : str or Path, optional
        The file; ``None`` or ``"default"`` reads the one shipped with assetmap, and the
        names of :data:`PRESETS` (``"svi2020"``, ``"svi2018"``) read CDC/ATSDR SVI's
        variables (a project YAML's ``indicators: svi2020`` resolves to the same).

    Returns
    -------
    IndicatorSet

    Examples
    --------
    >>> ind = load_indicators()
    >>> ind.indicators["poverty_100"].numerator
    ('B06012_002',)
    >>> svi = load_indicators("svi2020")
    >>> len(svi.indicators), svi.indicators["pov150"].column
    (16, 'EP_POV150')
    """
    p = _preset_path(path)
    raw = read_yaml_file(p, what="indicator definitions")
    if not isinstance(raw, dict) or not isinstance(raw.get("indicators"), dict):
        msg = f"{p}: expected a mapping with a top-level 'indicators:' key"
        raise ConfigError(msg)
    out: dict[str, Indicator] = {}
    for key, d in raw["indicators"].items():
        column = d.get("column") if isinstance(d, dict) else None
        if column is not None and (d.get("numerator") or d.get("denominator")):
            msg = (
                f"{p}: indicator {key!r} gives both 'column' and 'numerator'/'denominator'; "
                "use one (a column of the units, or ACS codes)"
            )
            raise ConfigError(msg)
        if column is None and (
            not isinstance(d, dict) or not d.get("numerator") or not d.get("denominator")
        ):
            msg = (
                f"{p}: indicator {key!r} needs 'numerator' and 'denominator' lists of ACS "
                "codes, or 'column' naming a column of the units file"
            )
            raise ConfigError(msg)
        direction = str(d.get("direction", "higher"))
        if direction not in ("higher", "lower"):
            msg = f"{p}: indicator {key!r} direction must be 'higher' or 'lower'"
            raise ConfigError(msg)
        out[str(key)] = Indicator(
            key=str(key),
            label=str(d.get("label", key)),
            numerator=tuple(str(v) for v in _as_list(d.get("numerator") or [])),
            denominator=tuple(str(v) for v in _as_list(d.get("denominator") or [])),
            direction=direction,
            theme=str(d.get("theme", "overall")),
            unit=str(d.get("unit", "percent" if column is None else "value")),
            universe=str(d.get("universe", "")),
            column=None if column is None else str(column),
            moe_column=None if d.get("moe_column") is None else str(d["moe_column"]),
            cv_column=None if d.get("cv_column") is None else str(d["cv_column"]),
        )
    return _with_settings(out, raw.get("settings") or {}, p)


def _preset_path(path: str | Path | None) -> Path:
    """Return the shipped file for ``None`` or a preset name, else the path itself.

    A project YAML resolves ``indicators: svi2020`` against its own folder before it gets
    here, so a missing file whose name is a preset also means the preset.
    """
    if path is None:
        return layers_dir() / "indicators.yml"
    p = Path(str(path))
    name = str(path) if str(path) in PRESETS else p.name
    if name in PRESETS and (str(path) in PRESETS or not p.exists()):
        return layers_dir() / ("indicators.yml" if name == "default" else f"{name}.yml")
    return p


def _with_settings(out: dict[str, Indicator], settings: Any, p: Path) -> IndicatorSet:
    if not isinstance(settings, dict):
        msg = f"{p}: 'settings' must be a mapping (cv_max, flag_percentile, min_population)"
        raise ConfigError(msg)
    try:
        cv_max = float(settings.get("cv_max", 0.30))
        flag = float(settings.get("flag_percentile", 0.90))
        min_pop = float(settings.get("min_population", 100))
    except (TypeError, ValueError) as exc:
        msg = f"{p}: settings cv_max, flag_percentile and min_population must be numbers ({exc})"
        raise ConfigError(msg) from exc
    if cv_max <= 0 or not 0 <= flag <= 1 or min_pop < 0:
        msg = (
            f"{p}: settings need cv_max > 0 (e.g. 0.30), flag_percentile between 0 and 1 "
            "(e.g. 0.90) and min_population >= 0 (e.g. 100)"
        )
        raise ConfigError(msg)
    return IndicatorSet(
        indicators=out,
        cv_max=cv_max,
        flag_percentile=flag,
        source=str(p),
        min_population=min_pop,
        population_column=str(settings.get("population_column", "population")),
        svi_columns=bool(settings.get("svi_columns", False)),
    )


def _as_list(v: Any) -> list[Any]:
    return list(v) if isinstance(v, list | tuple) else [v]
