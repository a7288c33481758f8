"""Build the sample's earlier ACS vintages: the same Bronx NTAs, 2007-2011 and 2012-2016.

Run from the repository root::

    python data/sample/build_vintages.py [--wheel-dir DIR]

councilcount 0.11.4 (the wheel ``build.py`` pins) ships NTA estimates of three ACS 5-year
periods on the same 2020 Neighborhood Tabulation Areas: ``nta-geographies_2011.csv``
(2007-2011), ``_2016.csv`` (2012-2016) and ``_2023.csv`` (2019-2023, the sample's
``units.geojson``). Data-profile variable codes move between years (the 2023 "65 years
and over" is DP05_0024, the 2011 one DP05_0021), so each 2023 code of ``build.ACS_CODES``
is found in the earlier year by its description in that year's ``data_dictionary``: the
same code when it has the same description, else the one code of the same table family
(DP02, DP03, …) with that description. A variable the earlier year did not publish (the
ACS added disability and health insurance to the data profiles in 2012) is left empty, so
the indicators built on it cannot be compared.

Writes ``acs_2007_2011.csv`` and ``acs_2012_2016.csv`` (``unit_id``, ``population`` and
every ``<code>E``/``<code>M`` column of ``units.geojson``, named by the 2023 code) and
records the code each came from under ``earlier_vintages`` in SOURCES.json. Running it
again produces byte-identical files.
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
    BOROUGH_PREFIX,
    COUNCILCOUNT,
    DATA_DICTIONARY,
    HERE,
    download_wheels,
    extract_members,
    sha256_of,
)

#: Earlier periods: file year → (label, output file).
VINTAGES = {
    2011: ("ACS 2007-2011 5-year estimates", "acs_2007_2011.csv"),
    2016: ("ACS 2012-2016 5-year estimates", "acs_2012_2016.csv"),
}


def member(kind: str, year: int) -> str:
    """Return the wheel member of an NTA estimates or dictionary file of ``year``."""
    if kind == "estimates":
        return f"councilcount/data/nta-geographies_{year}.csv"
    return f"councilcount/data/data_dictionary_{year}.csv"


def _descriptions(path: Path) -> dict[str, str]:
    table = pd.read_csv(path, dtype=str)
    return dict(zip(table["estimate_var_code"], table["estimate_description"], strict=True))


def code_map(now: dict[str, str], then: dict[str, str]) -> dict[str, str | None]:
    """Map each 2023 code to the earlier year's code of the same description (or None).

    >>> code_map({"DP05_0024E": "65 years and over"}, {"DP05_0021E": "65 years and over"})
    {'DP05_0024': 'DP05_0021'}
    >>> code_map({"DP02_0088E": "Total population"},
    ...          {"B01001_001E": "Total population", "DP02_0086E": "Total population"})
    {'DP02_0088': 'DP02_0086'}
    """
    out: dict[str, str | None] = {}
    for code in ACS_CODES:
        if code + "E" not in now:
            continue
        desc = now[code + "E"]
        if then.get(code + "E") == desc:
            out[code] = code
            continue
        same = [k[:-1] for k, d in then.items() if d == desc and k.endswith("E")]
        family = [k for k in same if k.split("_")[0] == code.split("_")[0]]
        pick = family if family else same
        out[code] = pick[0] if len(pick) == 1 else None
    return out


def vintage_table(estimates: Path, mapping: dict[str, str | None]) -> pd.DataFrame:
    """Bronx NTAs of one earlier vintage, columns named by the 2023 codes."""
    table = pd.read_csv(estimates, dtype={"nta_code": str})
    table = table[table["nta_code"].str.startswith(BOROUGH_PREFIX, na=False)]
    out = pd.DataFrame({"unit_id": table["nta_code"].to_numpy()})
    pop = pd.to_numeric(table["B01001_001E"], errors="coerce").to_numpy()
    out["population"] = pd.Series(pop).round().astype("Int64")
    for code in ACS_CODES:
        then = mapping.get(code)
        for suffix in ("E", "M"):
            col = f"{then}{suffix}"
            if then is not None and col in table.columns:
                out[f"{code}{suffix}"] = pd.to_numeric(table[col], errors="coerce").to_numpy()
            else:
                out[f"{code}{suffix}"] = float("nan")
    return out.sort_values("unit_id", ignore_index=True)


def build_vintages(out_dir: Path, wheel_dir: Path | None) -> dict[str, Any]:
    """Write the earlier vintages and record them under ``earlier_vintages``."""
    units = pd.read_json(out_dir / "units.geojson")  # only to check the unit ids
    ids = sorted(f["properties"]["unit_id"] for f in units["features"])
    facts: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="assetmap-vintages-") as tmp:
        tmp_path = Path(tmp)
        wheels = download_wheels(wheel_dir or tmp_path / "wheels")
        files = [DATA_DICTIONARY] + [member(k, y) for y in VINTAGES for k in ("estimates", "dict")]
        got = extract_members(wheels[COUNCILCOUNT.package], files, tmp_path)
        now = _descriptions(got[DATA_DICTIONARY])
        for year, (label, name) in VINTAGES.items():
            mapping = code_map(now, _descriptions(got[member("dict", year)]))
            table = vintage_table(got[member("estimates", year)], mapping)
            if sorted(table["unit_id"]) != ids:
                raise ValueError(f"{name}: NTA codes differ from units.geojson")
            table.to_csv(out_dir / name, index=False, lineterminator="\n", float_format="%.10g")
            facts[name] = {
                "vintage": label,
                "units": len(table),
                "source": f"{COUNCILCOUNT.package} {COUNCILCOUNT.version}: "
                f"{member('estimates', year)}",
                "source_sha256": sha256_of(got[member("estimates", year)]),
                "codes": {k: v for k, v in mapping.items() if v is not None},
                "not_published": sorted(k for k, v in mapping.items() if v is None),
            }
    sources_path = out_dir / "SOURCES.json"
    document = json.loads(sources_path.read_text()) if sources_path.is_file() else {}
    document["earlier_vintages"] = facts
    sources_path.write_text(json.dumps(document, indent=2) + "\n")
    return facts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--wheel-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    facts = build_vintages(args.out, args.wheel_dir)
    for name, f in facts.items():
        print(f"Wrote {args.out / name}: {f['units']} NTAs; not published: {f['not_published']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
