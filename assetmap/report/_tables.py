"""The report's own tables as CSV (``report_domains.csv``, ``report_top_need.csv``).

Internal to :mod:`assetmap.report`: written by :func:`assetmap.report.build.write_report`
from the same facts as the report, for pasting into applications.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["rounded", "write_report_tables"]


def rounded(value: float | None) -> int | str:
    """Return a whole number for the CSV, or "not assessed" for a domain not assessed."""
    return "not assessed" if value is None else round(value)


def write_report_tables(facts: dict[str, Any], out: Path) -> dict[str, Path]:
    """Write the report's own tables as CSV, for pasting into applications."""
    dom = pd.DataFrame(
        [
            {
                "domain": r["key"],
                "label": r["label"],
                "threshold_min": r["threshold"],
                "services": r["services"],
                "residents_with_service_pct": r["served_share"],
                "residents_without_service": rounded(r["unserved_pop_raw"]),
                "gap_units": r["gaps"],
                "residents_in_gaps": rounded(r["gap_pop_raw"]),
                "median_nearest": r["median_min"],
                "clusters": r["clusters"],
            }
            for r in facts["domains"]
        ]
    )
    need = pd.DataFrame(
        [
            {
                "unit_id": t["unit_id"],
                "name": t["name"],
                "population": t["population"],
                "need_percentile": t["need"],
                "gaps_in": t["gap_domains"],
                **{label: value for label, value, _ in t["indicators"]},
            }
            for t in facts["top_gaps"]
        ]
    )
    paths = {"domains_csv": out / "report_domains.csv", "need_csv": out / "report_top_need.csv"}
    dom.to_csv(paths["domains_csv"], index=False, lineterminator="\n")
    need.to_csv(paths["need_csv"], index=False, lineterminator="\n")
    return paths
