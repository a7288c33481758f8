"""Whole HSDS feeds from the network: zip packages, JSON files and paged HSDS 3 APIs."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import responses

from assetmap.errors import FetchError
from assetmap.online import _http
from assetmap.online.hsds_feed import download_hsds
from assetmap.readers.hsds import read_hsds

API = "https://hsds.example.org/api"


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_http, "_sleep", lambda s: None)


def _service(i: int, *, nested: bool = True) -> dict:
    s = {"id": f"s{i}", "name": f"Pantry {i}", "status": "active"}
    if nested:
        s["attributes"] = [{"taxonomy_term": {"id": "t1", "name": "Food Pantries"}}]
        s["service_at_locations"] = [
            {
                "id": f"sl{i}",
                "location": {
                    "id": f"l{i}",
                    "name": f"Site {i}",
                    "latitude": 40.82 + i / 1000,
                    "longitude": -73.91,
                },
            }
        ]
    return s


def _page(n: int, total: int, items: list[dict]) -> dict:
    return {
        "total_items": 5,
        "total_pages": total,
        "page_number": n,
        "size": len(items),
        "first_page": n == 1,
        "last_page": n == total,
        "empty": not items,
        "contents": items,
    }


@responses.activate
def test_paged_api_followed_to_the_last_page_and_read(tmp_path: Path) -> None:
    pages = {1: [_service(1), _service(2)], 2: [_service(3), _service(4)], 3: [_service(5)]}
    responses.get(API + "/", json={"version": "3.0", "openapi_url": API + "/openapi.json"})
    for n, items in pages.items():
        match = [responses.matchers.query_param_matcher({"full": "true", "page": str(n)})]
        if n == 1:
            match = [responses.matchers.query_param_matcher({"full": "true"})]
        responses.get(API + "/services", json=_page(n, 3, items), match=match)
    got = download_hsds(API + "/")
    assert (got.pages, got.services, got.content_type) == (3, 5, "application/json")
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "services.json").write_bytes(got.content)
    assets = read_hsds(folder)
    assert sorted(assets["name"]) == [f"Pantry {i}" for i in range(1, 6)]
    assert set(assets["domain"]) == {"food"}


@responses.activate
def test_list_without_locations_is_completed_service_by_service() -> None:
    bare = [_service(1, nested=False), _service(2, nested=False)]
    responses.get(API + "/services", json=_page(1, 1, bare))
    # the server ignores full=true, as some do
    for i in (1, 2):
        responses.get(f"{API}/services/s{i}", json=_service(i))
    got = download_hsds(API + "/services")
    services = json.loads(got.content)["contents"]
    assert [s["service_at_locations"][0]["id"] for s in services] == ["sl1", "sl2"]


@responses.activate
def test_last_page_flag_without_total_pages_and_query_kept() -> None:
    url = API + "/services?taxonomy_term_id=food&full=true"
    p1 = _page(1, 2, [_service(1)])
    p2 = _page(2, 2, [_service(2)])
    for p in (p1, p2):
        del p["total_pages"]
    responses.get(
        API + "/services",
        json=p1,
        match=[
            responses.matchers.query_param_matcher({"taxonomy_term_id": "food", "full": "true"})
        ],
    )
    responses.get(
        API + "/services",
        json=p2,
        match=[
            responses.matchers.query_param_matcher(
                {"taxonomy_term_id": "food", "full": "true", "page": "2"}
            )
        ],
    )
    got = download_hsds(url)
    assert (got.pages, got.services) == (2, 2)


@responses.activate
def test_truncated_page_is_asked_for_again() -> None:
    url = API + "/services?full=true"
    responses.get(url, json=_page(1, 2, [_service(1)]))
    page2 = API + "/services"
    match = [responses.matchers.query_param_matcher({"full": "true", "page": "2"})]
    responses.get(page2, body=b'{"contents": [{"id": "s2"', match=match)
    responses.get(page2, json=_page(2, 2, [_service(2)]), match=match)
    got = download_hsds(url)
    assert got.services == 2


@responses.activate
def test_zip_package_kept_as_it_is() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("services.csv", "id,name\ns1,Pantry\n")
    responses.get("https://example.org/feed.zip", body=buf.getvalue())
    got = download_hsds("https://example.org/feed.zip")
    assert got.content == buf.getvalue()
    assert got.content_type == "application/zip"


@responses.activate
def test_html_page_is_one_clear_sentence() -> None:
    responses.get("https://example.org/feed", body=b"<html><body>Sign in</body></html>")
    with pytest.raises(FetchError, match="neither a zip package nor JSON"):
        download_hsds("https://example.org/feed")
