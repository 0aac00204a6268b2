"""The OAI-PMH endpoint of a journal, replayed from files by a local server (pytest-httpserver)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def ojs(httpserver: HTTPServer) -> HTTPServer:
    """An OJS journal at /jour whose OAI endpoint knows article 147 (and 148, deleted)."""
    xml = "text/xml; charset=utf-8"
    httpserver.expect_request("/jour/oai", query_string={"verb": "Identify"}).respond_with_data(
        (DATA / "identify.xml").read_bytes(), content_type=xml)
    for article, name in (("147", "getrecord-147.xml"), ("148", "getrecord-deleted.xml")):
        httpserver.expect_request(
            "/jour/oai",
            query_string={"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": f"oai:fmp.elpub.ru:article/{article}"},
        ).respond_with_data((DATA / name).read_bytes(), content_type=xml)
    httpserver.expect_request("/jour/oai").respond_with_data(
        (DATA / "error-iddoesnotexist.xml").read_bytes(), content_type=xml)
    return httpserver
