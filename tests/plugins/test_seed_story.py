"""The seed story: the first case's record gets its full abstract and subjects from the add-ons.

The four real add-ons (installed in this environment) read local servers that answer
as OJS's OAI-PMH endpoint, DOAJ and OpenAlex do; Crossref has nothing to say (no DOI).
"""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer
from refdesk.library import Library
from refdesk.plugins import manager

from .conftest import DATA, SEED_CUT_ABSTRACT, SEED_TITLE, seed_record

SEED = DATA / "seed"


@pytest.fixture
def sources(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    xml, js = "text/xml; charset=utf-8", "application/json"
    oai = "/jour/oai"
    httpserver.expect_request(oai, query_string={"verb": "Identify"}).respond_with_data((SEED / "oai-identify.xml").read_bytes(), content_type=xml)
    httpserver.expect_request(oai, query_string={"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:fmp.elpub.ru:article/147"}
                              ).respond_with_data((SEED / "oai-getrecord-147.xml").read_bytes(), content_type=xml)
    httpserver.expect_request("/doaj/search/journals/issn:2076-7404").respond_with_data(
        (SEED / "doaj-journal-2076-7404.json").read_bytes(), content_type=js)
    httpserver.expect_request("/doaj/search/articles/bibjson.title:\"" + SEED_TITLE + "\"").respond_with_json(
        {"total": 0, "page": 1, "pageSize": 10, "results": []})
    httpserver.expect_request("/openalex/works", query_string={"filter": f"title.search:{SEED_TITLE},publication_year:2022", "per-page": "5"}
                              ).respond_with_data((SEED / "openalex-search.json").read_bytes(), content_type=js)
    monkeypatch.setenv("REFDESK_DOAJ_API_URL", httpserver.url_for("/doaj"))
    monkeypatch.setenv("REFDESK_OPENALEX_API_URL", httpserver.url_for("/openalex"))
    monkeypatch.setenv("REFDESK_CROSSREF_API_URL", httpserver.url_for("/crossref"))
    return httpserver


def _add(library_path: object, **kwargs: str) -> str:
    with Library.open(str(library_path)) as lib:
        rec = seed_record(**kwargs)
        lib.add(rec, "web:highwire")
        return rec.key


def test_seed_record_is_enriched_by_the_add_ons(sources: HTTPServer, library_path: object, cli: object) -> None:
    key = _add(library_path, url=sources.url_for("/jour/article/view/147"))
    listed = cli("plugins", "list", "--json").json()  # type: ignore[operator]
    assert {"crossref", "doaj", "oai", "openalex"} <= {p["name"] for p in listed if p["enabled"] and p["compatible"]}

    result = cli("enrich", key, "--apply", "--json")  # type: ignore[operator]
    assert result.code == 0, result.err
    report = result.json()
    assert report["problems"] == []
    assert set(report["changed"][key]) == {"abstractNote", "tags"}

    shown = cli("show", key, "--json").json()  # type: ignore[operator]
    abstract = shown["abstractNote"]
    assert abstract.startswith(SEED_CUT_ABSTRACT.removesuffix("In the…"))
    assert abstract.endswith("shaped the practice of Soviet multilateral diplomacy for years to come.")
    assert "<" not in abstract and "…" not in abstract
    tags = {t["tag"]: t.get("type") for t in shown["tags"]}
    assert {"Soviet diplomacy", "British diplomacy", "International relations", "Political science"} <= set(tags)
    assert set(tags.values()) == {1}  # every subject is an automatic tag
    assert "soviet diplomacy" not in {t.casefold() for t in tags if t != "Soviet diplomacy"}  # deduplicated across add-ons
    assert "History" not in tags and "Genoa" not in tags  # below OpenAlex's score threshold

    provenance = cli("suggestions", key, "--json").json()["tags"]  # type: ignore[operator]
    assert {t["tag"] for t in provenance} == set(tags)
    plugins_per_tag = {t["tag"]: {s["plugin"] for s in t["sources"]} for t in provenance}
    assert all(plugins_per_tag.values()), "each subject says where it came from"
    assert len(set().union(*plugins_per_tag.values())) >= 2  # subjects from at least two sources
    assert plugins_per_tag["Soviet diplomacy"] == {"oai", "openalex"}
    assert plugins_per_tag["Political science"] == {"doaj", "openalex"}
    text = cli("suggestions", key).out  # type: ignore[operator]
    assert "Subjects and where they came from:" in text and "OAI-PMH fmp.elpub.ru via oai" in text
    shown_text = cli("show", key).out  # type: ignore[operator]
    assert "Subjects from add-ons:" in shown_text
    assert "  Soviet diplomacy  — " in shown_text and "via oai" in shown_text and "via openalex" in shown_text

    with Library.open(str(library_path)) as lib:
        assert key in lib.dirty_keys()  # goes up with the next Zotero sync
        sources_journaled = {c.source for c in lib.changes() if c.item_key == key and c.op == "update"}
        assert {"plugin:oai", "plugin:doaj", "plugin:openalex"} <= sources_journaled
        assert lib.get(key).provenance["abstractNote"].source == "plugin:oai"


def test_without_apply_suggestions_wait_for_review(sources: HTTPServer, library_path: object, cli: object) -> None:
    key = _add(library_path, url=sources.url_for("/jour/article/view/147"))
    out = cli("enrich", key)  # type: ignore[operator]
    assert out.code == 0 and "to review" in out.out
    pending = cli("suggestions", key, "--json").json()["suggestions"]  # type: ignore[operator]
    assert {s["plugin"] for s in pending} == {"oai", "doaj", "openalex"}
    assert cli("show", key, "--json").json()["abstractNote"] == SEED_CUT_ABSTRACT  # type: ignore[operator]
    abstract = next(s for s in pending if s["field"] == "abstractNote" and s["plugin"] == "oai")
    subject = next(s for s in pending if s["field"] == "subject" and s["plugin"] == "doaj")
    accepted = cli("suggestions", "accept", str(abstract["id"]), str(subject["id"]))  # type: ignore[operator]
    assert accepted.code == 0, accepted.err
    shown = cli("show", key, "--json").json()  # type: ignore[operator]
    assert shown["abstractNote"].endswith("for years to come.")
    assert subject["value"] in [t["tag"] for t in shown["tags"]]
    rejected = next(s for s in pending if s["field"] == "subject" and s["plugin"] == "openalex")
    assert cli("suggestions", "reject", str(rejected["id"])).code == 0  # type: ignore[operator]
    again = cli("suggestions", "reject", str(rejected["id"]))  # type: ignore[operator]
    assert again.code != 0 and "already rejected" in again.err


def test_user_typed_abstract_is_not_overwritten(sources: HTTPServer, library_path: object) -> None:
    key = _add(library_path, url=sources.url_for("/jour/article/view/147"), abstract_source="user")
    from refdesk.app import AppContext
    from refdesk.config import load_settings

    with AppContext(load_settings(), str(library_path)) as ctx:
        report = manager.enrich(ctx, [key], apply=True)
        assert "abstractNote" not in report.applied.changed[key]
        assert ctx.library.get(key).get("abstractNote") == SEED_CUT_ABSTRACT
        assert any(s.field == "abstractNote" for s in manager.suggestions(ctx, key))  # still there for review
        json.dumps(report.to_json())


def test_one_add_on_by_name(sources: HTTPServer, library_path: object, cli: object) -> None:
    key = _add(library_path, url=sources.url_for("/jour/article/view/147"))
    assert cli("plugins", "disable", "oai").code == 0  # type: ignore[operator]
    report = cli("enrich", "--all", "--plugin", "oai", "--json").json()  # type: ignore[operator]
    assert report["plugins"] == ["oai"] and report["records"] == 1
    assert {s["plugin"] for s in report["suggestions"]} == {"oai"}
    everything = cli("enrich", key, "--json").json()  # type: ignore[operator]
    assert "oai" not in everything["plugins"] and {"doaj", "openalex"} <= set(everything["plugins"])
