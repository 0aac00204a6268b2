"""OpenAlex /works replayed from files (written from the OpenAlex documentation) by a local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def openalex(httpserver: HTTPServer) -> HTTPServer:
    json_type = "application/json"
    httpserver.expect_request("/works/doi:10.7717/peerj.14276").respond_with_data(
        (DATA / "work-peerj.json").read_bytes(), content_type=json_type)
    httpserver.expect_request("/works", query_string={
        "filter": "title.search:Thermal tolerance of a South American lizard facing warming and fire,publication_year:2022",
        "per-page": "5", "mailto": "me@example.org",
    }).respond_with_data((DATA / "search-peerj.json").read_bytes(), content_type=json_type)
    httpserver.expect_request("/works").respond_with_json({"meta": {"count": 0, "page": 1, "per_page": 5}, "results": []})
    httpserver.expect_request("").respond_with_json({"error": "Not found"}, status=404)
    return httpserver
