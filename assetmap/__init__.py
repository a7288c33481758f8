"""assetmap: community asset mapping for population health.

Map what already exists (community services and the hospital's own assets), lay it over
US Census need, and show gaps (high need, no nearby service), duplicated services and
where a new site would reach the most residents, per domain. A table of contents: the
stage functions of the flow, lifted from their modules.

Examples
--------
>>> import assetmap as am
>>> atlas = am.load_sample().build()
>>> atlas.gaps.columns[:3].tolist()
['unit_id', 'name', 'domain']
"""

from importlib.metadata import PackageNotFoundError, version

from assetmap import errors
from assetmap.analysis.access import TravelOptions, access
from assetmap.analysis.compare import compare
from assetmap.analysis.gaps import find_gaps
from assetmap.analysis.need import need_index
from assetmap.analysis.overlap import find_overlaps
from assetmap.analysis.partners import partner_summary, partners
from assetmap.analysis.siting import suggest_sites
from assetmap.anchor.model import Anchor, read_anchor
from assetmap.assets import combine, read_assets, rejected_rows, warning_rows
from assetmap.atlas import Atlas
from assetmap.dedupe import DedupeResult, dedupe
from assetmap.domains import load_domains
from assetmap.indicators import load_indicators
from assetmap.project import Project, load_project
from assetmap.region import read_units
from assetmap.sample import load_sample

try:
    __version__ = version("assetmap")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0+unknown"

__all__ = [
    "Anchor",
    "Atlas",
    "DedupeResult",
    "Project",
    "TravelOptions",
    "__version__",
    "access",
    "combine",
    "compare",
    "dedupe",
    "errors",
    "find_gaps",
    "find_overlaps",
    "load_domains",
    "load_indicators",
    "load_project",
    "load_sample",
    "need_index",
    "partner_summary",
    "partners",
    "read_anchor",
    "read_assets",
    "read_units",
    "rejected_rows",
    "suggest_sites",
    "warning_rows",
]
