"""The coalition's review round trip: spreadsheets out to partners, their corrections back in.

:func:`export_review` writes one workbook per organisation (or per domain) listing its
services with every field of the inventory, two columns to answer ("still correct?
(yes / no / closed)" and "what changed"), an instructions sheet, and hidden copies of
what was exported (the record id and a fingerprint of the exported values in hidden
columns, every exported value in a very hidden sheet). :func:`import_review` reads the
returned workbooks, applies the corrections to the inventory and says what it did: a
change log (sheet, row, field, old, new), and one sentence per edit it refused (the same
field edited differently in two sheets, an unknown record id, an edit to a value the
inventory has changed since the export, a value that cannot be right). A service leaves
the inventory only when a sheet marks it "closed"; a deleted row changes nothing.

Text is never a formula: a cell beginning ``=``, ``+``, ``-`` or ``@`` is written as a
text cell, and what a returned cell holds is read as text, never evaluated.

Modules: :mod:`~assetmap.review.export` (workbooks out, the inventory CSV),
:mod:`~assetmap.review.corrections` (corrections in); ``_cells`` and ``_sheets`` are
internal.

May import: :mod:`assetmap.schema`, :mod:`assetmap.errors`, :mod:`assetmap.csvsafe`,
:mod:`assetmap.domains`, :mod:`assetmap.assets` (to read an inventory). Nothing below the
analysis imports it; the CLI does.
"""

from assetmap.review._cells import ANSWER, NOTE, READ_ONLY, review_fields, safe_file_name
from assetmap.review.corrections import ReviewResult, import_review, write_review_result
from assetmap.review.export import export_review, read_inventory, write_inventory

__all__ = [
    "ANSWER",
    "NOTE",
    "READ_ONLY",
    "ReviewResult",
    "export_review",
    "import_review",
    "read_inventory",
    "review_fields",
    "safe_file_name",
    "write_inventory",
    "write_review_result",
]
