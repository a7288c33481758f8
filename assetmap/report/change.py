"""The change report: what changed between two builds, in sentences that carry both periods.

:func:`write_change_report` turns a :class:`~assetmap.analysis.compare.Comparison` into
``change.html`` and ``change.md`` with one change map per indicator
(``change_figures/<indicator>.png``): a diverging, colour-blind-safe palette (ColorBrewer
PuOr) of the difference in percentage points, where a change that is not statistically
significant at the comparison's level is drawn muted and hatched and a change that could
not be tested (no margin of error on one side) is grey. Every sentence names both
studies (e.g. "ACS 2007-2011" and "ACS 2019-2023"), so a quoted line keeps its meaning.
Text from the data is escaped; nothing from a data file becomes markup.
"""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

    from assetmap.analysis.compare import Comparison

__all__ = ["CHANGE_COLOURS", "change_figure", "change_sentences", "write_change_report"]

#: ColorBrewer PuOr, 6 classes: falls (purple) to rises (orange); colour-blind safe.
CHANGE_COLOURS = ("#542788", "#998ec3", "#d8daeb", "#fee0b6", "#f1a340", "#b35806")
MUTED = "#f2f2f2"
NOT_TESTED = "#bdbdbd"


def _bins(diff: np.ndarray) -> np.ndarray:
    """Return symmetric class edges around 0 for the differences (3 below, 3 above)."""
    finite = np.abs(diff[np.isfinite(diff)])
    top = float(np.nanmax(finite)) if finite.size else 1.0
    top = top if top > 0 else 1.0
    step = top / 3
    return np.array([-2 * step, -step, 0.0, step, 2 * step])


def _fmt(edge: float) -> str:
    return f"{edge:+.1f}" if abs(edge) >= 0.05 else "0"


def change_figure(
    comparison: Comparison, units: gpd.GeoDataFrame, indicator: str, *, dpi: int = 80
) -> bytes:
    r"""Draw the change map of one indicator and return it as PNG bytes.

    Parameters
    ----------
    comparison : Comparison
    units : geopandas.GeoDataFrame
        The later study's units (index ``unit_id``), for their shapes.
    indicator : str
        An indicator key of ``comparison.change``.
    dpi : int

    Returns
    -------
    bytes

    Examples
    --------
    >>> import assetmap as am  # doctest: +SKIP
    >>> a, b = am.load_sample(acs="2007-2011").build(), am.load_sample().build()  # doctest: +SKIP
    >>> change_figure(am.compare(a, b), b.units, "poverty_100")[:4] == b"\x89PNG"  # doctest: +SKIP
    True
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from assetmap.region import measure_crs

    rows = comparison.change[comparison.change["indicator"] == indicator].set_index("unit_id")
    shapes = units.to_crs(measure_crs(units))
    diff = pd.to_numeric(rows["difference"], errors="coerce").reindex(shapes.index)
    sig = rows["significant"].reindex(shapes.index)
    tested = sig.notna().to_numpy()
    significant = sig.fillna(False).astype(bool).to_numpy()
    values = diff.to_numpy(dtype=float)
    edges = _bins(values[significant]) if significant.any() else _bins(values)
    klass = np.digitize(values, edges)
    fig, ax = plt.subplots(figsize=(8.4, 6.0), dpi=dpi)
    if (~tested).any():
        shapes[~tested].plot(ax=ax, color=NOT_TESTED, edgecolor="#ffffff", linewidth=0.4)
    muted = tested & ~significant
    if muted.any():
        shapes[muted].plot(ax=ax, color=MUTED, edgecolor="#9e9e9e", linewidth=0.4, hatch="///")
    if significant.any():
        colours = [CHANGE_COLOURS[int(k)] for k in klass[significant]]
        shapes[significant].plot(ax=ax, color=colours, edgecolor="#ffffff", linewidth=0.4)
    ax.set_axis_off()
    label = str(rows["label"].iloc[0]) if len(rows) else indicator
    before, after = _words(comparison.labels)
    ax.set_title(f"{label}: change from {before} to {after}", fontsize=11)
    word = "percentage points" if _percent(comparison, indicator) else "change"
    _legend(ax, edges, word, comparison.alpha)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _percent(comparison: Comparison, key: str) -> bool:
    """Whether an indicator is a percent (0–100), so its change reads in points."""
    return bool(comparison.params.get("indicator_units", {}).get(key, "percent") == "percent")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _legend(ax: Axes, edges: np.ndarray, word: str, alpha: float) -> None:
    from matplotlib.patches import Patch

    bounds = [-np.inf, *edges.tolist(), np.inf]
    labels = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        if np.isinf(lo):
            labels.append(f"fell by more than {_fmt(-hi).lstrip('+')}")
        elif np.isinf(hi):
            labels.append(f"rose by more than {_fmt(lo).lstrip('+')}")
        else:
            labels.append(f"{_fmt(lo)} to {_fmt(hi)}")
    handles = [Patch(facecolor=c, edgecolor="none") for c in CHANGE_COLOURS]
    level = round(100 * (1 - alpha))
    handles += [
        Patch(facecolor=MUTED, edgecolor="#9e9e9e", hatch="///"),
        Patch(facecolor=NOT_TESTED, edgecolor="none"),
    ]
    labels += [f"not significant at {level}%", "not tested (no estimate or margin)"]
    ax.legend(
        handles,
        labels,
        title=f"Significant change ({word})",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
        title_fontsize=8,
        frameon=False,
    )


def _value(v: object, percent: bool) -> str:
    x = pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]
    if pd.isna(x):
        return "no estimate"
    return f"{x:.1f}%" if percent else f"{x:,.1f}"


def _indicator_sentence(
    rows: pd.DataFrame, labels: tuple[str, str], alpha: float, percent: bool
) -> str:
    """One sentence per indicator: significant rises and falls, and the largest change."""
    label = str(rows["label"].iloc[0])
    tested = rows[rows["significant"].notna()]
    if tested.empty:
        notes = rows["note"].dropna().astype(str)
        why = notes.iloc[0] if len(notes) else "no margins of error"
        return f"{label}: not tested between {labels[0]} and {labels[1]} ({why})."
    sig = tested[tested["significant"].astype(bool)]
    up = int((sig["difference"] > 0).sum())
    down = int((sig["difference"] < 0).sum())
    level = round(100 * (1 - alpha))
    out = (
        f"{label}: from {labels[0]} to {labels[1]}, rose significantly (at {level}%) in {up} "
        f"and fell significantly in {down} of {len(tested)} neighbourhoods tested"
    )
    if len(sig):
        big = sig.loc[sig["difference"].abs().idxmax()]
        moe = float(pd.to_numeric(pd.Series([big["moe_difference"]]), errors="coerce").iloc[0])
        points = f"{big['difference']:+.1f}" + (" points" if percent else "")
        out += (
            f"; the largest, {big['name']}: {_value(big['estimate_before'], percent)} in "
            f"{labels[0]}, {_value(big['estimate_after'], percent)} in {labels[1]} "
            f"({points} ± {moe:.1f})"
        )
    return out + "."


def _words(labels: tuple[str, str]) -> tuple[str, str]:
    """Name unnamed studies in words a sentence can hold ("in the earlier build")."""
    return ("the earlier build", "the later build") if labels == ("before", "after") else labels


def change_sentences(comparison: Comparison) -> list[str]:
    """Return the change report's sentences, each naming both studies.

    Examples
    --------
    >>> import pandas as pd
    >>> from assetmap.analysis.compare import Comparison
    >>> c = Comparison(*(pd.DataFrame() for _ in range(5)), matched_units=0)
    >>> change_sentences(c)
    ['0 units are in both studies.']
    """
    labels, out = _words(comparison.labels), [comparison.summary()]
    ch = comparison.change
    if len(ch):
        for key, rows in ch.groupby("indicator", sort=False):
            pct = _percent(comparison, str(key))
            out.append(_indicator_sentence(rows, labels, comparison.alpha, pct))
    need = comparison.need
    if len(need) and "class_change" in need:
        moved = pd.to_numeric(need["class_change"], errors="coerce")
        out.append(
            f"Need class (quintile of the need index within each study): {int((moved > 0).sum())} "
            f"neighbourhoods moved up and {int((moved < 0).sum())} down between {labels[0]} and "
            f"{labels[1]}; a class says where a neighbourhood ranks among the others, not "
            "whether its need rose or fell."
        )
    d = comparison.domains
    if len(d):
        from assetmap.domains import load_domains

        known = load_domains()
        for _, r in d.iterrows():
            key = str(r["domain"])
            word = known[key].label if key in known else key
            out.append(
                f"{word}: {_plural(int(r['gaps_before']), 'gap')} in {labels[0]}, "
                f"{int(r['gaps_after'])} in {labels[1]} ({int(r['gaps_closed'])} closed, "
                f"{int(r['gaps_opened'])} opened); "
                f"{_plural(int(r['services_opened']), 'service')} opened, "
                f"{int(r['services_closed'])} closed, {int(r['services_moved'])} moved; "
                f"{r['newly_in_reach']:,.0f} residents newly within reach."
            )
    return out


def _markdown(title: str, sentences: list[str], figures: dict[str, str]) -> str:
    from assetmap.report.build import md_escape

    lines = [f"# {md_escape(title)}", ""]
    lines += [f"- {md_escape(s)}" for s in sentences]
    lines.append("")
    for key, name in figures.items():
        lines += [f"![Change map: {md_escape(key)}](change_figures/{name})", ""]
    return "\n".join(lines)


def _html(title: str, sentences: list[str], figures: dict[str, str]) -> str:
    esc = html.escape
    items = "\n".join(f"<li>{esc(s)}</li>" for s in sentences)
    figs = "\n".join(
        f'<figure><img src="change_figures/{esc(name)}" alt="Change map: {esc(key)}" '
        'style="max-width:100%"></figure>'
        for key, name in figures.items()
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem}li{margin:.3rem 0}</style></head><body>"
        f"<h1>{esc(title)}</h1><ul>{items}</ul>{figs}</body></html>\n"
    )


def write_change_report(
    comparison: Comparison, units: gpd.GeoDataFrame | None, out_dir: str | Path
) -> dict[str, Path]:
    """Write ``change.html``, ``change.md`` and one change map per tested indicator.

    Parameters
    ----------
    comparison : Comparison
    units : geopandas.GeoDataFrame or None
        The later study's units, for the maps; None writes the sentences only.
    out_dir : str or Path

    Returns
    -------
    dict of str to Path
        ``change_html``, ``change_md`` and ``figure:<indicator>`` paths.

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> from assetmap.analysis.compare import Comparison
    >>> c = Comparison(*(pd.DataFrame() for _ in range(5)), matched_units=0)
    >>> sorted(write_change_report(c, None, tempfile.mkdtemp()))
    ['change_html', 'change_md']
    """
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    figures: dict[str, str] = {}
    ch = comparison.change
    if units is not None and len(ch):
        fdir = d / "change_figures"
        fdir.mkdir(exist_ok=True)
        for key, rows in ch.groupby("indicator", sort=False):
            if rows["significant"].notna().any():
                name = f"{key}.png"
                (fdir / name).write_bytes(change_figure(comparison, units, str(key)))
                figures[str(rows["label"].iloc[0])] = name
                paths[f"figure:{key}"] = fdir / name
    first, second = _words(comparison.labels)
    title = f"What changed: {first} to {second}"
    sentences = change_sentences(comparison)
    (d / "change.html").write_text(_html(title, sentences, figures), encoding="utf-8")
    (d / "change.md").write_text(_markdown(title, sentences, figures), encoding="utf-8")
    paths["change_html"], paths["change_md"] = d / "change.html", d / "change.md"
    return paths
