"""The study map's content, read from its spec and the saved HTML (no browser)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys

import folium
import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon

from assetmap.analysis.need import need_index
from assetmap.analysis.siting import suggest_sites
from assetmap.errors import OfflineError
from assetmap.icons import icon_svg
from assetmap.maps import _inline as _map_inline
from assetmap.maps._cdn import is_tile_url, resolve_cdn_url, stub_content_type
from assetmap.maps._classes import PALETTES, classify_values, palette
from assetmap.maps._element import StudyLayers
from assetmap.maps._geometry import display_geometry
from assetmap.maps._html import link_or_text, safe_url, script_json, tel_href, text
from assetmap.maps._panels import SYNTHETIC_LABEL
from assetmap.maps.build import make_map, map_spec
from tests import hostile
from tests._atlas_fixture import (
    ENTITY,
    LONG_NAME,
    RTL,
    XSS_ATTR,
    XSS_IMG,
    XSS_SCRIPT_END,
    XSS_TEMPLATE,
    hostile_atlas,
    tiny_atlas,
)
from tests.browser_support import NODE_MODULES

INDICATORS = [
    "poverty_100",
    "poverty_150",
    "unemployed",
    "uninsured",
    "public_assistance",
    "snap",
    "age_65_plus",
    "disability",
    "limited_english",
    "no_vehicle",
]


@pytest.fixture(scope="module")
def atlas():
    return tiny_atlas()


@pytest.fixture(scope="module")
def spec(atlas):
    return map_spec(atlas)


@pytest.fixture(scope="module")
def html(atlas) -> str:
    return make_map(atlas).get_root().render()


def spec_of(m: folium.Map) -> dict:
    (element,) = [c for c in m._children.values() if isinstance(c, StudyLayers)]
    return element.spec


def shipped(html: str) -> dict:
    """The spec as the browser receives it, parsed back from the page."""
    call = re.search(r"assetmap\.draw\(map_[0-9a-f]{32}, (.*), (\{\"bases\".*\})\);", html)
    assert call, "no drawing call in the page"
    return json.loads(call.group(1))


def domain(spec: dict, key: str) -> dict:
    (d,) = [d for d in spec["domains"] if d["key"] == key]
    return d


def field(row: list, name: str):
    from assetmap.maps._layers import ASSET_FIELDS

    return row[ASSET_FIELDS.index(name)]


def said(spec: dict, kind: str, values: list) -> dict:
    """A popup's values by key, as its description in the spec reads them."""
    return dict(zip(spec["popups"][kind]["keys"], values, strict=True))


def labels(spec: dict, kind: str) -> dict:
    """A popup's labels by key."""
    return {key: label for label, key, *_ in spec["popups"][kind]["fields"]}


def unit_pos(atlas, uid) -> int:
    return list(atlas.units.index).index(uid)


# --- layers and choropleths ---------------------------------------------------------------


def test_one_layer_per_domain_present_in_file_order(atlas, spec):
    keys = [d["key"] for d in spec["domains"]]
    assert keys == ["food", "housing", "primary_care"]  # order of domains.yml, no Legal aid
    food = domain(spec, "food")
    assert food["name"] == "Food"
    assert len(food["rows"]) == (atlas.assets["domain"] == "food").sum() == 3
    assert "background:#E69F00" in food["pin"] and icon_svg("cutlery") in food["pin"]
    assert food["cluster"] is False
    assert spec["assetFields"][:3] == ["lon", "lat", "name"]


def test_domains_not_assessed_are_greyed_lines_of_the_layer_control(atlas, spec):
    # the tiny atlas lists food, housing and primary care only: the other 8 are not assessed
    assert all(d["why"] == "" for d in spec["domains"])
    greyed = spec["notAssessed"]
    others = [k for k in atlas.domains if k not in ("food", "housing", "primary_care")]
    assert [d["key"] for d in greyed] == others
    legal = next(d for d in greyed if d["name"] == "Legal aid")
    assert legal["why"] == (
        "The inventory lists no legal aid services, so legal aid gaps are not assessed."
    )
    assert spec["text"]["notAssessed"] == "not assessed"
    # no popup line pretends to measure them: only the three domains of the inventory
    labels = {spec["domainLabels"][n[0]] for row in spec["units"]["near"] for n in row}
    assert labels == {"Food", "Housing and shelter", "Primary care"}
    # a domain with services but too few to judge keeps its layer, with the reason
    few = dataclasses.replace(
        atlas, provenance={**atlas.provenance, "parameters": {"min_services": 3}}
    )
    care = domain(map_spec(few), "primary_care")
    assert len(care["rows"]) == 3 and care["why"] == ""
    housing = domain(map_spec(few), "housing")
    assert housing["why"].startswith("The inventory lists only 2 housing and shelter services")


def test_need_index_and_each_indicator_are_switchable_choropleths(spec):
    columns = [c["column"] for c in spec["choropleths"]]
    assert columns == ["need_pct", *INDICATORS]
    assert [c["show"] for c in spec["choropleths"]] == [True] + [False] * 10
    names = [c["name"] for c in spec["choropleths"]]
    assert names[:3] == [
        "Need percentile",
        "Below the poverty level",
        "Below 150% of the poverty level",
    ]
    assert len(set(c["id"] for c in spec["choropleths"])) == 11


def test_choropleth_choice_follows_arguments(atlas):
    only = map_spec(atlas, indicators=None)
    assert [c["column"] for c in only["choropleths"]] == ["need_pct"]
    two = map_spec(atlas, indicators=["uninsured"], need_column="poverty_100")
    assert [(c["column"], c["show"]) for c in two["choropleths"]] == [
        ("need_pct", False),
        ("poverty_100", True),
        ("uninsured", False),
    ]


def test_need_classes_follow_mapclassify_quantiles(atlas, spec):
    need = spec["choropleths"][0]
    values = atlas.units["need_pct"]
    valid = values.dropna()
    q = mapclassify.Quantiles(valid.to_numpy(), k=5)
    expected = {uid: int(c) for uid, c in zip(valid.index, q.yb, strict=True)}
    got = dict(zip(atlas.units.index, need["cls"], strict=True))
    assert {u: got[u] for u in valid.index} == expected
    assert got[values.index[values.isna()][0]] == -1  # the park: no residents
    assert need["colours"] == list(palette("YlOrRd", 5))
    assert need["colours"][got[valid.idxmax()]] == "#800026"  # darkest for the neediest
    assert need["words"] == ["lowest 20%", "20–40%", "40–60%", "60–80%", "highest 20%"]
    uid = valid.idxmax()
    assert need["val"][unit_pos(atlas, uid)] == f"{round(valid.max() * 100)}th percentile"


def test_indicator_choropleth_values_in_words(atlas, spec):
    pov = spec["choropleths"][1]
    values = atlas.units["poverty_100"]
    classes = classify_values(values, k=5)
    assert pov["cls"] == classes.yb.tolist()
    assert pov["prefix"] == "Below the poverty level"
    assert pov["val"][0] == f"{values.iloc[0]:.1f}%"  # 9.0% -> "9.0%"
    assert pov["val"][4] == "no data"


@pytest.mark.filterwarnings("ignore:Numba not installed")
def test_natural_breaks_use_fisher_jenks_bins(atlas):
    classes = classify_values(atlas.units["need_pct"], method="naturalbreaks", k=3)
    fj = mapclassify.FisherJenks(atlas.units["need_pct"].dropna().to_numpy(), k=3)
    assert classes.bins == pytest.approx(tuple(fj.bins))
    assert classes.yb[classes.yb >= 0].tolist() == list(fj.yb)
    need = map_spec(atlas, classify="naturalbreaks", k=3)["choropleths"][0]
    assert "lowest (percentile" in need["legend"] and "highest (percentile" in need["legend"]
    assert "classes by natural breaks" in need["legend"]


def test_each_choropleth_has_its_legend_in_words_with_vintage(spec):
    need, pov = spec["choropleths"][:2]
    assert "<h2>Need percentile</h2>" in need["legend"]
    assert "lowest 20% (percentile 0–20)" in need["legend"]
    assert "highest 20% (percentile 80–100)" in need["legend"]
    assert "no residents / no data" in need["legend"]
    assert "American Community Survey 5-year estimates, 2019–2023" in need["legend"]
    assert "Darker = more need" in need["legend"]
    assert "<h2>Below the poverty level</h2>" in pov["legend"]
    assert "Share of people for whom poverty status is determined." in pov["legend"]
    assert "%)" in pov["legend"] and "2019–2023" in pov["legend"]
    for colour in palette("YlOrRd", 5):
        assert f"background:{colour}" in need["legend"]


def test_legend_bins_match_classes_for_other_k(atlas):
    legend = map_spec(atlas, k=4)["choropleths"][0]["legend"]
    classes = classify_values(atlas.units["need_pct"], k=4)
    assert classes.k == 4
    for (lo, hi), words in zip(classes.ranges(100, 0), classes.words, strict=True):
        assert f"{words} (percentile {lo}–{hi})" in legend
    assert "lowest 25%" in legend and "highest 25%" in legend


def test_palette_option_uses_colour_blind_safe_ramps(atlas):
    viridis = map_spec(atlas, palette="viridis", indicators=None)["choropleths"][0]
    assert viridis["colours"] == list(palette("viridis", 5))
    assert viridis["colours"][0] == "#fde725" and viridis["colours"][-1] == "#440154"
    assert set(PALETTES) >= {"YlOrRd", "YlGnBu", "viridis", "cividis"}
    with pytest.raises(ValueError, match="palette='rainbow' is not known; use one of: YlOrRd"):
        make_map(atlas, palette="rainbow")


def test_legend_lists_services_findings_and_hospital(spec):
    legend = spec["panels"]["legend"]
    assert legend.startswith('<div class="am-legend-need"></div>')  # filled by the script
    for label in ("Food", "Housing and shelter", "Primary care"):
        assert f"<span>{label}</span>" in legend
    assert "gap: high need" in legend and "overlap: providers" in legend
    assert "hidden to protect privacy: fewer than 11 people" in legend
    assert '<span class="am-swatch am-swatch-hidden"></span>' in legend  # the hatching
    assert "Synthetic hospital data" in legend


def test_title_synthetic_label_and_print_button(atlas, spec):
    title = spec["panels"]["title"]
    assert "<h1><bdi>Tiny Bronx test (synthetic assets)</bdi></h1>" in title
    assert SYNTHETIC_LABEL in title and 'class="am-print-button"' in title
    real = tiny_atlas()
    real.synthetic = False
    assert SYNTHETIC_LABEL not in map_spec(real)["panels"]["title"]


def test_footer_lists_sources_with_vintage_and_method(spec):
    footer = spec["panels"]["footer"]
    assert "American Community Survey 5-year estimates</bdi> (2019–2023, public domain)" in footer
    assert "Synthetic partner inventory</bdi> (2024, CC0)" in footer
    assert "Method:" in footer and "1.3 circuity at 4.8 km/h" in footer
    assert "75th need percentile" in footer
    assert '<p class="am-offline" hidden>' in footer


def test_page_has_title_scale_bar_and_links_nothing_by_default(html):
    assert "<title>Tiny Bronx test (synthetic assets)</title>" in html
    assert "L.control.scale()" in html
    assert not re.search(r"<script[^>]+src=", html)  # Leaflet is in the page: works offline
    assert not re.search(r"<link[^>]+stylesheet", html)
    assert "window.L = exports" in html or "L = " in html


def test_cdn_map_links_only_leaflet(atlas):
    html = make_map(atlas, cdn=True).get_root().render()
    urls = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert urls == [
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css",
    ]  # no jQuery, Bootstrap or icon fonts: the map does not use them


def test_base_maps_need_no_api_key(spec):
    names = [b["name"] for b in spec["basemaps"]]
    assert names == ["Streets (OpenStreetMap)", "Light grey (Esri)", "No background map"]
    assert spec["basemaps"][0]["url"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap" in spec["basemaps"][0]["attribution"]
    assert is_tile_url(spec["basemaps"][1]["url"].format(z=12, x=1206, y=1538))
    with pytest.raises(ValueError, match="needs an API key"):
        map_spec(tiny_atlas(), basemaps=["CartoDB.Positron"])


# --- what popups and tooltips say ---------------------------------------------------------


def test_unit_popup_data_nearest_service_per_domain(atlas, spec):
    units = spec["units"]
    gap = atlas.gaps.iloc[0]
    i = unit_pos(atlas, gap["unit_id"])
    order = list(atlas.domains)
    rows = {
        spec["domainLabels"][d]: (spec["nearNames"][n], m, g) for d, n, m, g in units["near"][i]
    }
    acc = atlas.access[atlas.access["unit_id"] == gap["unit_id"]].set_index("domain")
    for key in ("food", "housing", "primary_care"):
        name, minutes, is_gap = rows[atlas.domains[key].label]
        assert name == acc.loc[key, "nearest_name"]
        assert minutes == f"{round(acc.loc[key, 'nearest_min']):,}"
        assert is_gap == int(
            key in set(atlas.gaps.loc[atlas.gaps["unit_id"] == gap["unit_id"], "domain"])
        )
    assert [spec["domainLabels"][d] for d, *_ in units["near"][i]] == [
        atlas.domains[k].label for k in order if k in set(acc.index)
    ]
    assert units["name"][i] == atlas.units.loc[gap["unit_id"], "name"]
    assert units["pop"][i] == f"{atlas.units.loc[gap['unit_id'], 'population']:,}"
    park = unit_pos(atlas, atlas.units.index[atlas.units["population"] == 0][0])
    assert units["need"][park] == "not ranked: no residents"
    top = atlas.units["need_pct"].idxmax()
    assert units["need"][unit_pos(atlas, top)] == "100th percentile (highest 20%)"


def test_gap_tooltips_name_residents_and_minutes(atlas, spec):
    gaps = spec["gaps"]
    assert len(gaps["units"]) == atlas.gaps["unit_id"].nunique() == 2
    row = atlas.gaps[atlas.gaps["domain"] == "food"].iloc[0]
    line = (
        f"Food gap: {row['population']:,} residents, nearest food service "
        f"{round(row['nearest_min'])} min walk"
    )
    lines = dict(zip(gaps["units"], gaps["lines"], strict=True))
    keys = dict(zip(gaps["units"], gaps["keys"], strict=True))
    at = unit_pos(atlas, row["unit_id"])
    assert line in lines[at] and keys[at][lines[at].index(line)] == "food"
    assert any("Housing and shelter gap:" in t for ls in gaps["lines"] for t in ls)
    # each line keeps the domain it speaks of: the map outlines a unit per domain shown
    expected = atlas.gaps.groupby("unit_id")["domain"].apply(sorted)
    for u, k in keys.items():
        assert sorted(k) == expected[atlas.units.index[u]]
    # the same lines show when hovering the unit on the need layer
    assert line in spec["units"]["notes"][unit_pos(atlas, row["unit_id"])]


def test_overlap_tooltips_give_note_and_names(atlas, spec):
    over = spec["overlaps"]
    (cluster,) = [f["properties"]["tip"] for f in over["fc"]["features"]]
    assert "Crowded services: Primary care, 3 providers" in cluster
    assert "3 primary care providers within 200 m of each other." in cluster
    # an over-served unit points at the unit's polygon instead of repeating it
    ((pos, tip),) = over["units"]
    assert pos == unit_pos(atlas, atlas.units.index[2])
    assert "Over-served area: Primary care, 3 providers" in tip
    assert "Mott Haven Health Center" in cluster and "Mott Haven Health Center" in tip


def test_asset_rows_say_everything_in_plain_words(atlas, spec):
    food = {field(r, "name"): r for r in domain(spec, "food")["rows"]}
    pantry = food["Grand Concourse Food Pantry"]
    assert field(pantry, "org") == "Bronx Partners Network"
    assert field(pantry, "address") == "101 Grand Concourse, Bronx, NY 10451"
    assert field(pantry, "phone") == ["7185550101", "(718) 555-0101"]  # a tel: link
    assert field(pantry, "hours") == "Mon-Fri 9-5"
    assert field(pantry, "website") == ["https://example.org/pantry"]  # a link
    assert field(pantry, "verified") == "2024-05-01"
    assert field(pantry, "capacity") == "50"
    assert (field(pantry, "lon"), field(pantry, "lat")) == (-73.9052, 40.8452)
    soup = food["Fordham Soup Kitchen"]
    assert field(soup, "source") == "partners; 211"
    assert field(soup, "website") == ["https://www.soup.example.org"]  # bare domain made a link
    assert field(food["Tremont Community Fridge"], "verified") == ""  # shown "not recorded"
    housing = {field(r, "name"): r for r in domain(spec, "housing")["rows"]}
    drop_in = housing["Rent Help Drop-in"]
    assert field(drop_in, "website") == "mailto:help@example.org"  # text, not a link
    # the popup's labels travel with the spec, in order, once for every service
    service = spec["popups"]["service"]
    assert [f[0] for f in service["fields"]][:3] == ["Organisation", "Service", "Address"]
    assert labels(spec, "service")["verified"] == "Last verified"
    assert [f[3] for f in service["fields"] if f[1] == "verified"] == ["not recorded"]
    assert spec["assetFields"] == ["lon", "lat", *service["keys"]]


def test_popups_are_data_drawn_by_one_function(spec, html):
    """No popup is HTML in the spec: each is values plus a shared description."""
    kinds = {a["popup"] for a in spec["anchor"] if a["kind"] == "points"}
    assert kinds == {"site", "space", "jobs"} and kinds <= set(spec["popups"])
    for a in spec["anchor"]:
        for row in a.get("rows", []):
            assert isinstance(row[2], list) and "<" not in json.dumps(row[2])
    for d in spec["domains"]:
        assert "<" not in json.dumps(d["rows"])
    assert labels(spec, "neighbourhood")["near"] == "Nearest service (walk)"
    assert html.count("AM.popup = function") == 1


def test_domain_markers_draw_their_icon_or_else_their_initial(atlas):
    domains = dict(atlas.domains)
    domains["housing"] = dataclasses.replace(domains["housing"], icon="no-such-icon")
    domains["food"] = dataclasses.replace(domains["food"], icon='"><script>alert(1)</script>')
    spec = map_spec(dataclasses.replace(atlas, domains=domains))
    for key in ("housing", "food"):  # unknown names: the label's first letter, nothing else
        assert "<svg" not in domain(spec, key)["pin"] and "script" not in domain(spec, key)["pin"]
    assert ">H</span>" in domain(spec, "housing")["pin"]
    assert ">F</span>" in domain(spec, "food")["pin"]
    care = domain(spec, "primary_care")["pin"]
    assert icon_svg("medkit") in care and 'aria-hidden="true"' in care
    # the legend shows the same markers as the map
    for d in spec["domains"]:
        assert f"{d['pin']}<span>{d['label']}</span>" in spec["panels"]["legend"]


def test_every_domain_icon_of_the_shipped_file_is_drawn(atlas):
    missing = [k for k, d in atlas.domains.items() if icon_svg(d.icon) is None]
    assert missing == []
    assert icon_svg("<img src=x>") is None and icon_svg(None) is None
    svg = icon_svg("fa-home", size=10)
    assert svg.startswith('<svg class="am-icon" viewBox="0 0 16 16" width="10" height="10"')
    assert 'fill="currentColor"' in svg and "<script" not in svg


def anchor_layer(spec: dict, measure: str) -> dict:
    (layer,) = [x for x in spec["anchor"] if x.get("measure") == measure]
    return layer


def test_suppressed_cells_never_carry_a_number_anywhere_in_the_page():
    a = tiny_atlas()
    emp = a.anchor.employment
    # counts the anchor must not publish, distinctive enough to grep the page for
    (sup,) = emp.index[emp["employees_suppressed"]]
    emp.loc[sup, "employees"] = 4817.0
    hidden_hires = emp.index[emp["new_hires_suppressed"]]
    emp.loc[hidden_hires, "new_hires"] = [3917.0, 2693.0]
    html = make_map(a).get_root().render()
    for number in (4817, 3917, 2693):
        assert str(number) not in html and f"{number:,}" not in html
    spec = shipped(html)
    for measure, rows in (("employees", [sup]), ("new_hires", list(hidden_hires))):
        layer = anchor_layer(spec, measure)
        cells = {pos: (cls, words) for pos, cls, words in layer["cells"]}
        for row in rows:
            cls, words = cells[unit_pos(a, emp.loc[row, "unit_id"])]
            assert (cls, words) == (-2, "hidden to protect privacy")
        assert "hidden to protect privacy: fewer than 11 people" in layer["legend"]
    employees = anchor_layer(spec, "employees")
    first = {pos: words for pos, _, words in employees["cells"]}[0]
    assert first == "140" and employees["label"] == "Hospital employees living here"
    assert employees["show"] is False


def test_each_anchor_measure_is_a_layer_with_its_classes_in_words(spec):
    names = [a["name"] for a in spec["anchor"]]
    assert names == [
        "Hospital: Synthetic Bronx Community Hospital (fictional)",
        "Hospital spaces to share",
        "Hospital open positions",
        "Hospital employees by home neighbourhood",
        "Hospital new hires by home neighbourhood",
        "Hospital spending by vendor location",
        "Hospital investment by neighbourhood",
    ]
    site = spec["anchor"][0]
    assert site["kind"] == "points" and said(spec, "site", site["rows"][0][2])["beds"] == "320"
    assert labels(spec, "site")["beds"] == "Beds"
    spend = anchor_layer(spec, "spend_usd")
    assert "$1,250,000 with 12 vendor(s)" in [c[2] for c in spend["cells"]]
    # zeros get a class of their own; the units with any are split by quantiles
    legend = spend["legend"]
    assert "none ($0)" in legend and "$1,250,000" in legend and "no data" in legend
    assert "$0–$0" not in legend
    assert "hidden to protect privacy" not in legend  # spending describes no one
    invest = anchor_layer(spec, "investment_usd")
    assert "$2,400,000 (affordable housing)" in [c[2] for c in invest["cells"]]
    hires = anchor_layer(spec, "new_hires")
    assert "none (0 new hires)" in hires["legend"]
    assert [c[1] for c in hires["cells"]].count(-2) == 2
    for layer in spec["anchor"][3:]:
        assert layer["kind"] == "cells" and layer["show"] is False
        assert layer["legend"].startswith(f"<h2>{layer['name']}</h2>")


def test_alignment_ratios_in_plain_words_labelled_synthetic(atlas, spec):
    table = atlas.anchor.alignment.set_index("measure")
    for measure in ("employees", "new_hires", "spend_usd", "investment_usd"):
        row = table.loc[measure]
        legend = anchor_layer(spec, measure)["legend"]
        ratio = f"{row['ratio']:.2f}× the population share"
        assert ratio in legend, measure
        assert f"home to {round(row['population_share'] * 100)}% of residents" in legend
        assert f"{round(row['share_high_need'] * 100)}% " in legend
        assert "need at or above the 75th percentile" in legend
        assert "Synthetic hospital data, for demonstration." in legend
        assert f"({ratio})" in spec["panels"]["legend"]  # the summary in the main legend
    employees = anchor_layer(spec, "employees")["legend"]
    assert "The 1 neighbourhood(s) hidden to protect privacy are left out of both shares" in (
        employees
    )
    assert "less than in proportion to where people live" in employees  # 0.23×
    assert "more concentrated where need is high" in anchor_layer(spec, "investment_usd")["legend"]


def test_alignment_is_not_called_synthetic_for_real_data(atlas):
    real = dataclasses.replace(atlas, synthetic=False)
    spec = map_spec(real)
    assert "Synthetic hospital data" not in spec["panels"]["legend"]
    assert "Synthetic hospital data" not in anchor_layer(spec, "employees")["legend"]


def test_space_popup_says_what_it_could_host_near_a_gap(atlas, spec):
    (spaces,) = [a for a in spec["anchor"] if a["name"] == "Hospital spaces to share"]
    auditorium, parking = spaces["rows"]
    near = atlas.anchor.spaces_near_gaps.iloc[0]
    assert (near["space_id"], near["domain"], near["name"]) == ("S1", "housing", "Mott Haven")
    minutes = round(near["walk_min"])
    hall, lot = said(spec, "space", auditorium[2]), said(spec, "space", parking[2])
    assert hall["could_host"] == [
        ["housing and shelter", [["Mott Haven", f"{minutes} min walk"]], 0]
    ]
    assert labels(spec, "space")["could_host"] == "Could host:"
    assert hall["suitable"] == "housing and shelter, primary care, legal aid"
    assert "near a gap" in auditorium[3]
    assert lot["could_host"] == "" and "near a gap" not in parking[3]
    assert lot["suitable"] == "food"


def with_sites(atlas):
    sites = suggest_sites(
        atlas.units, atlas.assets, atlas.access, spaces=atlas.anchor.spaces, domains=atlas.domains
    )
    return dataclasses.replace(atlas, sites=sites)


def test_suggested_sites_are_stars_off_at_start_with_popups_in_words():
    atlas = with_sites(tiny_atlas())
    assert len(atlas.sites) > 0
    spec = map_spec(atlas)
    layer = spec["sites"]
    assert layer["name"] == "Suggested new sites" and layer["show"] is False
    assert len(layer["rows"]) == len(atlas.sites)
    for row, (_, site) in zip(layer["rows"], atlas.sites.iterrows(), strict=True):
        lon, lat, values, tip, pin = row
        popup = said(spec, "newSite", values)
        assert (lon, lat) == (round(site.geometry.x, 5), round(site.geometry.y, 5))
        label = atlas.domains[site["domain"]].label.lower()
        high = f"{site['new_high_need_residents']:,.0f}"
        high = "none" if high == "0" else high
        assert (
            f"A new {label} site here would bring {site['new_residents']:,.0f} residents "
            f"({high} in high-need neighbourhoods) within a {site['threshold_min']:g}-minute walk."
        ) in popup["sentence"]
        assert popup["name"] == text(site["name"]) and "Synthetic data" in popup["synthetic"]
        reached, more = popup["reached"]
        ids = site["reached_ids"].split(";")
        assert reached == [text(atlas.units.loc[uid, "name"]) for uid in ids][:6]
        assert more == max(len(ids) - 6, 0)
        assert f"New {label} site {site['rank']}:" in tip
        colour = atlas.domains[site["domain"]].colour
        assert 'class="am-star"' in pin and f'fill="{colour}"' in pin
        assert f">{site['rank']}</text>" in pin
    legend = spec["panels"]["legend"]
    assert "suggested new site (off at start)" in legend and layer["symbol"] in legend
    # no sites, no layer and no legend line
    plain = map_spec(tiny_atlas())
    assert plain["sites"] is None and "suggested new site" not in plain["panels"]["legend"]


def test_suggested_sites_keep_the_map_byte_identical(tmp_path):
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    with_sites(tiny_atlas()).map().save(str(first))
    code = (
        "from tests._atlas_fixture import tiny_atlas;from tests.test_maps import with_sites;"
        f"with_sites(tiny_atlas()).map().save({str(second)!r})"
    )
    env = {**os.environ, "PYTHONHASHSEED": "54321"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert first.read_bytes() == second.read_bytes()
    assert "Suggested new sites" in first.read_text()


def test_open_positions_are_proportional_symbols(spec):
    (jobs,) = [a for a in spec["anchor"] if a["name"] == "Hospital open positions"]
    (main, clinic) = jobs["rows"]
    assert "64 open positions" in main[3] and "6 open positions" in clinic[3]
    assert main[4] == 40 and 14 < clinic[4] < main[4]  # diameter: area ∝ positions
    assert round((clinic[4] - 14) / (main[4] - 14), 2) == round((6 / 64) ** 0.5, 2)


def test_no_anchor_no_hospital_layers():
    atlas = tiny_atlas()
    atlas.anchor = None
    spec = map_spec(atlas)
    assert spec["anchor"] == [] and "Hospital" not in spec["panels"]["legend"]


def test_many_assets_in_a_domain_are_clustered_with_the_library_loaded():
    m = make_map(tiny_atlas(crowd=60), cdn=True)
    spec = spec_of(m)
    assert domain(spec, "food")["cluster"] is True and len(domain(spec, "food")["rows"]) == 63
    assert domain(spec, "housing")["cluster"] is False
    html = m.get_root().render()
    assert "leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js" in html
    assert "leaflet.markercluster@1.5.3/dist/MarkerCluster.css" in html


# --- unreliable estimates and units not ranked ------------------------------------------------


def shaky_atlas():
    """The tiny atlas with Concourse at 50 residents and Melrose's no-vehicle count unsure.

    Worked by hand (ACS proportion formula, margins at 90%): Melrose has 720 of 3,000
    households without a vehicle, p = 0.24, margin 2,000 on the count, so the CV is
    sqrt(2000² - 0.24² x 60²) / 3000 / 1.645 / 0.24 = 1.689 > 0.30. Fordham's 4% estimates
    (120 of 3,000, margins 60) are already unreliable: 60 x sqrt(1 - 0.04²) / 3000 / 1.645 /
    0.04 = 0.3037. Concourse, with fewer than 100 residents, is not ranked.
    """
    atlas = tiny_atlas()
    units = atlas.units.copy()
    units.loc[units["name"] == "Concourse", "population"] = 50
    units.loc[units["name"] == "Melrose", "B08201_002M"] = 2000.0
    return dataclasses.replace(atlas, units=need_index(units, atlas.indicators))


@pytest.fixture(scope="module")
def shaky():
    atlas = shaky_atlas()
    return atlas, map_spec(atlas)


def test_unreliable_estimates_are_hatched_in_their_choropleth(shaky):
    atlas, spec = shaky
    pos = {atlas.units.loc[uid, "name"]: i for i, uid in enumerate(atlas.units.index)}
    cv = atlas.units["no_vehicle_cv"]
    assert cv["36005000104"] == pytest.approx(0.3037, abs=1e-4)
    assert cv["36005000106"] == pytest.approx(1.6886, abs=1e-4)
    car = next(c for c in spec["choropleths"] if c["column"] == "no_vehicle")
    marked = {name for name, i in pos.items() if car["weak"][i]}
    assert marked == {"Fordham", "Melrose"}
    # 4 ranked units (Concourse too small, Crotona Park empty) in 4 classes: 4% 14% 19% 24%
    assert [car["cls"][pos[n]] for n in ("Fordham", "Tremont", "Mott Haven", "Melrose")] == [
        0,
        1,
        2,
        3,
    ]
    # stripes dark on the light classes (#ffffcc, #feb24c), white on the dark ones
    assert car["colours"] == ["#ffffcc", "#feb24c", "#fc4e2a", "#800026"]
    assert car["hatch"] == ["#1a1a1a", "#1a1a1a", "#ffffff", "#ffffff"]
    assert car["weakWords"] == "estimate unreliable (CV &gt; 30%)"
    assert "am-swatch-unreliable" in car["legend"]
    assert "estimate unreliable (CV &gt; 30%)" in car["legend"]
    # the need index hatches the ranked units whose ranking rests on an unreliable estimate
    need = spec["choropleths"][0]
    assert need["column"] == "need_pct"
    assert {name for name, i in pos.items() if need["weak"][i]} == {"Fordham", "Melrose"}
    assert need["weakWords"] == "ranking rests on an unreliable estimate"
    assert "ranking rests on an unreliable estimate" in need["legend"]
    # an indicator with no unreliable estimate has no hatch either
    assert not atlas.units["snap_unreliable"].any()
    snap = next(c for c in spec["choropleths"] if c["column"] == "snap")
    assert snap["weak"] == [] and snap["hatch"] == [] and "unreliable" not in snap["legend"]


def test_units_not_ranked_are_grey_and_say_why(shaky):
    atlas, spec = shaky
    ids = list(atlas.units.index)
    concourse, park = ids.index("36005000101"), ids.index("36005000105")
    assert atlas.units.loc["36005000101", "no_vehicle"] == 9.0  # kept, but not classed
    for c in spec["choropleths"]:
        assert c["cls"][concourse] == -1, c["column"]
        assert not c["weak"] or c["weak"][concourse] == 0
    units = spec["units"]
    assert units["notRanked"][concourse] == "not ranked: fewer than 100 residents"
    assert units["need"][concourse] == "not ranked: fewer than 100 residents"
    assert units["notRanked"][park] == "not ranked: no residents"
    assert units["notRanked"][ids.index("36005000102")] == ""
    assert "no residents / no data / not ranked" in spec["choropleths"][0]["legend"]


def test_a_ranking_resting_on_unreliable_estimates_says_so(shaky):
    atlas, spec = shaky
    ids = list(atlas.units.index)
    rests = spec["units"]["restsOn"]
    assert rests[ids.index("36005000106")] == (
        "Its need ranking rests on 1 unreliable estimate (CV &gt; 30%): "
        "Households without a vehicle."
    )
    assert rests[ids.index("36005000104")] == (
        "Its need ranking rests on 4 unreliable estimates (CV &gt; 30%): Below the poverty "
        "level; No health insurance; Aged 65 and over; Households without a vehicle."
    )
    assert rests[ids.index("36005000101")] == ""  # not ranked: it rests on nothing
    fields = [f[1:3] for f in spec["popups"]["neighbourhood"]["fields"]]
    assert ["restsOn", "p-rests-on"] in fields


def test_reliability_words_escape_labels_and_name_missing_estimates():
    from assetmap.indicators import Indicator
    from assetmap.maps._reliability import not_ranked_words, rests_on_words

    inds = {"x": Indicator("x", "<b>X</b>"), "y": Indicator("y", "Y & Z")}
    units = pd.DataFrame(
        {"not_ranked": ["no estimate for x, y", ""], "unreliable_indicators": ["", "y"]}
    )
    assert not_ranked_words(units, inds) == [
        "not ranked: no estimate for &lt;b&gt;X&lt;/b&gt;; Y &amp; Z",
        "",
    ]
    assert rests_on_words(units, inds)[1].endswith(": Y &amp; Z.")


# --- geometry, size and determinism ---------------------------------------------------------


def test_boundaries_are_simplified_as_a_coverage_and_rounded():
    # two units sharing a wiggly edge of 200 vertices
    x0, y0 = 590_000, 4_520_000  # the Bronx, in UTM 18N metres
    xs = np.linspace(0, 1000, 200)
    edge = [(x0 + x, y0 + 500 + 3 * np.sin(x / 7)) for x in xs]
    south = Polygon([(x0, y0), (x0 + 1000, y0), *edge[::-1]])
    north = Polygon([*edge, (x0 + 1000, y0 + 1000), (x0, y0 + 1000)])
    units = gpd.GeoDataFrame(geometry=[south, north], crs="EPSG:32618")
    out = display_geometry(units, tolerance_m=20, coverage=True)
    assert len(out[0].exterior.coords) < 20  # most 3 m wiggles are gone
    shared_south = {tuple(c) for c in out[0].exterior.coords}
    shared_north = {tuple(c) for c in out[1].exterior.coords}
    assert len(shared_south & shared_north) >= 2  # the edge is still shared vertex for vertex
    assert out[0].intersection(out[1]).area == pytest.approx(0, abs=1e-12)
    coords = np.asarray(out[0].exterior.coords)
    assert np.allclose(coords, np.round(coords, 5))
    assert display_geometry(units)[0].is_valid


def test_coordinates_are_compact(spec):
    text_coords = json.dumps(spec["units"]["fc"])
    numbers = re.findall(r"-?\d+\.\d+", text_coords)
    assert numbers and all(len(n.split(".")[1]) <= 5 for n in numbers)
    assert all(set(f) == {"type", "id", "geometry"} for f in spec["units"]["fc"]["features"])


def test_same_inputs_give_byte_identical_map_files(atlas, tmp_path):
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    atlas.map().save(str(first))
    code = f"from tests._atlas_fixture import tiny_atlas;tiny_atlas().map().save({str(second)!r})"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert first.read_bytes() == second.read_bytes()
    assert re.search(r"var map_[0-9a-f]{32} = L\.map", first.read_text())


def test_sample_map_has_every_domain_and_stays_small(sample_atlas):
    html = make_map(sample_atlas).get_root().render()
    spec = shipped(html)
    present = {k for k in set(sample_atlas.assets["domain"]) if k in sample_atlas.domains}
    assert {d["key"] for d in spec["domains"]} >= present
    assert SYNTHETIC_LABEL in spec["panels"]["title"]
    assert len(html.encode()) < 1_500_000
    found = ~sample_atlas.sites["below_min_reach"]  # too few residents: not on the map
    assert len(spec["sites"]["rows"]) == found.sum() > 0
    assert "new site = greedy maximal covering location" in spec["panels"]["footer"]


# --- self-contained maps ----------------------------------------------------------------------


@pytest.mark.skipif(not (NODE_MODULES / "leaflet").is_dir(), reason="npm packages not installed")
def test_self_contained_map_inlines_every_script_and_style(tmp_path):
    m = make_map(tiny_atlas(crowd=60), js_dir=NODE_MODULES)
    path = tmp_path / "map.html"
    m.save(str(path))
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+stylesheet", html)
    assert "sourceMappingURL" not in html
    assert "L.MarkerClusterGroup" in html and "leaflet-container" in html
    assert "</script" not in html.split("<script>", 2)[1].split("</script>")[0][:-1]


def test_self_contained_map_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(_map_inline, "XSTATIC", {})
    monkeypatch.setattr(_map_inline, "_cache_web_dir", lambda: tmp_path / "cache")
    monkeypatch.delenv(_map_inline.ENV_VAR, raising=False)
    with pytest.raises(OfflineError) as err:
        make_map(tiny_atlas(crowd=60), js_dir=tmp_path / "empty")
    msg = str(err.value)
    assert "leaflet@1.9.3 dist/leaflet.js" in msg
    assert "leaflet.markercluster@1.5.3 dist/leaflet.markercluster.js" in msg
    assert "pip install xstatic-leaflet" not in msg  # XStatic switched off above
    assert "npm install leaflet.markercluster@1.5.3 leaflet@1.9.3 --prefix DIR" in msg
    assert str(tmp_path / "empty") in msg and "ASSETMAP_JS_DIR" in msg
    assert "cdn=True" in msg and "--cdn" in msg
    make_map(tiny_atlas(crowd=60), cdn=True, js_dir=tmp_path / "empty")  # links: no files


def test_self_contained_is_a_deprecated_alias_of_not_cdn(atlas):
    with pytest.warns(DeprecationWarning, match="cdn=True"):
        linked = make_map(atlas, self_contained=False).get_root().render()
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js">' in linked
    with pytest.warns(DeprecationWarning):
        inline = make_map(atlas, self_contained=True).get_root().render()
    assert "cdn.jsdelivr.net/npm/leaflet@" not in inline


def test_a_users_own_map_keeps_links_it_has_no_local_copy_of(atlas, caplog, tmp_path, monkeypatch):
    monkeypatch.setattr(_map_inline, "_cache_web_dir", lambda: tmp_path / "cache")
    monkeypatch.delenv(_map_inline.ENV_VAR, raising=False)
    m = folium.Map(location=[40.83, -73.9], tiles=None)  # folium links jQuery, Bootstrap...
    html = make_map(atlas, m=m, js_dir=tmp_path / "empty").get_root().render()
    assert "cdn.jsdelivr.net/npm/leaflet@" not in html  # Leaflet itself is inlined (XStatic)
    assert re.search(r'<script src="https://code.jquery.com/jquery-[\d.]+\.min\.js">', html)
    assert "no local copy of https://code.jquery.com/jquery" in caplog.text


def test_local_library_folders_come_from_argument_then_environment(tmp_path, monkeypatch):
    lib = tmp_path / "lib" / "leaflet" / "dist"
    lib.mkdir(parents=True)
    (lib / "leaflet.js").write_text("window.L = {};\n//# sourceMappingURL=leaflet.js.map\n")
    monkeypatch.setenv(_map_inline.ENV_VAR, str(tmp_path / "lib"))
    dirs = _map_inline.search_dirs(tmp_path / "first")
    assert dirs[:2] == [tmp_path / "first", tmp_path / "lib"]
    url = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
    found = _map_inline.find_local_file(url, dirs)
    assert found == lib / "leaflet.js"
    assert _map_inline.inline_code(url, found) == "<script>\nwindow.L = {};\n\n\n</script>"


def test_inlined_style_sheets_carry_their_images(tmp_path):
    css = tmp_path / "x.css"
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(b"\x89PNG")
    css.write_text(".a{background:url(images/a.png)} .b{background:url('missing.png')} </style>")
    out = _map_inline.inline_code("https://cdn.jsdelivr.net/npm/x@1/x.css", css)
    assert 'url("data:image/png;base64,iVBORw==")' in out
    assert "url('missing.png')" in out
    assert out.count("</style>") == 1


# --- hostile text -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_html() -> str:
    return make_map(hostile_atlas()).get_root().render()


def test_hostile_corpus_never_appears_raw(hostile_html, html):
    h = hostile_html
    for raw in ("<script>alert(", "<img", "<svg", "<iframe", "<math", "alert(102)</script>"):
        assert h.count(raw) == html.count(raw), raw  # only the page's own markup
    assert "${alert(109)}" not in h and "`);alert(110)" not in h
    assert not re.search(r"href=\\?[\"']\s*(javascript|data):", h, re.IGNORECASE)
    assert "{{ 7*7 }}" in h  # shipped as text, never evaluated as a template
    assert h.count("<script") == html.count("<script")  # only the page's own scripts
    assert h.count("</script>") == html.count("</script>")
    assert "\x00" not in h and "\ud800" not in h


def test_hostile_strings_arrive_as_escaped_text_in_every_field():
    atlas = hostile_atlas()
    spec = map_spec(atlas)
    rows = [r for d in spec["domains"] for r in d["rows"]]
    by_name = {}
    for r in rows:
        by_name.setdefault(field(r, "name"), r)
    for s in hostile.HOSTILE:
        r = by_name[text(s)]
        for name in ("org", "address", "phone", "hours", "verified"):  # phone: not callable
            assert field(r, name) == text(s), name
        sources = "; ".join(p.strip() for p in s.split(";") if p.strip())
        assert field(r, "source") == text(sources)
        assert field(r, "website") == text(s)  # text, not a safe link
    assert "&lt;img src=x onerror=alert(103)&gt;" in spec["units"]["name"]
    quoted = by_name["Quoted link"]
    assert field(quoted, "website") == ["https://example.org/&#34;onmouseover=&#34;alert(116)"]
    food = domain(spec, "food")
    assert food["name"] == "&lt;img src=x onerror=alert(103)&gt; food"
    assert food["colour"] == "#777777"  # a CSS injection is not a colour
    assert "Hospital: &lt;/script&gt;&lt;script&gt;alert(102)&lt;/script&gt;" in [
        a["name"] for a in spec["anchor"]
    ]
    footer = spec["panels"]["footer"]
    for s in hostile.HOSTILE:
        assert text(s) in footer


def hostile_sites_atlas():
    """The hostile atlas with one suggested site per hostile string, reaching every unit."""
    atlas = with_sites(hostile_atlas())
    base = atlas.sites.iloc[[0] * len(hostile.HOSTILE)].reset_index(drop=True)
    base["name"] = list(hostile.HOSTILE)
    base["kind"] = list(hostile.HOSTILE)
    base["rank"] = range(1, len(base) + 1)
    base["reached_ids"] = ";".join(atlas.units.index)
    return dataclasses.replace(atlas, sites=base)


def test_hostile_site_names_arrive_as_escaped_text():
    atlas = hostile_sites_atlas()
    html = make_map(atlas).get_root().render()
    spec = shipped(html)
    rows = spec["sites"]["rows"]
    assert len(rows) == len(hostile.HOSTILE)
    for row, name in zip(rows, hostile.HOSTILE, strict=True):
        popup = said(spec, "newSite", row[2])
        assert popup["name"] == text(name) and f"<bdi>{text(name, limit=80)}</bdi>" in row[3]
        assert popup["kind"] == text(name)  # an unknown kind is shown as text
        assert "<" not in json.dumps(row[2]) and "<svg" not in row[3]  # the star is the marker
    assert (atlas.sites["domain"] == "food").all()  # whose label is hostile too
    label = text(atlas.domains["food"].label).lower()
    assert label == "&lt;img src=x onerror=alert(103)&gt; food"
    assert all(
        said(spec, "newSite", r[2])["title"].startswith(f"New {label} site, choice") for r in rows
    )
    baseline = make_map(hostile_atlas()).get_root().render()
    for raw in ("<script>alert(", "<img", "<svg", "<iframe", "alert(102)</script>"):
        assert html.count(raw) == baseline.count(raw), raw
    assert html.count("<script") == baseline.count("<script")
    assert "${alert(109)}" not in html and "\x00" not in html


def test_long_and_rtl_names_are_contained(hostile_html):
    assert hostile.LONG_NAME not in hostile_html and "x" * 400 not in hostile_html
    spec = shipped(hostile_html)
    assert text(hostile.RTL_OVERRIDE) in spec["units"]["name"]
    assert len(hostile_html.encode()) < 400_000


def test_old_fixture_strings_are_escaped(atlas):
    spec = map_spec(tiny_atlas(hostile=True))
    rows = [r for d in spec["domains"] for r in d["rows"]]
    names = [field(r, "name") for r in rows]
    assert text(XSS_IMG) in names and text(XSS_TEMPLATE) in names and text(RTL) in names
    assert text(LONG_NAME) in names and len(text(LONG_NAME)) == 300
    orgs = {field(r, "org") for r in rows}
    assert "&amp;lt;b&amp;gt;entity&amp;lt;/b&amp;gt;" in orgs and ENTITY not in orgs
    assert text(XSS_ATTR) in {field(r, "address") for r in rows}
    assert text(XSS_SCRIPT_END) in spec["units"]["name"]


@pytest.mark.parametrize("value", [*hostile.HOSTILE, "a\\u0060b"])
def test_text_leaves_no_markup_or_template_syntax(value):
    out = text(value)
    assert not set(out) & set("<>\"'`$\\")
    assert "\x00" not in out and len(out) <= 300


def test_script_json_cannot_close_the_script():
    out = script_json({"a": hostile.SCRIPT_END + hostile.COMMENT + "\u2028"})
    assert "<" not in out and ">" not in out and "\u2028" not in out
    assert json.loads(out) == {"a": hostile.SCRIPT_END + hostile.COMMENT + "\u2028"}


@pytest.mark.parametrize(
    ("value", "link"),
    [
        ("https://example.org/a?b=1&c=2", "https://example.org/a?b=1&c=2"),
        ("http://example.org", "http://example.org"),
        ("www.example.org", "https://www.example.org"),
        ("javascript:alert(4)", None),
        ("JaVaScRiPt:alert(4)", None),
        (" data:text/html,<script>alert(8)</script>", None),
        ("mailto:help@example.org", None),
        ("https://", None),
        ("https://exa mple.org", None),
        (np.nan, None),
    ],
)
def test_only_http_urls_are_links(value, link):
    assert safe_url(value) == link
    html = link_or_text(value)
    if link is None:
        assert "<a " not in html
    else:
        assert html.startswith('<a href="') and 'rel="noopener noreferrer"' in html


@pytest.mark.parametrize(
    ("phone", "tel"),
    [("(718) 555-0101", "7185550101"), ("+1 718 555 0101", "+17185550101"), ("ask us", "")],
)
def test_only_phone_numbers_become_call_links(phone, tel):
    assert tel_href(phone) == tel


# --- other maps, inputs and errors ---------------------------------------------------------


def test_existing_map_keeps_its_tiles_and_layers_in_the_control(atlas):
    m = folium.Map(location=[40.84, -73.9], zoom_start=13)
    folium.FeatureGroup(name="My <b>own</b> layer").add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    out = make_map(atlas, m=m)
    assert out is m
    assert not [c for c in m._children.values() if isinstance(c, folium.LayerControl)]
    spec = spec_of(m)
    assert [b["name"] for b in spec["basemaps"]] == ["No background map"]
    extras = json.loads(re.search(r", (\{\"bases\".*\})\);", m.get_root().render()).group(1))
    assert [b["name"] for b in extras["bases"]] == ["openstreetmap"]
    assert [o["name"] for o in extras["overlays"]] == ["My &lt;b&gt;own&lt;/b&gt; layer"]


def test_study_without_assets_gaps_or_overlaps_still_maps():
    atlas = tiny_atlas()
    atlas.assets = gpd.GeoDataFrame({"domain": []}, geometry=[])
    atlas.access = pd.DataFrame()
    atlas.gaps = pd.DataFrame()
    atlas.overlaps = gpd.GeoDataFrame(geometry=[])
    atlas.anchor = None
    spec = map_spec(atlas, indicators=None)
    assert spec["domains"] == [] and spec["gaps"] is None and spec["overlaps"] is None
    assert spec["units"]["near"] == [[]] * 6
    legend = spec["panels"]["legend"]
    assert "Services" not in legend and "Gaps and overlaps" not in legend
    make_map(atlas).get_root().render()


def test_units_in_another_crs_are_drawn_in_wgs84():
    projected = tiny_atlas()
    projected.units = projected.units.to_crs("EPSG:32618")
    feature = map_spec(projected)["units"]["fc"]["features"][0]
    x, y = feature["geometry"]["coordinates"][0][0]
    assert -74 < x < -73.8 and 40.8 < y < 40.9


def test_bad_arguments_say_what_to_do(atlas):
    bare = tiny_atlas()
    bare.units = bare.units.set_crs(None, allow_override=True)
    with pytest.raises(ValueError, match="atlas.units has no CRS"):
        make_map(bare)
    with pytest.raises(ValueError, match="no column 'need_percent' to map; pass need_column="):
        make_map(atlas, need_column="need_percent")
    with pytest.raises(ValueError, match="no column 'not_here'"):
        make_map(atlas, indicators=["not_here"])
    with pytest.raises(ValueError, match="quantiles, naturalbreaks"):
        make_map(atlas, classify="jenks-ish")
    with pytest.raises(ValueError, match="between 2 and 9"):
        make_map(atlas, k=12)


def test_import_assetmap_does_not_import_folium():
    code = (
        "import sys, assetmap, assetmap.atlas, assetmap.maps.build, assetmap.maps._layers;"
        "bad = [m for m in ('folium', 'branca', 'mapclassify', 'xyzservices') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_file_the_map_loads_has_an_offline_copy():
    html = make_map(tiny_atlas(crowd=60), cdn=True).get_root().render()
    urls = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert any("leaflet.js" in u for u in urls) and any("markercluster" in u for u in urls)
    for url in urls:
        cdn = resolve_cdn_url(url)
        assert cdn is not None or stub_content_type(url) is not None, url
        if cdn is not None and (NODE_MODULES / "leaflet").is_dir():
            assert cdn.local_path(NODE_MODULES).is_file(), url
            assert cdn.installed_version(NODE_MODULES) == cdn.version, url
