"""Candidate pairs for dedupe, in memory that grows with the pairs, not with a dense block.

A KD-tree finds every pair of records within a radius: in a county that is a few pairs
per record, but a million services in one small city put a thousand records within
150 m of each other, and "every pair" becomes hundreds of millions. Here the pairs come
from *tiles*, squares of side ``2 r`` on four grids shifted by ``r`` (none, in x, in y,
in both). Two records at most ``r`` apart share a tile on at least one grid: in each
axis the two grids' tile edges alternate ``r`` apart, so a gap of at most ``r`` crosses
the edges of one grid at most, and the grid whose edges it misses in x and the one it
misses in y are both among the four.

* In a tile of at most ``max_block`` records every pair within ``r`` is a candidate:
  exactly the pairs a KD-tree finds. Most inventories have no other tiles.
* A denser tile is *split by sorting*: its records are sorted by one key at a time
  (normalised name, then phone, then address; a record without the key sits that pass
  out) with the others and the position breaking ties, and each record is paired with
  the next ``window`` records in that order (the sorted-neighbourhood method). Records
  of one service share a name, a phone or an address, so they sort side by side; the
  hundreds of unrelated records around them are never compared.

So a tile of ``m`` records gives at most ``m * (max_block - 1) / 2`` pairs when sparse
and ``3 * window * m`` when dense, and the candidates of ``n`` records number at most
``4 * n * (max_block / 2 + 3 * window)`` whatever the density (:func:`pair_bound`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["BlockStats", "pair_bound", "phone_pairs", "sorted_unique", "tile_pairs"]


@dataclass
class BlockStats:
    """What the tiling did: tiles and records split by sorting, pairs found each way."""

    dense_tiles: int = 0
    dense_records: int = 0
    exact_pairs: int = 0
    window_pairs: int = 0
    passes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a plain dict (for ``DedupeResult.blocking``)."""
        return {
            "dense_tiles": self.dense_tiles,
            "dense_records": self.dense_records,
            "exact_pairs": self.exact_pairs,
            "window_pairs": self.window_pairs,
        }


def pair_bound(n: int, *, max_block: int, window: int, keys: int = 3) -> int:
    """Return the most candidate pairs :func:`tile_pairs` can give ``n`` records.

    Examples
    --------
    >>> pair_bound(5000, max_block=32, window=6)
    680000
    """
    return 4 * n * (max_block // 2 + keys * window)


def _morton(xy: np.ndarray, cell: float) -> np.ndarray:
    """Z-order code of each point on a grid of ``cell`` metres: near points, near codes."""
    q = np.floor((xy - xy.min(axis=0)) / cell).astype(np.uint64) & np.uint64(0xFFFF)
    code = np.zeros(len(xy), dtype=np.uint64)
    for bit in range(16):
        b = np.uint64(bit)
        code |= ((q[:, 0] >> b) & np.uint64(1)) << np.uint64(2 * bit)
        code |= ((q[:, 1] >> b) & np.uint64(1)) << np.uint64(2 * bit + 1)
    return code


def _neighbours(
    idx: np.ndarray, tile: np.ndarray, xy: np.ndarray, radius: float, window: int
) -> list[np.ndarray]:
    """Pairs of ``idx[k]`` and ``idx[k + o]`` (o = 1..window) of one tile within ``radius``.

    ``idx`` is sorted by tile (then by the pass's key); pairs come back as codes
    ``lo * n + hi`` (lo < hi).
    """
    n = np.int64(len(xy))
    out = []
    r2 = radius * radius
    size = np.bincount(tile)[tile] if len(tile) else tile
    x, y = xy[idx, 0], xy[idx, 1]  # gathered once, in order: each offset compares slices
    for o in range(1, window + 1):
        if o > 1 and not (size > o).all():
            keep = size > o  # whole tiles with a record o places on (order kept within)
            idx, tile, size, x, y = idx[keep], tile[keep], size[keep], x[keep], y[keep]
        if len(idx) <= o:
            break
        dx, dy = x[:-o] - x[o:], y[:-o] - y[o:]
        near = (tile[:-o] == tile[o:]) & (dx * dx + dy * dy <= r2)
        a, b = idx[:-o][near], idx[o:][near]
        out.append(np.minimum(a, b) * n + np.maximum(a, b))
    return out


def sorted_unique(codes: np.ndarray) -> np.ndarray:
    """Return the distinct values of an integer array, sorted (the array is sorted in place).

    ``np.unique`` of numpy 2.3+ hashes first: on ten million pair codes it takes seconds
    where a sort takes a tenth of one.

    Examples
    --------
    >>> sorted_unique(np.array([5, 1, 5, 3, 1])).tolist()
    [1, 3, 5]
    """
    codes.sort()
    keep = np.empty(len(codes), dtype=bool)
    keep[:1] = True
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    return codes[keep]


def _tiles(
    xy: np.ndarray, radius: float, shift: tuple[float, float], group: np.ndarray
) -> np.ndarray:
    """Tile number of each record on the grid shifted by ``shift`` (one plane per group)."""
    side = 2.0 * radius
    t = np.floor((xy - xy.min(axis=0) + np.asarray(shift)) / side).astype(np.int64)
    width = int(t[:, 1].max()) + 1
    cells = t[:, 0] * width + t[:, 1]
    code = group.astype(np.int64) * (int(cells.max()) + 1) + cells
    return np.asarray(pd.factorize(code)[0], dtype=np.int64)


def tile_pairs(
    xy: np.ndarray,
    radius: float,
    *,
    keys: list[np.ndarray],
    max_block: int,
    window: int,
    group: np.ndarray | None = None,
    stats: BlockStats | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i < j)`` of records within ``radius``, a dense tile split by sorting.

    ``xy`` are projected coordinates (m); ``keys`` integer codes whose order sorts
    similar records together (-1: missing, the record sits that pass out); records of
    different ``group`` codes (e.g. phone numbers) are never paired. Tiles of at most
    ``max_block`` records give every pair within ``radius``; denser tiles give each
    record's next ``window`` records in the order of each key. Sorted by ``(i, j)``.

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [100.0, 0.0], [400.0, 0.0], [0.0, 140.0]])
    >>> name = np.array([0, 1, 2, 3])
    >>> i, j = tile_pairs(xy, 150.0, keys=[name], max_block=32, window=4)
    >>> list(zip(i.tolist(), j.tolist()))
    [(0, 1), (0, 3)]
    """
    n = len(xy)
    empty = np.zeros(0, dtype=np.int64)
    if n < 2:
        return empty, empty
    grp = np.zeros(n, dtype=np.int64) if group is None else np.asarray(group, dtype=np.int64)
    position = _morton(xy, radius / 8.0)
    ranks = []  # each key's order (the other keys, then the position, break ties) as ranks
    for k, key in enumerate(keys):
        others = [keys[m] for m in range(len(keys)) if m != k]
        rank = np.empty(n, dtype=np.int64)
        rank[np.lexsort((position, *others[::-1], key))] = np.arange(n)
        ranks.append(rank)
    found: np.ndarray = empty
    for shift in ((0.0, 0.0), (radius, 0.0), (0.0, radius), (radius, radius)):
        tile = _tiles(xy, radius, shift, grp)
        size = np.bincount(tile)
        dense = size[tile] > max_block
        sparse = np.flatnonzero(~dense)
        sparse = sparse[np.argsort(tile[sparse], kind="stable")]
        codes = _neighbours(sparse, tile[sparse], xy, radius, max_block - 1)
        if stats is not None:
            stats.dense_tiles += int((size > max_block).sum())
            stats.dense_records += int(dense.sum())
            stats.exact_pairs += sum(len(c) for c in codes)
        crowd = np.flatnonzero(dense)
        for key, rank in zip(keys, ranks, strict=True):
            has = crowd[key[crowd] >= 0]
            order = np.argsort(tile[has] * n + rank[has])  # by tile, then by the key
            got = _neighbours(has[order], tile[has][order], xy, radius, window)
            if stats is not None:
                stats.window_pairs += sum(len(c) for c in got)
            codes += got
        found = sorted_unique(np.concatenate([found, *codes]))
        del codes
    return found // n, found % n


def phone_pairs(
    xy: np.ndarray,
    phones: np.ndarray,
    *,
    beyond_m: float,
    within_m: float,
    keys: list[np.ndarray],
    max_block: int,
    window: int,
    stats: BlockStats | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) with one phone number, farther than ``beyond_m`` and within ``within_m``.

    ``phones`` are integers (0: no phone). The tiles of :func:`tile_pairs` are taken one
    phone number at a time, so a switchboard shared by thousands of records in one area
    is split by sorting like any dense tile.

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [200.0, 0.0], [250.0, 0.0], [100.0, 0.0]])
    >>> name = np.zeros(4, dtype=np.int64)
    >>> i, j = phone_pairs(xy, np.array([5, 5, 0, 5]), beyond_m=150, within_m=300,
    ...                    keys=[name], max_block=32, window=4)
    >>> list(zip(i.tolist(), j.tolist()))
    [(0, 1)]
    """
    has = np.flatnonzero(phones != 0)
    empty = np.zeros(0, dtype=np.int64)
    if len(has) < 2 or within_m <= beyond_m:
        return empty, empty
    group = pd.factorize(phones[has])[0]
    a, b = tile_pairs(
        xy[has],
        within_m,
        keys=[k[has] for k in keys],
        max_block=max_block,
        window=window,
        group=group,
        stats=stats,
    )
    a, b = has[a], has[b]
    far = np.hypot(*(xy[a] - xy[b]).T) > beyond_m
    return a[far].astype(np.int64), b[far].astype(np.int64)
