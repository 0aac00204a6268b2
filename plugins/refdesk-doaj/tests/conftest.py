"""DOAJ's search API replayed from files (written from DOAJ's API documentation) by a local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def doaj(httpserver: HTTPServer) -> HTTPServer:
    routes = {
        '/api/search/articles/doi:"10.7717/peerj.14276"': "article-by-doi.json",
        "/api/search/journals/issn:2167-8359": "journal-2167-8359.json",
        "/api/search/journals/issn:2076-7404": "journal-2076-7404.json",
    }
    for path, name in routes.items():
        httpserver.expect_request(path).respond_with_data((DATA / name).read_bytes(), content_type="application/json")
    httpserver.expect_request("/api/search/articles/bibjson.title:\"Thermal tolerance of a South American lizard facing warming and fire\"").respond_with_data(
        (DATA / "article-by-doi.json").read_bytes(), content_type="application/json")
    httpserver.expect_request("").respond_with_data((DATA / "empty.json").read_bytes(), content_type="application/json")
    return httpserver
