"""The study map's content, read from the folium objects and the saved HTML (no browser)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import folium
import mapclassify
import numpy as np
import pytest

from assetmap._map_cdn import is_tile_url, resolve_cdn_url, stub_content_type
from assetmap._map_classes import MISSING_COLOUR, classify_values, palette
from assetmap._map_html import link_or_text, safe_url, text
from assetmap._map_panels import SYNTHETIC_LABEL
from assetmap.maps import make_map
from tests._atlas_fixture import (
    ENTITY,
    LONG_NAME,
    RTL,
    XSS_ATTR,
    XSS_IMG,
    XSS_SCRIPT_END,
    XSS_TEMPLATE,
    tiny_atlas,
)
from tests.browser_support import NODE_MODULES


@pytest.fixture(scope="module")
def atlas():
    return tiny_atlas()


@pytest.fixture(scope="module")
def hostile_atlas():
    return tiny_atlas(hostile=True)


@pytest.fixture(scope="module")
def html(atlas) -> str:
    return make_map(atlas).get_root().render()


@pytest.fixture(scope="module")
def hostile_html(hostile_atlas) -> str:
    return make_map(hostile_atlas).get_root().render()


def groups(m: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {
        child.layer_name: child
        for child in m._children.values()
        if isinstance(child, folium.FeatureGroup)
    }


def geojson_of(group: folium.FeatureGroup) -> folium.GeoJson:
    (gj,) = [c for c in group._children.values() if isinstance(c, folium.GeoJson)]
    return gj


def shipped_properties(m: folium.Map, key: str) -> list[str]:
    """Every GeoJSON property ``key`` (popup or tooltip HTML) of every layer of the map."""
    out = []
    stack = list(m._children.values())
    while stack:
        child = stack.pop()
        stack.extend(child._children.values())
        if isinstance(child, folium.GeoJson):
            out += [f["properties"][key] for f in child.data["features"] if key in f["properties"]]
    return out


def panels(html: str) -> list[str]:
    """The HTML of the title, legend and footer panels, as the browser receives it."""
    return [json.loads(s) for s in re.findall(r"div\.innerHTML = (\".*?(?<!\\)\");", html)]


def layer_control_names(html: str) -> list[str]:
    block = re.search(r"overlays :\s*\{(.*?)\},\s*\};", html, re.S)
    assert block, "no layer control in the map"
    return [json.loads(k) for k in re.findall(r"(\"(?:[^\"\\]|\\.)*\") :", block.group(1))]


# --- layers -------------------------------------------------------------------------------


def test_one_layer_per_domain_present_in_order(atlas, html):
    names = layer_control_names(html)
    labels = [atlas.domains[k].label for k in ("food", "housing", "primary_care")]
    assert [n for n in names if n in labels] == labels  # file order of domains.yml
    assert "Legal aid" not in names  # no assets of that domain -> no layer
    food = geojson_of(groups(make_map(atlas))["Food"])
    assert len(food.data["features"]) == (atlas.assets["domain"] == "food").sum() == 3
    assert food.marker.icon.options["class_name"] == "am-asset am-asset-food"
    assert "background:#E69F00" in food.marker.icon.options["html"]  # the domain's colour


def test_all_layers_and_an_expanded_layer_control(html):
    names = layer_control_names(html)
    for name in (
        "Need percentile",
        "Gaps: high need, no service nearby",
        "Overlaps: crowded or duplicated services",
        "Hospital employees by home area",
        "Hospital spending by area",
        "Hospital: Synthetic Bronx Community Hospital (fictional)",
        "Hospital spaces to share",
    ):
        assert name in names
    assert html.count("L.control.layers(") == 1
    assert re.search(r'"collapsed":\s*false', html)


def test_no_anchor_no_hospital_layers():
    atlas = tiny_atlas()
    atlas.anchor = None
    names = layer_control_names(make_map(atlas).get_root().render())
    assert not [n for n in names if n.startswith("Hospital")]


def test_existing_map_is_reused_and_keeps_one_layer_control(atlas):
    m = folium.Map(location=[40.84, -73.9], zoom_start=13)
    folium.LayerControl(collapsed=True).add_to(m)
    out = make_map(atlas, m=m)
    assert out is m
    controls = [c for c in m._children.values() if isinstance(c, folium.LayerControl)]
    assert len(controls) == 1 and controls[0].options["collapsed"] is False
    assert list(m._children.values())[-1] is controls[0]  # added last


def test_need_classes_follow_mapclassify_quantiles(atlas):
    m = make_map(atlas)
    gj = geojson_of(groups(m)["Need percentile"])
    values = atlas.units["need_pct"]
    valid = values.dropna()
    q = mapclassify.Quantiles(valid.to_numpy(), k=5)
    colours = palette("YlOrRd", len(q.bins))
    expected = {uid: colours[c] for uid, c in zip(valid.index, q.yb, strict=True)}
    seen = {}
    for feature in gj.data["features"]:
        uid = atlas.units.index[int(feature["id"])]
        seen[uid] = gj.style_function(feature)["fillColor"]
    assert {u: seen[u] for u in valid.index} == expected
    no_data = values.index[values.isna()]
    assert len(no_data) == 1 and seen[no_data[0]] == MISSING_COLOUR
    # five distinct classes, darkest for the neediest unit
    assert len(set(expected.values())) == 5
    assert expected[valid.idxmax()] == "#800026"


@pytest.mark.filterwarnings("ignore:Numba not installed")
def test_natural_breaks_use_fisher_jenks_bins(atlas):
    classes = classify_values(atlas.units["need_pct"], method="naturalbreaks", k=3)
    fj = mapclassify.FisherJenks(atlas.units["need_pct"].dropna().to_numpy(), k=3)
    assert classes.bins == pytest.approx(tuple(fj.bins))
    assert classes.yb[classes.yb >= 0].tolist() == list(fj.yb)
    legend = panels(make_map(atlas, classify="naturalbreaks", k=3).get_root().render())[1]
    assert "lowest (percentile" in legend and "highest (percentile" in legend


def test_legend_says_in_words_what_colours_mean(atlas, html):
    title, legend, footer = panels(html)
    assert "Need percentile" in legend
    assert "lowest 20% (percentile 0–20)" in legend
    assert "highest 20% (percentile 80–100)" in legend
    assert "no residents / no data" in legend
    assert "American Community Survey 5-year estimates, 2019–2023" in legend  # vintage
    for label in ("Food", "Housing and shelter", "Primary care"):
        assert f"<span>{label}</span>" in legend
    assert "fewer than 11 (suppressed)" in legend
    for colour in palette("YlOrRd", 5):
        assert f"background:{colour}" in legend


def test_legend_bins_match_classes_for_other_k(atlas):
    legend = panels(make_map(atlas, k=4).get_root().render())[1]
    classes = classify_values(atlas.units["need_pct"], k=4)
    assert classes.k == 4
    for (lo, hi), words in zip(classes.ranges(100, 0), classes.words, strict=True):
        assert f"{words} (percentile {lo}–{hi})" in legend
    assert "lowest 25%" in legend and "highest 25%" in legend


def test_indicator_column_legend_uses_indicator_label(atlas):
    legend = panels(make_map(atlas, need_column="poverty_100").get_root().render())[1]
    assert atlas.indicators.indicators["poverty_100"].label in legend
    assert "%)" in legend  # percent values, not percentiles


def test_title_and_synthetic_label(html):
    title = panels(html)[0]
    assert "Tiny Bronx test (synthetic assets)" in title
    assert SYNTHETIC_LABEL in title and "am-synthetic" in title


def test_no_synthetic_label_for_real_data():
    atlas = tiny_atlas()
    atlas.synthetic = False
    assert SYNTHETIC_LABEL not in panels(make_map(atlas).get_root().render())[0]


def test_footer_lists_sources_with_vintage_and_method(html):
    footer = panels(html)[2]
    assert "American Community Survey 5-year estimates</bdi> (2019–2023, public domain)" in footer
    assert "Synthetic partner inventory</bdi> (2024, CC0)" in footer
    assert "Method:" in footer and "1.3 circuity at 4.8 km/h" in footer
    assert "75th need percentile" in footer


def test_gap_tooltips_name_residents_and_minutes(atlas):
    gj = geojson_of(groups(make_map(atlas))["Gaps: high need, no service nearby"])
    tips = [f["properties"]["tip"] for f in gj.data["features"]]
    assert len(tips) == atlas.gaps["unit_id"].nunique() == 2
    row = atlas.gaps[atlas.gaps["domain"] == "food"].iloc[0]
    line = (
        f"Food gap: {row['population']:,} residents, nearest food service "
        f"{round(row['nearest_min'])} min walk"
    )
    assert any(line in t for t in tips)
    assert any("Housing and shelter gap:" in t for t in tips)
    assert set(gj.data["features"][0]["properties"]) == {"tip"}  # nothing else shipped


def test_overlap_tooltips_give_note_and_names(atlas):
    gj = geojson_of(groups(make_map(atlas))["Overlaps: crowded or duplicated services"])
    tips = [f["properties"]["tip"] for f in gj.data["features"]]
    assert any("Crowded services: Primary care, 3 providers" in t for t in tips)
    assert any("Over-served area" in t for t in tips)
    assert all("Mott Haven Health Center" in t for t in tips)


def test_suppressed_employment_cell_is_never_shown(atlas):
    gj = geojson_of(groups(make_map(atlas))["Hospital employees by home area"])
    emp = atlas.anchor.employment
    tips = {atlas.anchor.employment.index[int(f["id"])]: f for f in gj.data["features"]}
    (sup,) = emp.index[emp["employees_suppressed"]]
    feature = tips[sup]
    assert "fewer than 11 (suppressed)" in feature["properties"]["tip"]
    assert gj.style_function(feature)["fillColor"] == MISSING_COLOUR
    assert "Hospital employees living here: 140" in tips[emp.index[0]]["properties"]["tip"]


def test_geojson_is_compact(atlas):
    gj = geojson_of(groups(make_map(atlas))["Need percentile"])
    coords = re.findall(r"-?\d+\.\d+", json.dumps([f["geometry"] for f in gj.data["features"]]))
    assert coords and all(len(c.split(".")[1]) <= 6 for c in coords)
    assert all(set(f["properties"]) == {"c", "tip"} for f in gj.data["features"])


def test_many_assets_in_a_domain_are_clustered():
    m = make_map(tiny_atlas(crowd=60))
    food = groups(m)["Food"]
    clusters = [c for c in food._children.values() if isinstance(c, folium.plugins.MarkerCluster)]
    assert len(clusters) == 1
    assert len(geojson_of(clusters[0]).data["features"]) == 63
    housing = groups(m)["Housing and shelter"]
    assert not [
        c for c in housing._children.values() if isinstance(c, folium.plugins.MarkerCluster)
    ]


def test_bad_arguments_say_what_to_do(atlas):
    with pytest.raises(ValueError, match="no column 'need_percent'"):
        make_map(atlas, need_column="need_percent")
    with pytest.raises(ValueError, match="quantiles, naturalbreaks"):
        make_map(atlas, classify="jenks-ish")
    with pytest.raises(ValueError, match="between 2 and 9"):
        make_map(atlas, k=12)


def test_import_assetmap_does_not_import_folium():
    code = (
        "import sys, assetmap, assetmap.atlas, assetmap.maps, assetmap._map_layers;"
        "bad = [m for m in ('folium', 'branca', 'mapclassify') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# --- hostile text -------------------------------------------------------------------------


def test_hostile_strings_never_appear_raw(hostile_html):
    h = hostile_html
    assert "<img src=x onerror" not in h
    assert "<script>alert(" not in h
    assert "alert(2)</script>" not in h
    assert '"><script>' not in h
    assert "${alert(5)}" not in h  # would run inside folium's JS template literals
    assert "`);alert(6)" not in h
    assert "\\`);alert(6)" not in h
    assert 'onmouseover="alert(7)' not in h and 'onmouseover=\\"alert(7)' not in h
    assert "alert(8)</script>" not in h
    # every <script> block holds only folium's code: count them with and without hostile data
    clean = make_map(tiny_atlas()).get_root().render()
    assert h.count("<script") == clean.count("<script")
    assert h.count("</script>") == clean.count("</script>")


def test_hostile_strings_arrive_as_escaped_text(hostile_atlas, hostile_html):
    m = make_map(hostile_atlas)
    popups = " ".join(shipped_properties(m, "popup"))
    assert "&lt;img src=x onerror=alert(1)&gt;" in popups
    assert "&amp;lt;b&amp;gt;entity&amp;lt;/b&amp;gt;" in popups  # entities stay literal text
    assert "&#36;{alert(5)}&#96;);alert(6);//" in popups
    assert "&#34;&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in popups
    # in the page, the escaped HTML travels inside JSON strings
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in hostile_html
    title = panels(hostile_html)[0]
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in title
    footer = panels(hostile_html)[2]
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in footer


def test_javascript_websites_never_become_links(hostile_atlas, hostile_html):
    hrefs = re.findall(r"href=\\?[\"']?([^\"'\\\s>]*)", hostile_html)
    assert hrefs, "expected some links"
    for href in hrefs:
        assert not href.lower().lstrip().startswith(("javascript:", "data:", "vbscript:"))
    popups = shipped_properties(make_map(hostile_atlas), "popup")
    assert any("javascript:alert(4)" in p for p in popups)  # shown, but as text
    links = [h for p in popups for h in re.findall(r'<a href="([^"]*)"', p)]
    assert "https://example.org/morris" in links
    assert all(h.startswith(("https://", "http://")) for h in links)
    assert all(
        p.count("<a ") == p.count('target="_blank" rel="noopener noreferrer"') for p in popups
    )


def test_hostile_layer_names_and_unit_tooltips_are_escaped(hostile_atlas, hostile_html):
    names = layer_control_names(hostile_html)
    assert "Hospital: &lt;img src=x onerror=alert(1)&gt;" in names
    m = make_map(hostile_atlas)
    gj = geojson_of(groups(m)["Need percentile"])
    tips = [f["properties"]["tip"] for f in gj.data["features"]]
    assert any("&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in t for t in tips)
    assert not any("<script" in t or "<img" in t for t in tips)


def test_long_and_rtl_names_are_contained(hostile_atlas, hostile_html):
    assert LONG_NAME not in hostile_html
    assert "x" * 400 not in hostile_html
    popups = shipped_properties(make_map(hostile_atlas), "popup")
    assert any("<bdi>" + text(RTL) + "</bdi>" in p for p in popups)  # isolated RTL override
    assert len(hostile_html) < 200_000


@pytest.mark.parametrize(
    "value",
    [XSS_IMG, XSS_SCRIPT_END, XSS_ATTR, XSS_TEMPLATE, ENTITY, "a\\u0060b", "x\x00y"],
)
def test_text_leaves_no_markup_or_template_syntax(value):
    out = text(value)
    assert not set(out) & set("<>\"'`$\\")
    assert "\x00" not in out


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
        assert 'target="_blank"' in html


# --- the embedded sample ------------------------------------------------------------------


def test_sample_map_has_every_domain_and_stays_small(sample_atlas):
    html = make_map(sample_atlas).get_root().render()
    names = layer_control_names(html)
    present = set(sample_atlas.assets["domain"])
    for key, domain in sample_atlas.domains.items():
        assert (domain.label in names) == (key in present)
    assert SYNTHETIC_LABEL in panels(html)[0]
    assert len(html) < 2_500_000  # 49 units, ~340 assets: about 1.1 MB


def test_study_without_assets_gaps_or_overlaps_still_maps():
    import geopandas as gpd
    import pandas as pd

    atlas = tiny_atlas()
    atlas.assets = gpd.GeoDataFrame({"domain": []}, geometry=[])
    atlas.gaps = pd.DataFrame()
    atlas.overlaps = gpd.GeoDataFrame(geometry=[])
    atlas.anchor = None
    html = make_map(atlas).get_root().render()
    assert layer_control_names(html) == ["Need percentile"]
    legend = panels(html)[1]
    assert "Services" not in legend and "Gaps and overlaps" not in legend


def test_units_in_another_crs_are_drawn_in_wgs84(atlas):
    projected = tiny_atlas()
    projected.units = projected.units.to_crs("EPSG:32618")
    gj = geojson_of(groups(make_map(projected))["Need percentile"])
    x, y = gj.data["features"][0]["geometry"]["coordinates"][0][0]
    assert -74 < x < -73.8 and 40.8 < y < 40.9


def test_units_without_crs_are_refused(atlas):
    bare = tiny_atlas()
    bare.units = bare.units.set_crs(None, allow_override=True)
    with pytest.raises(ValueError, match="atlas.units has no CRS"):
        make_map(bare)


# --- offline copies of the map's JavaScript and CSS ----------------------------------------


def test_every_file_the_map_loads_has_an_offline_copy():
    html = make_map(tiny_atlas(crowd=60)).get_root().render()
    urls = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    urls = [u for u in urls if "example.org" not in u]
    assert any("leaflet.js" in u for u in urls) and any("markercluster" in u for u in urls)
    for url in urls:
        cdn = resolve_cdn_url(url)
        assert cdn is not None or stub_content_type(url) is not None, url
        if cdn is not None and (NODE_MODULES / "leaflet").is_dir():
            assert cdn.local_path(NODE_MODULES).is_file(), url
    tile = re.search(r'"(https://tile\.openstreetmap\.org/[^"]+)"', html).group(1)
    assert is_tile_url(tile.replace("{z}/{x}/{y}", "12/1206/1538"))
