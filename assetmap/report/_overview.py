"""The summary's map: need in every neighbourhood and how many domains each lacks.

Internal to :mod:`assetmap.report`: drawn with matplotlib like the per-domain figures
(:mod:`assetmap.report.figures`, same need colours), no tiles, no timestamps.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np

from assetmap.report.figures import NEED_COLOURS, NO_DATA

if TYPE_CHECKING:
    from assetmap.atlas import Atlas

__all__ = ["overview_figure"]


def overview_figure(atlas: Atlas, *, dpi: int = 90) -> bytes:
    r"""Draw the summary's map: need classes, gap neighbourhoods outlined and numbered.

    Each high-need neighbourhood with a gap is outlined and labelled with the number of
    domains it has no service of in reach.

    Parameters
    ----------
    atlas : Atlas
    dpi : int

    Returns
    -------
    bytes
        The PNG image.

    Examples
    --------
    >>> import assetmap as am
    >>> overview_figure(am.load_sample().build())[:4] == b"\x89PNG"
    True
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from assetmap.region import measure_crs

    units = atlas.units.to_crs(measure_crs(atlas.units))
    need = units["need_pct"].to_numpy(dtype=float)
    ok = ~np.isnan(need)
    klass = np.where(ok, np.minimum((np.nan_to_num(need) * 5).astype(int), 4), -1)
    fig, ax = plt.subplots(figsize=(8.4, 5.6), dpi=dpi)
    colours = [NEED_COLOURS[k] if k >= 0 else NO_DATA for k in klass]
    units.plot(ax=ax, color=colours, edgecolor="#ffffff", linewidth=0.4)
    per_unit = atlas.gaps.groupby(atlas.gaps["unit_id"].astype(str))["domain"].nunique()
    gap_units = units[units.index.astype(str).isin(per_unit.index)]
    if len(gap_units):
        gap_units.boundary.plot(ax=ax, color="#000000", linewidth=1.6)
        for uid, geom in zip(gap_units.index.astype(str), gap_units.geometry, strict=True):
            p = geom.representative_point()
            ax.annotate(
                str(int(per_unit[uid])), (p.x, p.y), ha="center", va="center", fontsize=9,
                fontweight="bold", bbox={"boxstyle": "circle,pad=0.2", "fc": "#ffffff",
                "ec": "#000000", "lw": 0.6},
            )  # fmt: skip
    ax.set_axis_off()
    ax.set_title("Need and gaps: domains with no service in reach of high-need areas", fontsize=11)
    handles: list[Artist] = [Patch(facecolor=c, edgecolor="none") for c in NEED_COLOURS]
    labels = ["need: lowest 20%", "20–40%", "40–60%", "60–80%", "highest 20%"]
    handles += [
        Patch(facecolor=NO_DATA, edgecolor="none"),
        Patch(facecolor="none", edgecolor="#000000", linewidth=1.6),
        Line2D([], [], marker="o", linestyle="", markerfacecolor="#ffffff",
               markeredgecolor="#000000", markersize=9),
    ]  # fmt: skip
    labels += [
        "no residents / no data",
        "gap: high need, a domain out of reach",
        "number of domains out of reach",
    ]
    ax.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()
