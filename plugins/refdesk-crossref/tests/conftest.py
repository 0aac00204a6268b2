"""The Crossref REST API replayed from the real recorded responses in ../shared/fixtures/crossref/."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

HERE = Path(__file__).resolve().parent
#: ``make test`` names the shared folder (REFDESK_SHARED_DIR, see tests/shared.py); else it is beside the checkout.
RECORDED = Path(os.environ.get("REFDESK_SHARED_DIR") or HERE.parents[3] / "shared") / "fixtures" / "crossref"
DATA = HERE / "data"


@pytest.fixture
def crossref(httpserver: HTTPServer) -> HTTPServer:
    if not RECORDED.exists():
        pytest.fail(f"recorded Crossref responses not found at {RECORDED}: these tests replay them and must not pass without them")
    json_type = "application/json"
    # A real work from a recorded /journals/2167-8359/works list, served as /works/{doi} answers it.
    listed = json.loads((RECORDED / "journal-works-1.json").read_text(encoding="utf-8"))["message"]["items"]
    peerj = next(w for w in listed if w["DOI"] == "10.7717/peerj.14276")
    httpserver.expect_request("/works/10.7717/peerj.14276").respond_with_json(
        {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": peerj})
    httpserver.expect_request("/works/10.1371/journal.pone.0033693").respond_with_data(
        (RECORDED / "work.json").read_bytes(), content_type=json_type)
    httpserver.expect_request("/journals/1803-2427").respond_with_data((RECORDED / "journal.json").read_bytes(), content_type=json_type)
    httpserver.expect_request("/journals/2167-8359").respond_with_data(
        (DATA / "journal-2167-8359-subjects.json").read_bytes(), content_type=json_type)
    httpserver.expect_request("").respond_with_data("Resource not found.", status=404, content_type="text/plain")
    return httpserver
