"""How travel is measured: the options of the access measures and their plain-language method.

:class:`TravelOptions` holds the mode (straight line with circuity, or walking or driving
on an OpenStreetMap street graph), the speeds and the parameters of the catchment measures;
:func:`travel_phrase` and :func:`methods_text` state them in words for reports.
See :mod:`assetmap.analysis.access` for the measures and the literature behind each parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assetmap.analysis._shortest import StreetGraph
from assetmap.errors import InputError

__all__ = ["MODES", "TravelOptions", "methods_text", "travel_phrase"]

#: Travel modes.
MODES = ("straight", "walk", "drive")


@dataclass(frozen=True)
class TravelOptions:
    """How travel is estimated, and the parameters of the catchment measures.

    Attributes
    ----------
    mode : {"straight", "walk", "drive"}
        ``"straight"``: straight line × circuity at walking speed (offline default).
        ``"walk"`` / ``"drive"``: along the street graph ``graph``.
    walk_kmh : float
        Walking speed in km/h (Knoblauch et al. 1996: 4.8 km/h); in network modes also the
        speed of the legs between a point and its nearest street node.
    circuity : float
        Street distance over straight-line distance (Levinson & El-Geneidy 2009: ~1.3);
        straight mode only.
    decay_weights : tuple of float
        Enhanced 2SFCA weights of equal time zones of the catchment, nearest first
        (Luo & Qi 2009: 1, 0.68, 0.22 over three zones).
    per : float
        Catchment ratios are expressed per this many residents (default 1,000).
    graph : str, Path or StreetGraph, optional
        Street graph for ``walk``/``drive``: a ``.graphml`` or ``.osm`` file (read once
        and cached) or a compiled :class:`~assetmap.analysis.network.StreetGraph`.
    gravity_beta : float
        Power-decay exponent of the gravity measure (Luo & Wang 2003 use 1.0).
    gravity_floor_min : float
        Times shorter than this (minutes) count as this in the gravity decay, so a
        service next door does not weigh infinitely.
    max_snap_m : float
        Network modes: points farther than this from the street graph are off the
        network (origins flagged ``off_network``; services left out, with a warning).
    min_component_nodes : int
        Network modes: fragments of the graph with fewer nodes are not snapped to.
    """

    mode: str = "straight"
    walk_kmh: float = 4.8
    circuity: float = 1.3
    decay_weights: tuple[float, ...] = (1.0, 0.68, 0.22)
    per: float = 1000.0
    graph: str | Path | StreetGraph | None = field(default=None, compare=False)
    gravity_beta: float = 1.0
    gravity_floor_min: float = 1.0
    max_snap_m: float = 1000.0
    min_component_nodes: int = 20

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            msg = f"travel mode {self.mode!r} is not available; use one of {', '.join(MODES)}"
            raise InputError(msg)
        if not self.walk_kmh > 0 or not self.circuity >= 1:
            msg = "walk_kmh must be positive and circuity at least 1"
            raise InputError(msg)
        w = tuple(float(x) for x in self.decay_weights)
        if not w or any(not x >= 0 for x in w):
            msg = "decay_weights needs one non-negative weight per time zone, e.g. [1, 0.68, 0.22]"
            raise InputError(msg)
        object.__setattr__(self, "decay_weights", w)
        if self.mode != "straight" and self.graph is None:
            msg = (
                f"travel mode {self.mode!r} needs a street graph: travel: {{mode: {self.mode}, "
                "graph: streets.graphml}} (save one with assetmap.online.streets.fetch_graph)"
            )
            raise InputError(msg)
        if not self.gravity_beta >= 0 or not self.gravity_floor_min > 0:
            msg = "gravity_beta must be non-negative and gravity_floor_min positive"
            raise InputError(msg)

    @property
    def metres_per_min(self) -> float:
        """Walking speed in metres per minute."""
        return self.walk_kmh * 1000.0 / 60.0

    def street_graph(self) -> StreetGraph:
        """Return the compiled street graph of a network mode (read once, cached)."""
        if isinstance(self.graph, StreetGraph):
            return self.graph
        if self.graph is None:
            msg = "straight-line travel has no street graph"
            raise InputError(msg)
        from assetmap.analysis.network import load_street_graph

        return load_street_graph(
            self.graph,
            mode=self.mode,
            walk_kmh=self.walk_kmh,
            min_component_nodes=self.min_component_nodes,
        )

    def as_dict(self) -> dict[str, object]:
        """Parameters for provenance (the graph as its file path)."""
        out: dict[str, object] = {
            "mode": self.mode,
            "walk_kmh": self.walk_kmh,
            "circuity": self.circuity,
            "decay_weights": self.decay_weights,
            "per": self.per,
            "gravity_beta": self.gravity_beta,
            "gravity_floor_min": self.gravity_floor_min,
        }
        if self.mode != "straight":
            g = self.graph
            out["graph"] = g.source if isinstance(g, StreetGraph) else str(g)
            out["max_snap_m"] = self.max_snap_m
            out["min_component_nodes"] = self.min_component_nodes
            if self.mode == "drive":
                out["drive_speeds"] = (
                    "OSM maxspeed, else osmnx mean per highway type, else "
                    "assetmap.analysis.network.DRIVE_KMH"
                )
        return out


def travel_phrase(params: dict[str, Any]) -> str:
    """How travel was measured, in a few words (``params`` from :meth:`TravelOptions.as_dict`).

    Examples
    --------
    >>> travel_phrase(TravelOptions().as_dict())
    'straight-line distance × 1.3 circuity at 4.8 km/h walking speed'
    """
    mode = str(params.get("mode", "straight"))
    walk = float(params.get("walk_kmh", 4.8))
    if mode == "walk":
        return f"walking along the OpenStreetMap street network at {walk:g} km/h"
    if mode == "drive":
        return (
            "driving along the OpenStreetMap street network at posted speed limits "
            "(imputed by road type where missing)"
        )
    circ = float(params.get("circuity", 1.3))
    return f"straight-line distance × {circ:g} circuity at {walk:g} km/h walking speed"


def methods_text(params: dict[str, Any]) -> list[str]:
    """Methods sentences for travel and the catchment measures, with every parameter.

    Examples
    --------
    >>> methods_text(TravelOptions().as_dict())[0][:35]
    'Travel: mode straight line; walking'
    """
    mode = str(params.get("mode", "straight"))
    walk = float(params.get("walk_kmh", 4.8))
    w = [float(x) for x in params.get("decay_weights", (1.0, 0.68, 0.22))]
    origins = (
        "Origins are points inside each neighbourhood (centroid, or a representative point "
        "when the centroid falls outside)."
    )
    if mode == "straight":
        travel = (
            f"Travel: mode straight line; walking speed {walk:g} km/h (Knoblauch et al. "
            f"1996); street distance estimated as straight-line distance × circuity "
            f"{float(params.get('circuity', 1.3)):g} (Levinson & El-Geneidy 2009). {origins}"
        )
    else:
        speed = (
            f"walking speed {walk:g} km/h (Knoblauch et al. 1996)"
            if mode == "walk"
            else "driving speeds from OpenStreetMap maxspeed tags, else the mean tagged speed "
            "of the road type (osmnx), else US urban defaults (25 mph on local streets); "
            "no intersection delay or congestion"
        )
        travel = (
            f"Travel: mode {mode} along the OpenStreetMap street network "
            f"({Path(str(params.get('graph', ''))).name}); {speed}. Shortest travel times "
            "by Dijkstra's algorithm (scipy); origins and services are joined to their "
            f"nearest street node by a straight walk at {walk:g} km/h (points more than "
            f"{float(params.get('max_snap_m', 1000)):g} m from any street are left out). "
            "Neighbourhoods with no street connection to any service are reported as "
            f"unreachable, not as zero. {origins}"
        )
    n = len(w)
    supply = (
        "Supply per resident (per 1,000): two-step floating catchment area (2SFCA, Luo & "
        f"Wang 2003); enhanced 2SFCA with decay weights {', '.join(f'{x:g}' for x in w)} "
        f"over {n} equal time zone{'s' if n != 1 else ''} of the threshold (Luo & Qi 2009); "
        f"gravity-model 2SFCA with decay (minutes)^−{float(params.get('gravity_beta', 1)):g}, "
        f"times under {float(params.get('gravity_floor_min', 1)):g} min counted as that "
        "(Joseph & Bantock 1982). Capacity is the supply when given, else 1."
    )
    return [travel, supply]
