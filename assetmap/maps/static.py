"""The study map as one static page (PNG or PDF) for slides and print, drawn by matplotlib.

:func:`static_map` draws what the printed ``map.html`` shows, with no background tiles and
no browser: the units shaded by the need index classes (the same classes, colours and
opacity as the map's need choropleth, :mod:`assetmap.maps._classes`), the services as one
marker per domain (the domain's colour, and a shape of its own so that domains stay apart
without colour), the units with a gap outlined, and beside the map a legend, with the
title, a scale bar, a north arrow, the date, the sources and, for a synthetic study, its
label.

matplotlib is imported when a page is drawn, never by ``import assetmap``.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import os
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assetmap.maps import _layers as layers
from assetmap.maps._classes import MISSING_COLOUR, Classes, classify_values
from assetmap.maps._html import colour as checked_colour
from assetmap.maps._panels import SYNTHETIC_LABEL, need_scale
from assetmap.maps._reliability import ranked_values

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from assetmap.atlas import Atlas

__all__ = ["MARKERS", "PAPERS", "static_map"]

#: Paper sizes in inches, landscape (width, height).
PAPERS: dict[str, tuple[float, float]] = {
    "letter": (11.0, 8.5),
    "a4": (297 / 25.4, 210 / 25.4),
}

#: Marker shapes given to the domains in order (matplotlib marker codes), so that two
#: domains differ by shape as well as by colour.
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "p", "h", "<", ">", "*")

#: Fill opacity of a unit with a need class, as on the interactive map.
OPACITY: float = float(inspect.signature(layers.choropleth_spec).parameters["opacity"].default)
MISSING_OPACITY = 0.4  # as the map's script draws a unit with no class
GAP_COLOUR = "#111111"
NOT_ASSESSED_COLOUR = "#9e9e9e"

# Where the parts sit on the page, in figure fractions: (left, bottom, width, height).
_MAP_BOX = (0.025, 0.115, 0.655, 0.745)
_LEGEND_BOX = (0.70, 0.115, 0.285, 0.745)


@dataclass(frozen=True)
class _Service:
    """One domain's markers: label, colour, shape, points (x, y) and whether it is assessed."""

    label: str
    colour: str
    marker: str
    xs: list[float]
    ys: list[float]
    assessed: bool


def static_map(
    atlas: Atlas,
    path: str | Path,
    *,
    paper: str = "letter",
    dpi: int = 200,
    date: dt.date | str | None = None,
    classify: str = "quantiles",
    k: int = 5,
    palette: str = "YlOrRd",
) -> Path:
    """Draw the study map as one landscape page and write it as PNG or PDF.

    Parameters
    ----------
    atlas : Atlas
        The study (any CRS; drawn in its UTM zone so that the scale bar is true).
    path : str or Path
        File to write; its suffix chooses the format: ``.png`` or ``.pdf``.
    paper : {"letter", "a4"}, default "letter"
        Landscape page size (11 × 8.5 in or 297 × 210 mm).
    dpi : int, default 200
        Pixels per inch of a PNG (a letter page is 2200 × 1700 pixels at 200).
    date : datetime.date or str, optional
        Date printed on the page; by default ``$SOURCE_DATE_EPOCH`` when set (a
        reproducible build), else today.
    classify, k, palette
        Classes of the need index, as :func:`assetmap.maps.make_map` takes them (the
        defaults are the map's).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        If ``paper`` or the file suffix is not one of the choices.

    Examples
    --------
    >>> import assetmap as am  # doctest: +SKIP
    >>> static_map(am.load_sample().build(), "map.png", paper="a4")  # doctest: +SKIP
    PosixPath('map.png')
    """
    fig = static_figure(atlas, paper=paper, date=date, classify=classify, k=k, palette=palette)
    out = Path(path)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in {"png", "pdf"}:
        msg = f"a static map is written as .png or .pdf, not {out.name!r}"
        raise ValueError(msg)
    # no time stamps in the file: the same study and date give the same bytes
    meta: dict[str, Any] = {"CreationDate": None} if fmt == "pdf" else {"Software": None}
    fig.savefig(out, format=fmt, dpi=dpi, metadata=meta)
    return out


def static_figure(
    atlas: Atlas,
    *,
    paper: str = "letter",
    date: dt.date | str | None = None,
    classify: str = "quantiles",
    k: int = 5,
    palette: str = "YlOrRd",
) -> Figure:
    """Return the page of :func:`static_map` as a matplotlib Figure, not yet saved.

    Its artists carry ``gid`` names a test can find: ``title``, ``synthetic``, ``legend``,
    ``scalebar``, ``north``, ``date``, ``sources``, ``map``.

    Examples
    --------
    >>> import assetmap as am  # doctest: +SKIP
    >>> fig = static_figure(am.load_sample().build())  # doctest: +SKIP
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    key = paper.lower().replace("-", "")
    if key not in PAPERS:
        msg = f"paper={paper!r} is not known; use one of: {', '.join(PAPERS)}"
        raise ValueError(msg)
    fig = Figure(figsize=PAPERS[key], facecolor="white")
    FigureCanvasAgg(fig)  # drawn without pyplot, whatever backend a notebook chose
    units = atlas.units
    crs = units.estimate_utm_crs() if units.crs is not None and not units.empty else None
    units = units.to_crs(crs) if crs is not None else units
    ax = fig.add_axes(_MAP_BOX)
    ax.set_gid("map")
    classes, scale_title, labels = _need_classes(atlas, classify=classify, k=k, palette=palette)
    _draw_units(ax, units, classes)
    _draw_gaps(ax, units, atlas.gaps)
    services = _services(atlas, crs)
    _draw_services(ax, services)
    _frame(ax, units)
    _scale_bar(ax)
    _north_arrow(ax)
    _legend(fig, classes, scale_title, labels, services, gaps=_gap_ids(atlas.gaps, units))
    _header(fig, str(atlas.name), synthetic=bool(atlas.synthetic))
    _footer(fig, atlas.provenance or {}, _date_words(date))
    return fig


def _plain(value: object) -> str:
    """Text drawn as it is: a ``$`` in data must not start matplotlib's math mode."""
    return str(value).replace("$", r"\$")


def _need_classes(
    atlas: Atlas, *, classify: str, k: int, palette: str
) -> tuple[Classes | None, str, list[str]]:
    """Return the need index's classes, the legend heading and one line per class."""
    units = atlas.units
    if "need_pct" not in units.columns:
        return None, "Need", []
    values = ranked_values(units, "need_pct", atlas.indicators)
    classes = classify_values(values, method=classify, k=k, palette_name=palette)
    scale = need_scale("need_pct", atlas.indicators)
    return classes, scale.title, scale.class_labels(classes)


def _draw_units(ax: Axes, units: gpd.GeoDataFrame, classes: Classes | None) -> None:
    """Shade each unit by its need class (the missing colour when it has none)."""
    from matplotlib.colors import to_rgba

    if units.empty:
        return
    codes = classes.yb.reindex(units.index).fillna(-1).astype(int) if classes else None
    fills = []
    for uid in units.index:
        c = int(codes.loc[uid]) if codes is not None else -1
        if c >= 0 and classes is not None:
            fills.append(to_rgba(classes.colour_of(c), OPACITY))
        else:
            fills.append(to_rgba(MISSING_COLOUR, MISSING_OPACITY))
    units.plot(ax=ax, color=fills, edgecolor="#555555", linewidth=0.3)


def _gap_ids(gaps: Any, units: gpd.GeoDataFrame) -> list[str]:
    """Units with at least one gap, in the units' order."""
    if gaps is None or len(gaps) == 0 or "unit_id" not in gaps.columns:
        return []
    have = set(gaps["unit_id"].astype(str))
    return [uid for uid in units.index.astype(str) if uid in have]


def _draw_gaps(ax: Axes, units: gpd.GeoDataFrame, gaps: Any) -> None:
    """Outline the units with a gap (dashed, as the map's gap lines)."""
    ids = _gap_ids(gaps, units)
    if not ids:
        return
    shown = units[units.index.astype(str).isin(ids)]
    shown.boundary.plot(ax=ax, color=GAP_COLOUR, linewidth=1.1, linestyle=(0, (3, 1.5)))


def _services(atlas: Atlas, crs: Any) -> list[_Service]:
    """Each domain's markers, in the domains' file order, then any other domain."""
    assets = atlas.assets
    if assets is None or assets.empty or "domain" not in assets.columns:
        return []
    if crs is not None and assets.crs is not None:
        assets = assets.to_crs(crs)
    assets = assets[assets.geometry.notna() & ~assets.geometry.is_empty]
    keys = list(atlas.domains)
    keys += sorted(set(assets["domain"].dropna().astype(str)) - set(keys))
    skipped = set(getattr(atlas, "not_assessed", None) or ())
    out = []
    for i, key in enumerate(keys):
        rows = assets[assets["domain"].astype(str) == key]
        if rows.empty:
            continue
        dom = atlas.domains.get(key)
        label = dom.label if dom is not None else key
        assessed = key not in skipped
        # the map's own check: a colour that is not hex is drawn grey there and here
        colour = checked_colour(dom.colour) if dom is not None else checked_colour(None)
        colour = colour if assessed else NOT_ASSESSED_COLOUR
        pts = rows.geometry.representative_point()
        out.append(
            _Service(
                label if assessed else f"{label} (not assessed)",
                colour,
                MARKERS[i % len(MARKERS)],
                [float(p.x) for p in pts],
                [float(p.y) for p in pts],
                assessed,
            )
        )
    return out


def _draw_services(ax: Axes, services: Sequence[_Service]) -> None:
    for s in services:
        ax.scatter(
            s.xs,
            s.ys,
            s=16 if s.assessed else 10,
            c=s.colour,
            marker=s.marker,
            edgecolors="#222222",
            linewidths=0.5,
            zorder=4 if s.assessed else 3,
        )


def _frame(ax: Axes, units: gpd.GeoDataFrame) -> None:
    """Fit the axes to the study area with a small margin; no ticks (a map, not a plot)."""
    ax.set_aspect("equal")
    if not units.empty:
        minx, miny, maxx, maxy = (float(v) for v in units.total_bounds)
        pad = 0.03 * max(maxx - minx, maxy - miny, 1.0)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for side in ax.spines.values():
        side.set_edgecolor("#999999")
        side.set_linewidth(0.6)
    ax.set_facecolor("white")


def _nice_length(span: float) -> float:
    """Return a round length (1, 2 or 5 × 10^n) of about a quarter of ``span``."""
    target = max(span / 4, 1e-9)
    base = 10.0 ** math.floor(math.log10(target))
    return float(max(m * base for m in (1, 2, 5) if m * base <= target))


def _scale_bar(ax: Axes) -> None:
    """Draw a scale bar in the lower left corner of the map (its units are metres)."""
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    left, bottom = x0 + 0.03 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    height = 0.012 * (y1 - y0)
    back = Rectangle(
        (left - 0.012 * (x1 - x0), bottom - 0.02 * (y1 - y0)),
        length + 0.05 * (x1 - x0),
        0.075 * (y1 - y0),
        facecolor="white",
        edgecolor="#999999",
        linewidth=0.5,
        alpha=0.9,
        zorder=6,
        gid="scalebar",
    )
    ax.add_patch(back)
    for i in range(2):
        ax.add_patch(
            Rectangle(
                (left + i * length / 2, bottom),
                length / 2,
                height,
                facecolor="#222222" if i == 0 else "white",
                edgecolor="#222222",
                linewidth=0.6,
                zorder=7,
            )
        )
    words = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(left, bottom + 1.6 * height, "0", fontsize=7, zorder=7, ha="center")
    ax.text(left + length, bottom + 1.6 * height, words, fontsize=7, zorder=7, ha="center")


def _north_arrow(ax: Axes) -> None:
    """Draw a north arrow in the upper right corner of the map (grid north of UTM)."""
    ax.annotate(
        "N",
        xy=(0.955, 0.965),
        xytext=(0.955, 0.87),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
        arrowprops={"facecolor": "#222222", "edgecolor": "#222222", "width": 3, "headwidth": 10},
        bbox={"boxstyle": "circle,pad=0.25", "facecolor": "white", "edgecolor": "#999999"},
        zorder=8,
        gid="north",
    )


def _legend(
    fig: Figure,
    classes: Classes | None,
    title: str,
    labels: Sequence[str],
    services: Sequence[_Service],
    *,
    gaps: Sequence[str],
) -> None:
    """Draw the legend in its own box beside the map: need classes, services, gaps."""
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax = fig.add_axes(_LEGEND_BOX)
    ax.set_axis_off()
    handles: list[Any] = []
    names: list[str] = []
    heads: list[int] = []

    def head(words: str) -> None:
        heads.append(len(names))
        handles.append(Patch(visible=False))
        names.append(words)

    head(title)
    if classes is not None:
        for colour, label in zip(classes.colours, labels, strict=True):
            handles.append(Patch(facecolor=to_rgba(colour, OPACITY), edgecolor="#555555"))
            names.append(label)
    missing = to_rgba(MISSING_COLOUR, MISSING_OPACITY)
    handles.append(Patch(facecolor=missing, edgecolor="#555555"))
    names.append("no residents / no data / not ranked")
    if services:
        head("Services")
    for s in services:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker=s.marker,
                markersize=6,
                markerfacecolor=s.colour,
                markeredgecolor="#222222",
                markeredgewidth=0.5,
            )
        )
        names.append(f"{s.label} ({len(s.xs)})")
    if gaps:
        head("Gaps")
        handles.append(Patch(facecolor="none", edgecolor=GAP_COLOUR, linestyle="--"))
        names.append("high need, nearest service beyond the travel threshold")
    size = 8.0 if len(names) <= 30 else max(5.0, 8.0 * 30 / len(names))
    wrapped = [_plain(textwrap.fill(n, 46)) for n in names]
    legend = ax.legend(
        handles,
        wrapped,
        loc="upper left",
        fontsize=size,
        frameon=True,
        borderaxespad=0,
        handlelength=1.6,
        labelspacing=0.45,
    )
    legend.set_gid("legend")
    legend.get_frame().set_edgecolor("#999999")
    for i in heads:
        legend.get_texts()[i].set_fontweight("bold")


def _header(fig: Figure, name: str, *, synthetic: bool) -> None:
    fig.text(
        0.025,
        0.955,
        _plain(textwrap.shorten(name, 90)),
        fontsize=17,
        fontweight="bold",
        va="center",
        gid="title",
    )
    fig.text(
        0.025,
        0.905,
        "Services over need: gaps where need has no service nearby, overlaps where services crowd.",
        fontsize=9.5,
        va="center",
        color="#333333",
    )
    if synthetic:
        fig.text(
            0.985,
            0.955,
            SYNTHETIC_LABEL,
            fontsize=10,
            fontweight="bold",
            color="white",
            ha="right",
            va="center",
            gid="synthetic",
            bbox={"boxstyle": "square,pad=0.35", "facecolor": "#b00020", "edgecolor": "none"},
        )


def _footer(fig: Figure, provenance: Mapping[str, Any], date: str) -> None:
    items = []
    sources = provenance.get("sources") or []
    for src in sources if isinstance(sources, Sequence) and not isinstance(sources, str) else []:
        if not isinstance(src, Mapping):
            continue
        bits = [str(src[k]) for k in ("vintage", "licence") if src.get(k) not in (None, "")]
        extra = f" ({', '.join(bits)})" if bits else ""
        items.append(f"{src.get('name', 'unnamed source')}{extra}")
    line = "Sources: " + ("; ".join(items) if items else "not recorded") + "."
    version = provenance.get("assetmap_version")
    if version:
        line += f" Made with assetmap {version}."
    text = textwrap.shorten(line, 560, placeholder=" …")
    fig.text(
        0.025,
        0.085,
        _plain(textwrap.fill(text, 190)),
        fontsize=7,
        va="top",
        color="#333333",
        gid="sources",
    )
    fig.text(0.985, 0.905, date, fontsize=9, ha="right", va="center", color="#333333", gid="date")


def _date_words(date: dt.date | str | None) -> str:
    """Return the page's date in words: the one given, ``$SOURCE_DATE_EPOCH`` or today."""
    if isinstance(date, str):
        return date
    if date is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
        if epoch.isdigit():
            date = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
        else:
            date = dt.date.today()
    return f"Map made {date.isoformat()}"
