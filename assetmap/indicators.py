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

import yaml

from assetmap._resources import layers_dir
from assetmap.domains import safe_load_yaml
from assetmap.errors import ConfigError

__all__ = ["MISSING_CODES", "Indicator", "IndicatorSet", "load_indicators"]

#: Values that mean "no estimate" in public files: CDC/ATSDR SVI's -999 and the Census
#: API's annotation values (-666666666 and kin).
MISSING_CODES = (-999.0, -888888888.0, -666666666.0, -555555555.0, -333333333.0, -222222222.0)


@dataclass(frozen=True)
class Indicator:
    """One need indicator: a ratio of summed ACS estimates, or a column of the units.

    A *column* indicator (``column: RPL_THEMES``) takes its value as it is from the
    units file (CDC/ATSDR SVI, CDC PLACES, a local survey); ``moe_column`` optionally
    names its margin of error (90%). ACS indicators have ``numerator`` and
    ``denominator`` codes instead.
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

    @property
    def variables(self) -> tuple[str, ...]:
        """ACS variable codes (without suffix) the indicator needs (none for a column)."""
        return tuple(dict.fromkeys(self.numerator + self.denominator))


@dataclass(frozen=True)
class IndicatorSet:
    """Indicators with the index settings of their file."""

    indicators: dict[str, Indicator]
    cv_max: float = 0.30
    flag_percentile: float = 0.90
    source: str = "default"

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
        The file; ``None`` or ``"default"`` reads the one shipped with assetmap.

    Returns
    -------
    IndicatorSet

    Examples
    --------
    >>> ind = load_indicators()
    >>> ind.indicators["poverty_100"].numerator
    ('B06012_002',)
    """
    p = layers_dir() / "indicators.yml" if path in (None, "default") else Path(str(path))
    try:
        raw = safe_load_yaml(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        msg = f"{p}: cannot read indicator definitions ({exc})"
        raise ConfigError(msg) from exc
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
        )
    settings = raw.get("settings") or {}
    return IndicatorSet(
        indicators=out,
        cv_max=float(settings.get("cv_max", 0.30)),
        flag_percentile=float(settings.get("flag_percentile", 0.90)),
        source=str(p),
    )


def _as_list(v: Any) -> list[Any]:
    return list(v) if isinstance(v, list | tuple) else [v]
