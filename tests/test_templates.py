"""The fill-in templates: valid as shipped, CSV and XLSX twins, every column explained."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import assetmap as am
from assetmap.cli.main import cli
from assetmap.schema import SECTORS

TEMPLATES = Path(__file__).resolve().parent.parent / "data" / "templates"
UNITS = Path(__file__).resolve().parent.parent / "data" / "sample" / "units.geojson"


@pytest.fixture(scope="module")
def builder():
    spec = importlib.util.spec_from_file_location("build_xlsx", TEMPLATES / "build_xlsx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["assets.csv", "assets.xlsx"])
def test_validate_passes_on_the_templates(name):
    for extra in ([], ["--units", str(UNITS)]):
        result = CliRunner().invoke(cli, ["validate", str(TEMPLATES / name), *extra])
        assert result.exit_code == 0, result.output
        assert result.output.strip().endswith("8 rows read = 8 kept + 0 set aside.")


def test_template_rows_read_as_intended():
    a = am.read_assets(TEMPLATES / "assets.csv", region=am.read_units(UNITS))
    assert a["domain"].tolist() == [
        "food",
        "primary_care",
        "food",
        "older_adults",
        "legal_aid",
        "employment",
        "behavioral_health",
        "childcare",
    ]
    assert a["sector"].tolist()[:4] == ["cbo", "health_system", "faith", "faith"]
    assert a["capacity"].isna().tolist() == [False, True, False, False, True, False, True, False]
    assert a["notes"].iloc[0] == "Example row: replace with your own"  # extra column kept
    assert not a["outside_region"].any()
    # two services in one church building stay two services after de-duplication
    assert len(am.dedupe(a).merged) == 8


def test_xlsx_is_the_csv_twin_and_up_to_date(builder):
    csv = am.read_assets(TEMPLATES / "assets.csv")
    xlsx = am.read_assets(TEMPLATES / "assets.xlsx")
    pd.testing.assert_frame_equal(pd.DataFrame(csv), pd.DataFrame(xlsx))
    # the committed workbook is exactly what build_xlsx.py writes (run it after edits)
    assert (TEMPLATES / "assets.xlsx").read_bytes() == builder.build()
    sheets = pd.read_excel(TEMPLATES / "assets.xlsx", sheet_name=None, dtype=str)
    assert list(sheets) == ["assets", "lists", "columns"]
    header = (TEMPLATES / "assets.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert sheets["columns"]["column"].tolist() == sheets["assets"].columns.tolist() == header


def test_readme_explains_every_column_domain_and_sector(builder):
    readme = (TEMPLATES / "README.md").read_text(encoding="utf-8")
    header = (TEMPLATES / "assets.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == list(builder.COLUMNS)
    table = dict(re.findall(r"^\| `(\w+)` \| (?:yes|no) \| (.+) \|$", readme, flags=re.M))
    assert list(table) == header
    for col, (_, text) in builder.COLUMNS.items():
        assert table[col] == text  # README and the workbook's columns sheet say the same
    listed = re.findall(r"^\| `(\w+)` \| [^|]+ \| \d+ \|", readme, flags=re.M)
    assert listed == list(am.load_domains())
    for sector in SECTORS:
        assert f"`{sector}`" in readme
