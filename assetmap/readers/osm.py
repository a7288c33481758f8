"""Community assets from OpenStreetMap: an OSM XML file, or features already downloaded.

Which features count, and their domain, come from the ``osm_tags`` of each domain in
``layers/domains.yml``. Polygons (a clinic drawn as a building) become a point guaranteed
to lie inside them; each asset keeps its OSM element (``source_id`` such as ``node/123``)
and every tag (``osm_tags``, a JSON object) so a person can check it on openstreetmap.org.
OpenStreetMap data are © OpenStreetMap contributors and available under the Open Database
Licence (ODbL 1.0): the attribution line travels with the assets into the provenance.

:func:`community_spaces_from_osm` reads community spaces the same way (places of worship,
community and social centres, libraries, schools): places that could host a service, for
:func:`assetmap.analysis.partners.partners`.

The download itself (Overpass via osmnx) is :func:`assetmap.online.osm.osm_assets`;
osmnx is imported inside the functions, so ``import assetmap`` stays light.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.domains import Domain, load_domains
from assetmap.errors import InputError
from assetmap.readers._archive import Limits, copy_decompressed, is_compressed
from assetmap.readers._checks import Rejects, apply_region
from assetmap.schema import ASSET_COLUMNS, empty_assets

__all__ = [
    "COMMUNITY_AMENITIES",
    "OSM_ATTRIBUTION",
    "community_spaces_from_osm",
    "features_to_assets",
    "osm_domain",
    "osm_service_type",
    "osm_tags",
    "read_osm_xml",
]

log = logging.getLogger(__name__)

#: The attribution the ODbL asks for, carried into every output's provenance.
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"
OSM_COPYRIGHT_URL = "https://www.openstreetmap.org/copyright"

TagSpec = bool | str | list[str]

#: ``operator:type`` values and the sector they mean.
OPERATOR_SECTORS = {
    "public": "government",
    "government": "government",
    "religious": "faith",
    "community": "cbo",
    "ngo": "cbo",
    "charitable": "cbo",
    "nonprofit": "cbo",
    "private": "business",
    "cooperative": "business",
}


def osm_tags(domains: dict[str, Domain] | None = None) -> dict[str, TagSpec]:
    """Return the union of the domains' OSM tags, in the ``tags`` format of osmnx.

    Parameters
    ----------
    domains : dict of str to Domain, optional
        Domain definitions (default: ``layers/domains.yml``).

    Returns
    -------
    dict
        Tag key to ``True`` (any value) or a sorted list of values.

    Examples
    --------
    >>> osm_tags()["office"]
    ['employment_agency', 'energy_supplier', 'lawyer']
    """
    values: dict[str, set[str]] = {}
    anything: set[str] = set()
    for d in (domains or load_domains()).values():
        for key, spec in d.osm_tags.items():
            if spec is True:
                anything.add(key)
            values.setdefault(key, set()).update(_values(spec))
    out: dict[str, TagSpec] = {k: sorted(v) for k, v in values.items() if v}
    out.update(dict.fromkeys(anything, True))
    return out


def _values(spec: object) -> list[str]:
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, (list, tuple, set)):
        return [str(v) for v in spec]
    return []


def osm_domain(tags: Mapping[str, object], domains: dict[str, Domain] | None = None) -> str | None:
    """Return the domain whose ``osm_tags`` an OSM feature's tags fit best.

    Each tag of a domain that the feature carries scores 1, or 0.5 when its value only
    names a family of more specific tags (``amenity=social_facility`` says "see
    ``social_facility=*``"); a domain matched by family tags alone is no match (a
    nursing home is ``amenity=social_facility`` too). The highest score wins, ties going
    to the domain listed first.
    Values with ``;`` (``psychiatry;psychology``) match on any part.

    Parameters
    ----------
    tags : mapping
        The feature's tags (missing values may be None or NaN).
    domains : dict of str to Domain, optional
        Domain definitions (default: ``layers/domains.yml``).

    Returns
    -------
    str or None
        A domain key, or None when no domain's tags match.

    Examples
    --------
    >>> osm_domain({"amenity": "social_facility", "social_facility": "food_bank"})
    'food'
    >>> osm_domain({"social_facility": "shelter", "social_facility:for": "abused"})
    'safety'
    >>> osm_domain({"amenity": "bench"}) is None
    True
    >>> osm_domain({"amenity": "social_facility", "social_facility": "nursing_home"}) is None
    True
    """
    doms = domains or load_domains()
    keys = {k for d in doms.values() for k in d.osm_tags}
    best, best_score = None, 0.0
    for key, d in doms.items():
        score, specific = 0.0, False
        for tag, spec in d.osm_tags.items():
            parts = _tag_parts(tags.get(tag))
            if not parts:
                continue
            hit = parts if spec is True else [p for p in parts if p in _values(spec)]
            if hit:
                family = all(h in keys for h in hit)
                score += 0.5 if family else 1.0
                specific = specific or not family
        # a family tag alone (amenity=social_facility with social_facility=nursing_home)
        # says nothing about the domain: it only breaks ties between specific matches
        if specific and score > best_score:
            best, best_score = key, score
    return best


def osm_service_type(
    tags: Mapping[str, object], domain: str, domains: dict[str, Domain] | None = None
) -> str:
    """Return the kind of service an OSM feature is: the value of its most specific tag.

    The first tag of the domain's ``osm_tags`` that the feature carries with a value that
    is not only a family (``amenity=social_facility``); its value, so ``amenity=food_bank``
    and ``social_facility=food_bank`` are one type. Overlaps compare services of one type.

    Parameters
    ----------
    tags : mapping
        The feature's tags.
    domain : str
        The domain :func:`osm_domain` gave the feature.
    domains : dict of str to Domain, optional
        Domain definitions (default: ``layers/domains.yml``).

    Returns
    -------
    str
        The tag's value, or ``""`` when no tag of the domain matches.

    Examples
    --------
    >>> osm_service_type({"amenity": "social_facility", "social_facility": "soup_kitchen"},
    ...                  "food")
    'soup_kitchen'
    >>> osm_service_type({"amenity": "food_bank"}, "food")
    'food_bank'
    """
    doms = domains or load_domains()
    if domain not in doms:
        return ""
    keys = {k for d in doms.values() for k in d.osm_tags}
    for tag, spec in doms[domain].osm_tags.items():
        parts = _tag_parts(tags.get(tag))
        hit = parts if spec is True else [p for p in parts if p in _values(spec)]
        specific = [h for h in hit if h not in keys]
        if specific:
            return specific[0]
    return ""


def _tag_parts(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [p.strip() for p in str(value).split(";") if p.strip()]


def read_osm_xml(
    path: str | Path,
    *,
    region: gpd.GeoDataFrame | None = None,
    domains: dict[str, Domain] | None = None,
    buffer_m: float | None = None,
    strict: bool = False,
    source: str | None = None,
    encoding: str = "utf-8",
    limits: Limits | None = None,
) -> gpd.GeoDataFrame:
    """Read community assets from an OpenStreetMap XML file (``.osm``), offline.

    Parameters
    ----------
    path : str or Path
        An ``.osm`` (or ``.osm.bz2``, ``.osm.gz``) file, e.g. exported from openstreetmap.org or
        cut from a Geofabrik extract with osmium.
    region : geopandas.GeoDataFrame, optional
        Study units; features beyond ``buffer_m`` of them are set aside, those within it
        but outside the region are kept with ``outside_region=True``.
    domains : dict of str to Domain, optional
        Domain definitions (default: ``layers/domains.yml``); their ``osm_tags`` pick
        the features and give each its domain (see :func:`osm_domain`).
    buffer_m : float, optional
        Distance outside the region within which assets are kept (default 2,500 m).
    strict : bool
        Raise :class:`~assetmap.errors.InputError` on the first feature set aside.
    source : str, optional
        Name of the source for provenance (default ``osm``).
    encoding : str
        The file's character encoding.
    limits : Limits, optional
        Caps on what a ``.osm.bz2`` or ``.osm.gz`` file may expand to (see
        :mod:`assetmap.readers._archive`).

    Returns
    -------
    geopandas.GeoDataFrame
        Assets in EPSG:4326 with ``source_id`` (``node/123``, ``way/45``), ``service_type``
        (see :func:`osm_service_type`) and ``osm_tags`` (JSON). Features set aside are in
        ``attrs["rejected"]``: their ``row`` is their position among the matching features
        and ``value`` names the OSM element.
        ``attrs["source_info"]`` carries the ODbL attribution.

    Examples
    --------
    >>> from assetmap.readers.osm import read_osm_xml
    >>> assets = read_osm_xml("bronx.osm", region=units)  # doctest: +SKIP
    >>> assets[["name", "domain", "source_id"]].head(2)  # doctest: +SKIP
    """
    p = Path(path)
    doms = domains or load_domains()
    features = _features_from_xml(p, osm_tags(doms), encoding=encoding, limits=limits)
    modified = datetime.fromtimestamp(p.stat().st_mtime, tz=UTC).date().isoformat()
    return features_to_assets(
        features,
        file=str(p),
        source=source or "osm",
        region=region,
        domains=doms,
        buffer_m=buffer_m,
        strict=strict,
        vintage=f"file {p.name}, modified {modified}",
    )


def _features_from_xml(
    p: Path, tags: dict[str, TagSpec], *, encoding: str, limits: Limits | None
) -> gpd.GeoDataFrame:
    """Read the features with ``tags`` of an OSM XML file (compressed or not) with osmnx."""
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    if not p.exists():
        msg = "file not found"
        raise InputError(msg, file=str(p))
    with tempfile.TemporaryDirectory(prefix="assetmap-osm-") as tmp:
        xml = p
        if is_compressed(p):  # decompressed here, under the caps, never by osmnx
            xml = Path(tmp) / "features.osm"
            copy_decompressed(p, xml, limits=limits or Limits())
        try:
            return ox.features_from_xml(xml, tags=tags, encoding=encoding)
        except InsufficientResponseError:
            return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs="EPSG:4326"))
        except Exception as exc:  # expat, SAX and decoding errors all mean "not OSM XML"
            msg = (
                f"cannot read as OpenStreetMap XML ({exc}); export it again from openstreetmap.org"
            )
            raise InputError(msg, file=str(p)) from exc


#: OpenStreetMap ``amenity`` values of community spaces that could host a service.
COMMUNITY_AMENITIES = (
    "community_centre",
    "library",
    "place_of_worship",
    "school",
    "social_centre",
)


def community_spaces_from_osm(
    source: str | Path | gpd.GeoDataFrame,
    *,
    amenities: tuple[str, ...] = COMMUNITY_AMENITIES,
    encoding: str = "utf-8",
    limits: Limits | None = None,
) -> gpd.GeoDataFrame:
    """Read community spaces (places of worship, community centres, libraries…) from OSM.

    Parameters
    ----------
    source : str, Path or geopandas.GeoDataFrame
        An ``.osm`` file (or ``.osm.bz2``, ``.osm.gz``), read offline as
        :func:`read_osm_xml` reads one; or features already downloaded with
        ``osmnx.features_from_*`` (indexed by element type and id, one column per tag).
    amenities : tuple of str
        The ``amenity`` values kept (default :data:`COMMUNITY_AMENITIES`).
    encoding : str
        The file's character encoding.
    limits : Limits, optional
        Caps on what a compressed file may expand to.

    Returns
    -------
    geopandas.GeoDataFrame
        Points in EPSG:4326 (a polygon's inside point) with ``space_id`` (``osm:node/1``),
        ``name`` (``"Unnamed library"`` when OSM has none), ``space_type`` (the
        ``amenity`` value) and ``operator`` (the organisation, '' when not tagged); in
        file order. ``attrs["source_info"]`` carries the ODbL attribution. Pass it to
        :func:`assetmap.analysis.partners.partners` as ``spaces=``.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import Point
    >>> features = gpd.GeoDataFrame(
    ...     {"amenity": ["library", "cafe"], "name": ["Mott Haven Library", "Cafe"]},
    ...     geometry=[Point(-73.92, 40.81), Point(-73.91, 40.81)],
    ...     index=pd.MultiIndex.from_tuples([("node", 1), ("node", 2)]),
    ...     crs="EPSG:4326",
    ... )
    >>> community_spaces_from_osm(features)[["space_id", "name", "space_type"]]
         space_id                name space_type
    0  osm:node/1  Mott Haven Library    library
    """
    if isinstance(source, gpd.GeoDataFrame):
        features = source
    else:
        tags: dict[str, TagSpec] = {"amenity": list(amenities)}
        features = _features_from_xml(Path(source), tags, encoding=encoding, limits=limits)
    f = features.to_crs("EPSG:4326") if len(features) else features
    kind = pd.Series([next(iter(_tag_parts(v)), "") for v in f.get("amenity", [])], dtype=object)
    kind.index = f.index
    keep = (kind.isin(list(amenities)) & ~(f.geometry.isna() | f.geometry.is_empty)).to_numpy()
    f, kind = f[keep], kind[keep]
    two = isinstance(f.index, pd.MultiIndex) and f.index.nlevels == 2
    ids = [f"osm:{el}/{oid}" for el, oid in f.index] if two else [f"osm:{i}" for i in f.index]
    text = {k: _text(f, k) for k in ("name", "official_name", "operator")}
    name = text["name"].where(text["name"] != "", text["official_name"])
    name = name.where(name != "", "Unnamed " + kind.str.replace("_", " ", regex=False))
    g = f.geometry.where(f.geometry.geom_type == "Point", f.geometry.representative_point())
    out = gpd.GeoDataFrame(
        {"space_id": ids, "name": name.to_numpy(), "space_type": kind.to_numpy()},
        geometry=gpd.GeoSeries(g.to_numpy(), crs="EPSG:4326"),
    )
    out.insert(3, "operator", text["operator"].to_numpy())
    out.attrs = {"source_info": {"name": OSM_ATTRIBUTION, "licence": "ODbL 1.0"}}
    return out


def _text(f: pd.DataFrame, key: str) -> pd.Series:
    """Return a tag column as stripped text ('' where missing)."""
    if key not in f.columns:
        return pd.Series("", index=f.index, dtype=object)
    return f[key].where(f[key].notna(), "").astype(str).str.strip()


def features_to_assets(
    features: gpd.GeoDataFrame,
    *,
    file: str,
    source: str,
    region: gpd.GeoDataFrame | None = None,
    domains: dict[str, Domain] | None = None,
    buffer_m: float | None = None,
    strict: bool = False,
    vintage: str = "",
) -> gpd.GeoDataFrame:
    """Turn osmnx features (indexed by element type and id) into the Assets contract.

    Parameters
    ----------
    features : geopandas.GeoDataFrame
        As returned by ``osmnx.features_from_*``: a MultiIndex ``(element, id)``, one
        column per tag key and a geometry.
    file : str
        Where the features came from, for messages.
    source : str
        Name of the source for provenance.
    region, domains, buffer_m, strict
        As in :func:`read_osm_xml`.
    vintage : str
        When the data were taken, for the provenance.

    Returns
    -------
    geopandas.GeoDataFrame
        Assets (see :func:`read_osm_xml`).
    """
    doms = domains or load_domains()
    info = {
        "name": "© OpenStreetMap contributors",
        "vintage": vintage,
        "licence": "ODbL 1.0",
        "note": f"asset source {source!r}; {OSM_COPYRIGHT_URL}",
        "attribution": OSM_ATTRIBUTION,
    }
    if len(features) == 0:
        out = empty_assets()
        out["service_type"] = pd.Series(dtype=object)
        out["osm_tags"] = pd.Series(dtype=object)
        out.attrs = {"rejected": [], "source_info": info}
        return out
    feats = features.to_crs("EPSG:4326")
    tag_cols = [c for c in feats.columns if c != feats.geometry.name]
    records = [
        {k: v for k, v in zip(tag_cols, vals, strict=True) if _tag_parts(v)}
        for vals in feats[tag_cols].itertuples(index=False, name=None)
    ]
    ids = [f"{el}/{oid}" for el, oid in feats.index]
    rejects = _OsmRejects(source, file, strict, ids)
    rows = pd.RangeIndex(1, len(feats) + 1)
    geom = feats.geometry.set_axis(rows)
    ok = pd.Series(True, index=rows)
    out = _fields(records, ids, doms, rows)
    for row in rows[out["domain"] == ""]:
        problem = "its tags match no domain's osm_tags in layers/domains.yml"
        rejects.add(int(row), "tags", _tag_text(records[row - 1]), problem)
        ok[row] = False
    for row in rows[(out["domain"] == "legal_aid").to_numpy() & ok.to_numpy()]:
        if _private_law_office(records[row - 1]):
            problem = (
                "office=lawyer without lawyer=legal_aid or a free-legal-help name: a private "
                "law office, not legal aid"
            )
            rejects.add(int(row), "tags", _tag_text(records[row - 1]), problem)
            ok[row] = False
    bad = geom.isna() | geom.is_empty
    for row in rows[bad.to_numpy() & ok.to_numpy()]:
        rejects.add(int(row), "geometry", "", "geometry is empty")
        ok[row] = False
    pts = geom.copy()
    poly = ok & ~bad & (geom.geom_type != "Point")
    if poly.any():
        pts[poly] = geom[poly].representative_point()
    gdf = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(pts, crs="EPSG:4326"), crs="EPSG:4326")
    gdf["outside_region"] = apply_region(gdf, ok, region, buffer_m, rejects, "geometry")
    gdf["source"] = source
    gdf["asset_id"] = source + ":" + gdf["source_id"]
    cols = [*ASSET_COLUMNS, "service_type", "osm_tags", "geometry"]
    kept = gdf[ok.to_numpy()][cols].reset_index(drop=True)
    rejected = rejects.frame()
    if len(rejected):
        log.warning("%s: %d of %d features set aside", file, len(rejected), len(feats))
    kept.attrs = {"rejected": rejected.to_dict("records"), "source_info": info}
    return kept


class _OsmRejects(Rejects):
    """Features set aside; each problem starts with the OSM element (``node/123: …``)."""

    def __init__(self, source: str, file: str, strict: bool, ids: list[str]) -> None:
        super().__init__(source, file, strict)
        self.ids = ids

    def add(self, row: int, column: str | None, value: object, problem: str) -> None:
        """Set feature number ``row`` (1 = first) aside."""
        super().add(row, column, value, f"{self.ids[row - 1]}: {problem}")


def _fields(
    records: list[dict[str, Any]], ids: list[str], doms: dict[str, Domain], rows: pd.Index
) -> pd.DataFrame:
    """Contract fields from each feature's tags."""

    def get(tags: dict[str, Any], *keys: str) -> str:
        return next((str(tags[k]).strip() for k in keys if k in tags), "")

    out = []
    for tags, oid in zip(records, ids, strict=True):
        domain = osm_domain(tags, doms) or ""
        street = " ".join(x for x in (get(tags, "addr:housenumber"), get(tags, "addr:street")) if x)
        place = " ".join(x for x in (get(tags, "addr:state"), get(tags, "addr:postcode")) if x)
        address = get(tags, "addr:full") or ", ".join(
            x for x in (street, get(tags, "addr:city"), place) if x
        )
        capacity = pd.to_numeric(get(tags, "capacity") or np.nan, errors="coerce")
        out.append(
            {
                "name": get(tags, "name", "official_name", "brand") or _unnamed(tags, domain),
                "domain": domain,
                "sector": OPERATOR_SECTORS.get(get(tags, "operator:type").lower(), "other"),
                "org": get(tags, "operator", "brand"),
                "address": address,
                "phone": get(tags, "phone", "contact:phone"),
                "website": get(tags, "website", "contact:website", "url"),
                "hours": get(tags, "opening_hours"),
                "capacity": float(capacity) if capacity == capacity else np.nan,
                "source_id": oid,
                "last_verified": get(tags, "check_date", "survey:date"),
                "service_type": osm_service_type(tags, domain, doms) if domain else "",
                "osm_tags": json.dumps(
                    {k: str(v) for k, v in sorted(tags.items())}, ensure_ascii=False
                ),
            }
        )
    return pd.DataFrame(out, index=rows)


#: Words in the name of a law office that offers free help (legal aid societies, law
#: projects, public defenders, law school clinics, tenant and immigrant legal services).
_LEGAL_AID_WORDS = re.compile(
    r"legal\s+(aid|services?|assistance|help|clinic|rights|defen[cs]e)|law\s+(project|center|"
    r"centre|clinic)|defenders?\b|pro\s+bono|advocates?\b|tenant|immigra|justice",
    re.IGNORECASE,
)


def _private_law_office(tags: dict[str, Any]) -> bool:
    """Whether an ``office=lawyer`` feature is a private firm rather than legal aid.

    OpenStreetMap tags every law office ``office=lawyer``; legal aid is the free kind.
    A feature counts as legal aid when it says so (``lawyer=legal_aid``,
    ``social_facility=legal_aid``, ``fee=no``) or its name does (``Legal Aid Society``,
    ``Tenant Law Project``); other law offices are set aside, with the reason.

    Examples
    --------
    >>> _private_law_office({"office": "lawyer", "name": "Smith & Jones LLP"})
    True
    >>> _private_law_office({"office": "lawyer", "name": "Bronx Legal Services"})
    False
    """
    if "lawyer" not in _tag_parts(tags.get("office")):
        return False
    if "legal_aid" in _tag_parts(tags.get("lawyer")) + _tag_parts(tags.get("social_facility")):
        return False
    if "no" in _tag_parts(tags.get("fee")):
        return False
    name = " ".join(str(tags.get(k, "")) for k in ("name", "official_name", "operator"))
    return _LEGAL_AID_WORDS.search(name) is None


def _unnamed(tags: dict[str, Any], domain: str) -> str:
    """``Unnamed clinic``: what a feature is, for one OSM leaves unnamed."""
    for key in ("social_facility", "healthcare", "amenity", "office"):
        if key in tags:
            return "Unnamed " + str(tags[key]).split(";")[0].replace("_", " ")
    return f"Unnamed {domain.replace('_', ' ')} place"


def _tag_text(tags: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(tags.items()) if not k.startswith("addr:"))
