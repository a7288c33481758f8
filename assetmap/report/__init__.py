"""Report: the findings a grant writer cites, in HTML, Markdown, PDF and CSV.

Holds the facts (every number with its denominator, source, vintage and method), the
figures, the Jinja templates and the PDF step.

May import: the contracts and model at the bottom, :mod:`assetmap.analysis` and
:mod:`assetmap.anchor`; the Atlas only for type checking. Never a reader, the network or
the command line.

Returns: paths of the files written; :func:`report_facts` returns the facts as data.
"""

from assetmap.report._pdf import find_chromium, html_to_pdf, run_date
from assetmap.report.build import report_facts, write_report

__all__ = ["find_chromium", "html_to_pdf", "report_facts", "run_date", "write_report"]
