"""Publish counts of people only in aggregate, with small cells suppressed.

Counts that describe employees (where staff live, where new hires live) are published
per study unit only, and only after this module has hidden every count that could
single someone out. The same published table feeds the map, the report, the CSV files
and the GeoPackage, so a count hidden in one output is hidden in all of them, and the
region total is either published everywhere or nowhere.

The publication rule
--------------------
A count table has rows (study units) and, optionally, columns (wage bands or job
families), with its margins: a total per row, a total per column and the grand total.
Each *line* of the table (a row with its row total, a column with its column total, the
row of column totals with the grand total, the column of row totals with the grand
total) is an equation the reader can use: the cells add up to the total.

1. **Primary suppression.** Every entry from 1 to ``min_cell - 1`` is hidden, margins
   included. The default ``min_cell`` is 11, so counts of 1 to 10 are never shown: the
   cell-size suppression policy of the Centers for Medicare & Medicaid Services
   (CMS, *Cell Size Suppression Policy*, 2020), also used by CDC WONDER.
2. **Complementary suppression within a line.** A line with a hidden entry must have at
   least two, and when its total is published the hidden cells must add up to
   ``min_cell`` or more, so that the difference ``total - published cells`` is neither a
   hidden cell nor a small count itself. Entries are added smallest first, cells before
   totals.
3. **Complementary suppression across lines** (tables with columns). Draw the hidden
   entries as edges between a node per row and a node per column of the table with its
   margins. A hidden entry is recoverable by adding and subtracting published line
   totals exactly when its edge is a *bridge* of that graph, i.e. lies on no cycle
   (Gusfield 1988, *SIAM Journal on Computing* 17(3); Cox 1980, *JASA* 75(370)). Each
   bridge is closed by hiding the smallest entry that puts it on a cycle, then rule 2 is
   applied again, until the table is stable.
4. **Zeros are published**: they describe no one. A zero is used as a complement only
   when no non-zero entry can do the job.
5. **Derived figures use published cells only.** Shares, alignment ratios and subtotals
   over groups of units (e.g. "employees living in high-need neighbourhoods") are
   computed from the published cells, never from hidden ones, so they add no equation
   a reader could use.

What this does not promise: the rule prevents *exact* recovery of a hidden count and
never lets a published difference be a small count, but a reader who combines
non-negativity with several lines may still narrow a hidden count to a range.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_MIN_CELL",
    "hidden_is_recoverable",
    "suppress_small_cells",
    "suppress_table",
]

log = logging.getLogger(__name__)

#: Smallest count published (CMS cell-size suppression policy: 1 to 10 are hidden).
DEFAULT_MIN_CELL = 11

_Pos = tuple[int, int]


def _check_min_cell(min_cell: int) -> int:
    if isinstance(min_cell, bool) or int(min_cell) != min_cell or min_cell < 1:
        msg = f"min_cell must be a whole number of at least 1, got {min_cell!r}"
        raise ValueError(msg)
    if min_cell < DEFAULT_MIN_CELL:
        log.warning(
            "min_cell=%s is below %s: small counts of employees may be published",
            min_cell,
            DEFAULT_MIN_CELL,
        )
    return int(min_cell)


def _lines(shape: tuple[int, int], two_way: bool) -> list[list[_Pos]]:
    """Each line of the extended table as positions, its total last."""
    m1, n1 = shape
    if not two_way:
        return [[(i, 0) for i in range(m1)]]
    rows = [[(i, j) for j in range(n1)] for i in range(m1)]
    cols = [[(i, j) for i in range(m1)] for j in range(n1)]
    return rows + cols


def _pick(
    values: np.ndarray,
    hidden: np.ndarray,
    candidates: list[_Pos],
    lines_of: dict[_Pos, list[list[_Pos]]],
    line: list[_Pos],
) -> _Pos:
    """Choose the complement among ``candidates`` of ``line``.

    Preference: a non-zero entry (rule 4); one whose other line already has a hidden
    entry (so no new line needs a complement, and a lone hidden entry there gets its
    partner); the smallest; a cell before a margin; then the first.
    """
    m1, n1 = values.shape

    def key(p: _Pos) -> tuple[bool, bool, float, bool, int, int]:
        v = float(values[p])
        cross = [q for other in lines_of[p] if other is not line for q in other]
        cross_clear = bool(cross) and not any(hidden[q] for q in cross)
        margin = p[0] == m1 - 1 or (n1 > 1 and p[1] == n1 - 1)
        return (v == 0, cross_clear, v, margin, p[0], p[1])

    return min(candidates, key=key)


def _fix_line(
    values: np.ndarray,
    hidden: np.ndarray,
    line: list[_Pos],
    k: int,
    lines_of: dict[_Pos, list[list[_Pos]]],
) -> bool:
    """Apply rule 2 to one line; return True when an entry was hidden."""
    n_hidden = sum(bool(hidden[p]) for p in line)
    if n_hidden == 0:
        return False
    total = line[-1]
    hidden_sum = sum(float(values[p]) for p in line[:-1] if hidden[p])
    exposed_sum = not hidden[total] and 0 < hidden_sum < k
    if n_hidden >= 2 and not exposed_sum:
        return False
    cells = [p for p in line[:-1] if not hidden[p]]
    candidates = cells if any(values[p] > 0 for p in cells) else [*cells, total]
    candidates = [p for p in candidates if not hidden[p]]
    if not candidates:
        return False  # every entry is hidden already
    hidden[_pick(values, hidden, candidates, lines_of, line)] = True
    return True


def _components(edges: list[_Pos], n_rows: int, n_nodes: int) -> np.ndarray:
    """Label each node of the bipartite row/column graph with its connected component."""
    parent = list(range(n_nodes))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, j in edges:
        ra, rb = find(i), find(n_rows + j)
        if ra != rb:
            parent[ra] = rb
    return np.array([find(a) for a in range(n_nodes)])


def _bridges(edges: list[_Pos], n_rows: int, n_nodes: int) -> list[_Pos]:
    """Bridges of the bipartite graph (row i ~ node i, column j ~ node n_rows + j).

    Tarjan's low-link algorithm, iterative, O(nodes + edges).
    """
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for e, (i, j) in enumerate(edges):
        adj[i].append((n_rows + j, e))
        adj[n_rows + j].append((i, e))
    order = [-1] * n_nodes
    low = [0] * n_nodes
    found: list[_Pos] = []
    counter = 0
    for root in range(n_nodes):
        if order[root] != -1:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, -1, iter(adj[root]))]
        while stack:
            node, via, it = stack[-1]
            advanced = False
            for nxt, e in it:
                if e == via:
                    continue
                if order[nxt] == -1:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, e, iter(adj[nxt])))
                    advanced = True
                    break
                low[node] = min(low[node], order[nxt])
            if advanced:
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    found.append(edges[via])
    return found


def _fix_bridge(
    values: np.ndarray, hidden: np.ndarray, lines_of: dict[_Pos, list[list[_Pos]]]
) -> bool:
    """Apply rule 3: close the first bridge among hidden entries; True when one was."""
    m1, n1 = values.shape
    edges = [(int(i), int(j)) for i, j in zip(*np.nonzero(hidden), strict=True)]
    bridges = _bridges(edges, m1, m1 + n1)
    if not bridges:
        return False
    e = min(bridges)
    comp = _components([f for f in edges if f != e], m1, m1 + n1)
    a, b = comp[e[0]], comp[m1 + e[1]]
    rows, cols = comp[:m1], comp[m1:]
    candidates = [
        (i, j)
        for i in range(m1)
        for j in range(n1)
        if not hidden[i, j] and {rows[i], cols[j]} == {a, b}
    ]
    # A candidate always exists: the bridge's row has another hidden entry (rule 2), whose
    # column lies on the row's side, and its column another, whose row lies on the other.
    if not candidates:  # pragma: no cover - see above
        return False
    hidden[_pick(values, hidden, candidates, lines_of, [])] = True
    return True


def _suppress(values: np.ndarray, k: int, two_way: bool) -> np.ndarray:
    hidden = (values > 0) & (values < k)
    lines = _lines(values.shape, two_way)
    lines_of: dict[_Pos, list[list[_Pos]]] = {}
    for line in lines:
        for p in line:
            lines_of.setdefault(p, []).append(line)
    while True:
        changed = False
        for line in lines:
            changed |= _fix_line(values, hidden, line, k, lines_of)
        if not changed and two_way:
            changed = _fix_bridge(values, hidden, lines_of)
        if not changed:
            return hidden


def _counts(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    bad = out.isna() | (out < 0) | (out != np.floor(out))
    if bad.to_numpy().any():
        r, c = (x[0] for x in np.nonzero(bad.to_numpy()))
        msg = (
            f"counts must be non-negative whole numbers; row {out.index[r]!r}, column "
            f"{out.columns[c]!r} is {frame.iat[r, c]!r}"
        )
        raise ValueError(msg)
    return out


def suppress_table(
    table: pd.DataFrame,
    min_cell: int = DEFAULT_MIN_CELL,
    *,
    margin: str = "total",
) -> pd.DataFrame:
    """Apply the publication rule to a count table and add its margins.

    Parameters
    ----------
    table : pandas.DataFrame
        Non-negative whole counts: one row per unit, one column per category (wage band,
        job family). A single column is a one-way table (a list of units and its total).
    min_cell : int
        Smallest count published; 1 to ``min_cell - 1`` are hidden (default 11).
    margin : str
        Label of the margin row and column added to the result.

    Returns
    -------
    pandas.DataFrame
        The table with a margin row (category totals and the grand total) and, for two
        or more columns, a margin column (unit totals); hidden entries are NaN. The
        margins are computed from every cell, then protected like any entry.

    Raises
    ------
    ValueError
        When a count is negative, fractional or missing, or ``margin`` is already a row
        or column label.

    Examples
    --------
    >>> t = pd.DataFrame({"low": [30, 4, 25], "high": [12, 20, 15]}, index=["a", "b", "c"])
    >>> suppress_table(t, 11)
            low  high  total
    a      30.0  12.0   42.0
    b       NaN   NaN   24.0
    c       NaN   NaN   40.0
    total  59.0  47.0  106.0
    """
    k = _check_min_cell(min_cell)
    if margin in table.index or margin in table.columns:
        msg = f"{margin!r} is already a label of the table; pass another margin= label"
        raise ValueError(msg)
    counts = _counts(table)
    two_way = counts.shape[1] > 1
    ext = counts.copy()
    if two_way:
        ext[margin] = counts.sum(axis=1)
    ext.loc[margin] = ext.sum(axis=0)
    values = ext.to_numpy(float)
    hidden = _suppress(values, k, two_way)
    out = ext.mask(pd.DataFrame(hidden, index=ext.index, columns=ext.columns))
    return out.astype(float)


def suppress_small_cells(counts: pd.Series, min_cell: int = DEFAULT_MIN_CELL) -> pd.Series:
    """Hide small counts in a list of units whose total is published.

    The one-way case of :func:`suppress_table`: counts from 1 to ``min_cell - 1`` are
    hidden; if only one is hidden, or the hidden ones add up to less than ``min_cell``,
    the smallest published non-zero counts are hidden too, so the total minus the
    published counts reveals neither a hidden count nor a small one.

    Parameters
    ----------
    counts : pandas.Series
        Non-negative whole counts, one per unit.
    min_cell : int
        Smallest count published.

    Returns
    -------
    pandas.Series
        Float counts on the same index, hidden ones NaN (the total is
        ``suppress_table(counts.to_frame()).iloc[-1, 0]``).

    Examples
    --------
    >>> suppress_small_cells(pd.Series([40, 3, 25, 0]), 11).tolist()
    [40.0, nan, nan, 0.0]
    >>> suppress_small_cells(pd.Series([40, 2, 3, 25]), 11).tolist()
    [40.0, nan, nan, nan]
    """
    frame = counts.reset_index(drop=True).to_frame("n")
    published = suppress_table(frame, min_cell, margin="__total__")
    return pd.Series(published["n"].iloc[:-1].to_numpy(), index=counts.index, name=counts.name)


def hidden_is_recoverable(raw: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Check, by linear algebra, which hidden entries the published table gives away.

    An independent check of :func:`suppress_table`: the published entries and the
    additivity of every line form a linear system in the hidden entries; a hidden entry
    is recoverable when it is the same in every solution (its unit vector lies in the
    row space of the system).

    Parameters
    ----------
    raw : pandas.DataFrame
        The counts before suppression (without margins).
    published : pandas.DataFrame
        The result of :func:`suppress_table` on ``raw`` (with margins).

    Returns
    -------
    pandas.DataFrame
        Booleans shaped like ``published``: True where a hidden entry is recoverable.

    Examples
    --------
    >>> raw = pd.DataFrame({"n": [40, 3, 25]})
    >>> pub = suppress_table(raw, 11, margin="t")
    >>> bool(hidden_is_recoverable(raw, pub).to_numpy().any())
    False
    """
    two_way = raw.shape[1] > 1
    hidden = published.isna().to_numpy()
    pos = [(int(i), int(j)) for i, j in zip(*np.nonzero(hidden), strict=True)]
    index = {p: n for n, p in enumerate(pos)}
    out = np.zeros_like(hidden)
    if not pos:
        return pd.DataFrame(out, index=published.index, columns=published.columns)
    rows = []
    for line in _lines(hidden.shape, two_way):
        coef = np.zeros(len(pos))
        for p in line[:-1]:
            if p in index:
                coef[index[p]] += 1.0
        if line[-1] in index:
            coef[index[line[-1]]] -= 1.0
        if coef.any():
            rows.append(coef)
    system = np.array(rows) if rows else np.zeros((0, len(pos)))
    rank = np.linalg.matrix_rank(system) if len(system) else 0
    for p, n in index.items():
        unit = np.zeros(len(pos))
        unit[n] = 1.0
        out[p] = np.linalg.matrix_rank(np.vstack([system, unit])) == rank
    return pd.DataFrame(out, index=published.index, columns=published.columns)
