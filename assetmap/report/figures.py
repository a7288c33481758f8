"""Static maps for the report: one PNG per domain, drawn with matplotlib, no tiles needed.

Each figure shows the need percentile of every unit (the same colour-blind-safe sequential
palette as the interactive map), the domain's services as points, and the domain's gap
units outlined. PNGs are written without timestamps, so the same inputs give the same bytes.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from assetmap.atlas import Atlas
    from assetmap.domains import Domain

__all__ = ["NEED_COLOURS", "domain_figure", "write_domain_figures"]

#: ColorBrewer YlOrRd, 5 classes (colour-blind safe sequential).
NEED_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA = "#d9d9d9"


def domain_figure(atlas: Atlas, domain: str, *, dpi: int = 90) -> bytes:
    r"""Draw one domain's static map and return it as PNG bytes.

    Parameters
    ----------
    atlas : Atlas
    domain : str
        A domain key.
    dpi : int
        Resolution of the PNG.

    Returns
    -------
    bytes
        The PNG image.

    Examples
    --------
    >>> import assetmap as am
    >>> png = domain_figure(am.load_sample().build(), "food")
    >>> png[:4] == b"\x89PNG"
    True
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    from assetmap.region import measure_crs

    dom = atlas.domains[domain]
    crs = measure_crs(atlas.units)
    units = atlas.units.to_crs(crs)
    need = units["need_pct"].to_numpy(dtype=float)
    klass = np.full(len(need), -1)
    ok = ~np.isnan(need)
    klass[ok] = np.minimum((need[ok] * 5).astype(int), 4)
    fig, ax = plt.subplots(figsize=(8.4, 6.0), dpi=dpi)
    cmap = ListedColormap(list(NEED_COLOURS))
    has = klass >= 0
    if has.any():
        units[has].plot(
            ax=ax, color=[cmap(int(k)) for k in klass[has]], edgecolor="#ffffff", linewidth=0.4
        )
    if (~has).any():
        units[~has].plot(ax=ax, color=NO_DATA, edgecolor="#ffffff", linewidth=0.4)
    gap_ids = atlas.gaps.loc[atlas.gaps["domain"] == domain, "unit_id"]
    gaps = units[units.index.isin(gap_ids)]
    if len(gaps):
        gaps.boundary.plot(ax=ax, color="#000000", linewidth=1.6)
    pts = atlas.assets[atlas.assets["domain"] == domain].to_crs(crs)
    if len(pts):
        pts.plot(
            ax=ax, color=dom.colour, edgecolor="#000000", linewidth=0.5, markersize=22, zorder=3
        )
    sites = getattr(atlas, "sites", None)
    site_pts = (
        sites[sites["domain"] == domain].to_crs(crs)
        if sites is not None and len(sites) and "domain" in sites
        else None
    )
    if site_pts is not None and len(site_pts):
        site_pts.plot(
            ax=ax, marker="*", color=dom.colour, edgecolor="#000000", linewidth=0.8,
            markersize=260, zorder=4,
        )  # fmt: skip
        for geom, rank in zip(site_pts.geometry, site_pts["rank"], strict=True):
            ax.annotate(
                str(int(rank)), (geom.x, geom.y), xytext=(7, 7), textcoords="offset points",
                fontsize=9, fontweight="bold", zorder=5,
            )  # fmt: skip
    ax.set_axis_off()
    title = f"{dom.label}: services and gaps"
    if atlas.synthetic:
        title += " (synthetic services)"
    ax.set_title(title, fontsize=11)
    _legend(ax, dom, sites=site_pts is not None and len(site_pts) > 0)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _legend(ax: Axes, dom: Domain, *, sites: bool) -> None:
    """Draw the figure's legend: need classes, no data, gaps, services, suggested sites."""
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Artist] = [Patch(facecolor=c, edgecolor="none") for c in NEED_COLOURS]
    labels = ["need: lowest 20%", "20–40%", "40–60%", "60–80%", "highest 20%"]
    handles += [
        Patch(facecolor=NO_DATA, edgecolor="none"),
        Patch(facecolor="none", edgecolor="#000000", linewidth=1.6),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor=dom.colour,
            markeredgecolor="#000000",
            markersize=6,
        ),
    ]
    labels += [
        "no residents / no data",
        f"gap: high need, none within {dom.threshold_min:g} min",
        f"{dom.label.lower()} service",
    ]
    if sites:
        handles.append(
            Line2D(
                [],
                [],
                marker="*",
                linestyle="",
                markerfacecolor=dom.colour,
                markeredgecolor="#000000",
                markersize=12,
            )  # fmt: skip
        )
        labels.append("suggested new site (numbered by rank)")
    ax.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False
    )


def write_domain_figures(atlas: Atlas, folder: str | Path) -> dict[str, Path]:
    """Write ``<folder>/<domain>.png`` for every domain; return the paths by domain key."""
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    out = {}
    for key in atlas.domains:
        p = d / f"{key}.png"
        p.write_bytes(domain_figure(atlas, key))
        out[key] = p
    return out
