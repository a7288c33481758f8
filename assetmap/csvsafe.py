r"""CSV files safe to open in a spreadsheet: no cell becomes a live formula.

Every CSV assetmap writes goes through :func:`write_csv`. A text cell (and a column name)
that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is neutralised
as OWASP recommends, with a leading apostrophe: Excel, LibreOffice and Google Sheets
then show it as text and never evaluate it. A spreadsheet strips a leading tab or CR
on reading, which would turn ``"\t=1+1"`` into a live ``=1+1``; the apostrophe stops
that too.

Numbers stay numbers. Cells of a numeric column are never touched (a column of
``-5`` stays ``-5``), and a text cell that is nothing but a plain decimal number
(``"-73.91"``, ``"+5"``, ``"-1.5e3"``) is left as it is: a spreadsheet reads it as that
number and nothing runs. Anything else that starts with a trigger is prefixed, phone
numbers such as ``"+1 718 555 0100"`` included (they stay readable, as text).

A carriage return inside a cell is written as a line feed. Python's CSV writer quotes a
cell holding the line terminator (``\n``) but not a lone CR, which a spreadsheet reads
as a new row: ``"Clinic\r=1+1"`` would put a live ``=1+1`` on a row of its own.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

__all__ = ["TRIGGERS", "safe_cell", "safe_frame", "write_csv"]

#: First characters that make a spreadsheet read a cell as a formula (or strip them).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    r"""Return ``value`` with a leading ``'`` when it is text a spreadsheet would evaluate.

    Parameters
    ----------
    value : object
        A cell. Only ``str`` values are changed.

    Returns
    -------
    object

    Examples
    --------
    >>> safe_cell('=HYPERLINK("http://x","y")')
    '\'=HYPERLINK("http://x","y")'
    >>> safe_cell("\t=1+1"), safe_cell("-2+3"), safe_cell("+1 718 555 0100")
    ("'\t=1+1", "'-2+3", "'+1 718 555 0100")
    >>> safe_cell("\r=1+1"), safe_cell("Clinic\r=1+1")
    ("'\n=1+1", 'Clinic\n=1+1')
    >>> safe_cell("-73.91"), safe_cell(-5), safe_cell("Food pantry")
    ('-73.91', -5, 'Food pantry')
    """
    if not isinstance(value, str):
        return value
    if value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        value = "'" + value
    if "\r" in value:  # written as a line feed, so the cell is quoted and stays one cell
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` with every text cell and column name made safe (:func:`safe_cell`).

    Numeric, boolean and date columns are kept as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"name": ["@SUM(1)", "Clinic"], "dist": [-5, 3]})
    >>> safe_frame(df).to_dict("list")
    {'name': ["'@SUM(1)", 'Clinic'], 'dist': [-5, 3]}
    """
    out = pd.DataFrame(df).copy()
    out.attrs = {}
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out.isetitem(i, s.astype(object).map(safe_cell))
    out.columns = pd.Index([safe_cell(c) for c in out.columns])
    return out


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    r"""Write ``df`` (without its index) as a spreadsheet-safe UTF-8 CSV with ``\n`` line ends.

    Parameters
    ----------
    df : pandas.DataFrame
    path : str or Path

    Returns
    -------
    Path

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> p = write_csv(pd.DataFrame({"v": ["=1+1"]}), pathlib.Path(tempfile.mkdtemp()) / "t.csv")
    >>> p.read_text()
    "v\n'=1+1\n"
    """
    p = Path(path)
    safe_frame(df).to_csv(p, index=False, lineterminator="\n")
    return p
