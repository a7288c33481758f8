"""Build the sample's reference areas: the Bronx and New York City, for comparison.

Run from the repository root::

    python data/sample/build_reference.py [--wheel-dir DIR]

councilcount 0.11.4 (the wheel ``build.py`` pins) ships the same ACS 2019-2023 5-year
estimates for the city's boroughs (``borough-geographies_2023.csv``) and the whole city
(``nyc-wide_estimates_2023.csv``). Writes ``reference_areas.csv``: one row per area (``area``,
``level``, ``population`` and every ``<code>E``/``<code>M`` column of ``units.geojson``), read
by ``bronx.yml`` under ``reference_areas:`` so each neighbourhood's indicators are shown beside
the borough's and the city's. Records the files under ``reference_areas`` in SOURCES.json.
Running it again produces byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import (  # noqa: E402  (the sibling script, run from anywhere)
    ACS_CODES,
    COUNCILCOUNT,
    HERE,
    download_wheels,
    extract_members,
    sha256_of,
)

BOROUGHS = "councilcount/data/borough-geographies_2023.csv"
CITY = "councilcount/data/nyc-wide_estimates_2023.csv"
OUT = "reference_areas.csv"


def reference_table(boroughs: Path, city: Path) -> pd.DataFrame:
    """The Bronx's row and the city's, with the sample's ACS columns."""
    b = pd.read_csv(boroughs)
    c = pd.read_csv(city)
    bronx = b[b["borough"] == "The Bronx"].assign(area="The Bronx", level="borough")
    nyc = c.assign(area="New York City", level="city")
    if len(bronx) != 1 or len(nyc) != 1:
        raise ValueError("expected one row for the Bronx and one for New York City")
    columns = [f"{code}{s}" for code in ACS_CODES for s in ("E", "M")]
    missing = [col for col in columns if col not in b.columns or col not in c.columns]
    if missing:
        raise KeyError(f"reference files lack {', '.join(missing)}")
    out = pd.concat([bronx, nyc], ignore_index=True)
    out["population"] = pd.to_numeric(out["B01001_001E"]).round().astype(int)
    return out[["area", "level", "population", *columns]]


def build_reference(out_dir: Path, wheel_dir: Path | None) -> dict[str, Any]:
    """Write ``reference_areas.csv`` and record it under ``reference_areas``."""
    with tempfile.TemporaryDirectory(prefix="assetmap-reference-") as tmp:
        tmp_path = Path(tmp)
        wheels = download_wheels(wheel_dir or tmp_path / "wheels")
        got = extract_members(wheels[COUNCILCOUNT.package], [BOROUGHS, CITY], tmp_path)
        table = reference_table(got[BOROUGHS], got[CITY])
        facts = {
            "file": OUT,
            "areas": table["area"].tolist(),
            "vintage": "ACS 2019-2023 5-year estimates",
            "sources": [
                f"{COUNCILCOUNT.package} {COUNCILCOUNT.version}: {m}" for m in (BOROUGHS, CITY)
            ],
            "source_sha256": {m: sha256_of(got[m]) for m in (BOROUGHS, CITY)},
        }
    table.to_csv(out_dir / OUT, index=False, lineterminator="\n", float_format="%.10g")
    sources_path = out_dir / "SOURCES.json"
    document = json.loads(sources_path.read_text()) if sources_path.is_file() else {}
    document["reference_areas"] = facts
    sources_path.write_text(json.dumps(document, indent=2) + "\n")
    return facts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--wheel-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    facts = build_reference(args.out, args.wheel_dir)
    print(f"Wrote {args.out / OUT}: {', '.join(facts['areas'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
