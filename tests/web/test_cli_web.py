"""End to end through the CLI: `refdesk import URL --json` and `refdesk import DOI`, stored once, updated on re-import."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.web import WebServer
from tests.web.corpus import FIXTURES, load_cases, mount

ELPUB = next(c for c in load_cases() if c.name == "elpub-ojs-bilingual")
SCIENCE_DOI = "10.1126/science.169.3946.635"


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebServer]:
    with WebServer() as server:
        mount(server, ELPUB)
        server.add_file(f"/doi/{SCIENCE_DOI}", FIXTURES / "crossref" / "work-csl-json.json", "application/vnd.citationstyles.csl+json; charset=utf-8")
        monkeypatch.setenv("REFDESK_DOI_RESOLVER_URL", server.url("/doi"))
        monkeypatch.setenv("REFDESK_RETRY_BACKOFF", "0.01")
        yield server


def test_import_the_first_real_case_by_url(site: WebServer, cli: object) -> None:
    url = site.url("/jour/article/view/147")
    result = cli("import", url, "--json")  # type: ignore[operator]
    assert result.code == 0, result.err
    [rec] = result.json()
    assert rec["itemType"] == "journalArticle"
    assert rec["title"] == "Soviet and British diplomacy at international conferences on the eve of the formation of the USSR"
    assert rec["creators"] == [{"creatorType": "author", "lastName": "Sergeev", "firstName": "E. Yu."}]
    assert rec["date"] == "2022-11-01" and rec["language"] == "en" and rec["ISSN"] == "2076-7404" and rec["url"] == url
    assert rec["publicationTitle"] == "Вестник Московского Университета. Серия XXV: Международные отношения и мировая политика"
    assert rec["abstractNote"].endswith("shaped the practice of Soviet multilateral diplomacy for years to come.")
    assert {"Soviet diplomacy", "G.V. Chicherin"} <= {t["tag"] for t in rec["tags"]}

    again = cli("import", url, "--json")  # type: ignore[operator]
    assert again.code == 0 and again.json()[0]["key"] == rec["key"]
    assert "Already in the library" in again.err or "Updated" in again.err
    listed = cli("list", "--json").json()  # type: ignore[operator]
    assert len(listed) == 1
    assert site.hits["/jour/article/view/147"] == 1  # the second import was answered by the HTTP cache


def test_import_by_doi_uses_content_negotiation(site: WebServer, cli: object) -> None:
    result = cli("import", f"https://doi.org/{SCIENCE_DOI}", "--json")  # type: ignore[operator]
    assert result.code == 0, result.err
    [rec] = result.json()
    assert rec["title"] == "The Structure of Ordinary Water" and rec["DOI"] == SCIENCE_DOI
    assert rec["creators"][0] == {"creatorType": "author", "lastName": "Frank", "firstName": "Henry S."}
    assert rec["volume"] == "169" and rec["pages"] == "635-641" and rec["date"] == "1970-08-14"
    accept = [r.headers.get("accept") for r in site.requests if r.path.startswith("/doi/")]
    assert accept == ["application/vnd.citationstyles.csl+json"]


def test_an_unknown_doi_is_a_clear_error_and_stores_nothing(site: WebServer, cli: object) -> None:
    result = cli("import", "10.5555/does-not-exist")  # type: ignore[operator]
    assert result.code != 0
    assert "10.5555/does-not-exist" in result.err and "404" in result.err and "Traceback" not in result.err
    assert cli("list", "--json").json() == []  # type: ignore[operator]


def test_refresh_bypasses_the_http_cache(site: WebServer, cli: object) -> None:
    url = site.url("/jour/article/view/147")
    assert cli("import", url).code == 0  # type: ignore[operator]
    assert cli("import", url, "--refresh").code == 0  # type: ignore[operator]
    assert site.hits["/jour/article/view/147"] == 2
