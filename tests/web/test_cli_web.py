"""End to end through the CLI: `refdesk import URL --json` and `refdesk import DOI`, stored once, updated on re-import."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.web import Answer, Request, WebServer
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


def _counted_pages(site: WebServer, n: int) -> dict[str, int]:
    """``n`` article pages at /paper/<i> that answer slowly and count how many are being answered at once."""
    seen = {"active": 0, "peak": 0}
    lock = threading.Lock()

    def page(req: Request) -> Answer:
        with lock:
            seen["active"] += 1
            seen["peak"] = max(seen["peak"], seen["active"])
        time.sleep(0.1)
        with lock:
            seen["active"] -= 1
        i = req.path.rsplit("/", 1)[1]
        body = f'<html><head><meta name="citation_title" content="Paper {i}"><meta name="citation_journal_title" content="J">'
        return Answer(200, {"Content-Type": "text/html; charset=utf-8"}, body.encode())

    for i in range(n):
        site.add(f"/paper/{i}", handler=page)
    return seen


def test_several_urls_and_dois_are_fetched_at_once_and_stored_in_argument_order(
    site: WebServer, cli: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFDESK_PER_HOST_LIMIT", "2")
    seen = _counted_pages(site, 6)
    ris = tmp_path / "one.ris"
    ris.write_text("TY  - JOUR\nTI  - From a file\nER  - \n", encoding="utf-8")
    missing = site.url("/paper/missing")
    inputs = [site.url("/paper/0"), site.url("/paper/1"), SCIENCE_DOI, str(ris), site.url("/paper/2"), missing,
              site.url("/paper/3"), site.url("/paper/4"), site.url("/paper/5")]

    result = cli("import", *inputs, "--json")  # type: ignore[operator]

    assert result.code == 1  # one input failed
    titles = [r["title"] for r in result.json()]
    assert titles == ["Paper 0", "Paper 1", "The Structure of Ordinary Water", "From a file", "Paper 2", "Paper 3", "Paper 4",
                      "Paper 5"]
    failures = [line for line in result.err.splitlines() if line.startswith("refdesk: ")]
    assert len(failures) == 1 and missing in failures[0] and "404" in failures[0]
    assert seen["peak"] == 2  # at once, but never more than the per-host limit
    assert len(cli("list", "--json").json()) == 8  # type: ignore[operator]


def test_the_printed_lines_follow_the_arguments(site: WebServer, cli: object) -> None:
    _counted_pages(site, 4)
    inputs = [site.url(f"/paper/{i}") for i in (3, 1, 2, 0)]
    result = cli("import", *inputs)  # type: ignore[operator]
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert all(line.startswith("Added ") for line in lines)
    assert [line.split("Paper ", 1)[1][0] for line in lines] == ["3", "1", "2", "0"]


def test_a_name_that_is_nothing_is_reported_by_name_while_the_rest_import(site: WebServer, cli: object) -> None:
    _counted_pages(site, 2)
    result = cli("import", site.url("/paper/0"), "no-such-thing", site.url("/paper/1"))  # type: ignore[operator]
    assert result.code != 0
    assert "no-such-thing" in result.err and result.out.count("Added") == 2
