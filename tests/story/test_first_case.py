"""The first case, end to end through the CLI: E. Yu. Sergeev's 2022 article in ISSN 2076-7404.

Each test is one chapter of the same story, told with ``refdesk`` commands against the local
world of ``conftest.py``: import the article page, connect to Zotero (the key only in the real
keyring) and sync; complete a catalogue record's cut-short abstract and empty subjects with the
four installed add-ons and sync that; edit on both sides and sync; find the article by the
journal's ISSN and import it there and again by its URL. Every chapter ends by checking that the
API key never appeared in any output, log line or file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pyzotero import zotero as pyzotero
from refdesk.library import Library

from .conftest import ISSN, JOURNAL, QUERY, TITLE, USER_ID, USERNAME, Story

AUTHOR = [{"creatorType": "author", "lastName": "Sergeev", "firstName": "E. Yu."}]
FULL_ABSTRACT_END = "shaped the practice of Soviet multilateral diplomacy for years to come."
CUT_ABSTRACT = (
    "The article examines how Soviet and British diplomats negotiated at the international conferences of 1922–1923 "
    "in Genoa, The Hague and Lausanne, on the eve of the formation of the USSR. Drawing on documents from Russian and "
    "British archives, the author compares the instructions, the negotiating tactics and the informal contacts of both "
    "delegations. In the…"
)
pytestmark = pytest.mark.keyring  # the API key lives in the real Secret Service (tools/with-keyring.sh)

# Item properties that are the server's or the local store's business, not the record's content.
_BOOKKEEPING = {"key", "version", "dateAdded", "dateModified"}


def _content(data: dict[str, Any]) -> dict[str, Any]:
    """An item's data as both sides must agree on it: no bookkeeping, no empty fields, tags as a set."""
    out = {k: v for k, v in data.items() if k not in _BOOKKEEPING and v not in ("", [], {}, None)}
    if "tags" in out:
        out["tags"] = sorted((t["tag"], t.get("type", 0)) for t in out["tags"])
    return out


def _local(story: Story, key: str) -> dict[str, Any]:
    shown: dict[str, Any] = story.run("show", key, "--json").json()
    return shown


def _local_version_and_dirty(story: Story, key: str) -> tuple[int, bool]:
    with Library.open(story.library_file()) as lib:
        return lib.get(key).version, key in lib.dirty_keys()


def _sync(story: Story) -> dict[str, Any]:
    report: dict[str, Any] = story.run("sync", "--json").json()
    assert report["ok"] is True, report
    assert report["conflicts"] == [], report
    return report


def _import_page(story: Story) -> dict[str, Any]:
    (rec,) = story.run("import", story.article_url, "--json").json()
    return dict(rec)


def test_a_b_article_page_imported_then_uploaded_to_zotero(story: Story) -> None:
    # (a) the landing page -> the record, in the article's language, the Russian journal title kept as stated
    rec = _import_page(story)
    assert rec["itemType"] == "journalArticle"
    assert rec["title"] == TITLE
    assert rec["creators"] == AUTHOR
    assert rec["date"] == "2022-11-01"
    assert rec["publicationTitle"] == JOURNAL
    assert rec["ISSN"] == ISSN
    assert rec["url"] == story.article_url
    assert rec["language"] == "en"
    key = rec["key"]
    assert [r["key"] for r in story.run("list", "--json").json()] == [key]

    # (b) login: the key goes to the keyring only (checked in Story.login), the Cyrillic user name is printed
    login = story.login()
    assert f"Logged in to Zotero as {USERNAME} (user {USER_ID})" in login.out
    report = _sync(story)
    (library,) = report["libraries"]
    assert library["uploaded"] == 1 and library["failed"] == []

    remote = story.remote_items()
    assert list(remote) == [key]  # exactly one item, under the key made locally
    item = remote[key]
    for name in ("itemType", "title", "creators", "date", "publicationTitle", "ISSN", "url", "language"):
        assert item[name] == rec[name], name
    assert item["publicationTitle"] == "Вестник Московского Университета. Серия XXV: Международные отношения и мировая политика"
    assert "original-title: Советская и британская дипломатия на международных конференциях накануне образования СССР" in item["extra"]
    assert _content(item) == _content(_local(story, key))

    version = story.remote.items[key].version
    assert version == story.remote.version > 0
    assert _local_version_and_dirty(story, key) == (version, False)
    status = story.run("zotero", "status", "--json").json()
    (mine,) = status["libraries"]
    assert (mine["version"], mine["pendingChanges"], mine["conflicts"]) == (version, 0, 0)
    assert status["keyStored"] is True and status["username"] == USERNAME

    # the same page again: nothing new, so nothing to send
    writes_before = len(story.writes())
    assert "Already in the library (same URL)" in story.run("import", story.article_url).out
    idle = _sync(story)
    assert idle["libraries"][0]["uploaded"] == 0
    assert story.writes()[writes_before:] == []
    assert story.remote.items[key].version == version
    story.assert_key_never_leaked()


def _catalogue_ris(story: Story, folder: Path) -> Path:
    """The library catalogue's RIS export of the article: the abstract cut at "In the…", no subjects."""
    lines = ["TY  - JOUR", f"TI  - {TITLE}", "AU  - Sergeev, E. Yu.", "PY  - 2022/11/01/", f"T2  - {JOURNAL}",
             f"SN  - {ISSN}", "LA  - en", f"UR  - {story.article_url}", f"AB  - {CUT_ABSTRACT}", "ER  - ", ""]
    path = folder / "catalogue.ris"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_c_catalogue_record_completed_by_the_add_ons_and_synced(story: Story, tmp_path: Path) -> None:
    (rec,) = story.run("import", str(_catalogue_ris(story, tmp_path)), "--json").json()
    key = rec["key"]
    assert rec["abstractNote"].endswith("In the…") and rec.get("tags", []) == []
    assert (rec["title"], rec["publicationTitle"], rec["ISSN"], rec["url"]) == (TITLE, JOURNAL, ISSN, story.article_url)
    story.login()
    _sync(story)
    first_version = story.remote.items[key].version
    assert story.remote_items()[key]["abstractNote"] == CUT_ABSTRACT

    plugins = story.run("plugins", "list", "--json").json()
    assert {"crossref", "openalex", "doaj", "oai"} <= {p["name"] for p in plugins if p["enabled"] and p["compatible"]}
    report = story.run("enrich", key, "--apply", "--json").json()
    assert report["problems"] == []
    assert set(report["changed"][key]) == {"abstractNote", "tags"}
    local = _local(story, key)
    abstract = local["abstractNote"]
    assert abstract.startswith(CUT_ABSTRACT.removesuffix("In the…")) and abstract.endswith(FULL_ABSTRACT_END)
    assert "…" not in abstract and "<" not in abstract
    tags = {t["tag"]: t.get("type", 0) for t in local["tags"]}
    assert {"Soviet diplomacy", "British diplomacy", "Genoa conference", "Lausanne conference", "G.V. Chicherin",
            "Political science", "International relations"} <= set(tags)
    assert set(tags.values()) == {1}  # subjects from add-ons are automatic tags
    assert not any(re.search(r"[а-яё]", t, re.IGNORECASE) for t in tags)  # the English article's keywords only
    assert _local_version_and_dirty(story, key) == (first_version, True)

    writes_before = len(story.writes())
    report = _sync(story)
    assert report["libraries"][0]["uploaded"] == 1
    new_writes = story.writes()[writes_before:]
    assert new_writes == [("POST", f"/users/{USER_ID}/items", 200)]  # one batch, accepted
    item = story.remote_items()[key]
    assert item["abstractNote"] == abstract
    assert sorted((t["tag"], t.get("type", 0)) for t in item["tags"]) == sorted(tags.items())
    new_version = story.remote.items[key].version
    assert new_version > first_version
    assert _local_version_and_dirty(story, key) == (new_version, False)
    assert _content(item) == _content(_local(story, key))

    # nothing changed since: the next sync writes nothing
    writes_before = len(story.writes())
    idle = _sync(story)
    assert idle["libraries"][0]["uploaded"] == 0 and idle["libraries"][0]["downloaded"] == 0
    assert story.writes()[writes_before:] == []
    assert story.remote.items[key].version == new_version
    story.assert_key_never_leaked()


def test_d_edits_on_both_sides_meet(story: Story) -> None:
    key = _import_page(story)["key"]
    story.login()
    _sync(story)

    # another Zotero client (pyzotero, as a script of the user's would) tags the item and sets its call number
    other = pyzotero.Zotero(str(USER_ID), "user", story.api_key)
    other.endpoint = story.zotero.url
    item = other.item(key)
    item["data"]["tags"].append({"tag": "to read"})
    item["data"]["callNumber"] = "DK266.45 .S47 2022"
    assert other.update_item(item["data"]) is True
    remote_version = story.remote.version

    # meanwhile, here: a short title
    story.run("edit", key, "--set", "shortTitle=Soviet and British diplomacy")
    report = _sync(story)
    (library,) = report["libraries"]
    assert (library["merged"], library["uploaded"]) == (1, 1)  # Zotero's change merged in, ours sent

    local = _local(story, key)
    remote = story.remote_items()[key]
    assert local["callNumber"] == remote["callNumber"] == "DK266.45 .S47 2022"
    assert ("to read", 0) in _content(local)["tags"] and ("to read", 0) in _content(remote)["tags"]
    assert local["shortTitle"] == remote["shortTitle"] == "Soviet and British diplomacy"
    assert _content(local) == _content(remote)
    version = story.remote.items[key].version
    assert version > remote_version
    assert _local_version_and_dirty(story, key) == (version, False)

    writes_before = len(story.writes())
    _sync(story)
    assert story.writes()[writes_before:] == []
    story.assert_key_never_leaked()


def test_e_issn_path_finds_imports_and_merges_with_the_page(story: Story) -> None:
    found = story.run("journal", ISSN, "--query", QUERY, "--json").json()
    assert found["failures"] == [] and found["journal"]["sources"] == ["Crossref", "OpenAlex", "DOAJ"]
    top = found["articles"][0]
    assert top["title"] == TITLE and top["creators"] == AUTHOR and top["url"] == story.article_url

    imported = story.run("import", ISSN, "--query", QUERY, "--json").json()
    ours = [r for r in imported if r["title"] == TITLE]
    assert len(ours) == 1
    key = ours[0]["key"]
    assert (ours[0]["creators"], ours[0]["ISSN"], ours[0]["url"]) == (AUTHOR, ISSN, story.article_url)
    assert ours[0]["DOI"] == top["doi"]
    listed = story.run("list", "--json").json()
    assert len(listed) == len(imported)
    story.login()
    _sync(story)
    assert len(story.remote_items()) == len(imported)

    # the article page, imported by its URL: the same work, so the record is updated in place
    again = story.run("import", story.article_url, "--json")
    (merged,) = again.json()
    assert merged["key"] == key and "Updated (same URL)" in again.err
    assert merged["DOI"] == top["doi"]  # what the journal sources knew stays
    assert "original-title: Советская и британская дипломатия" in merged["extra"]  # and what only the page says
    listed = story.run("list", "--json").json()
    assert len(listed) == len(imported)  # merged, not duplicated
    assert [r["key"] for r in listed if r["title"] == TITLE] == [key]

    writes_before = len(story.writes())
    report = _sync(story)
    assert report["libraries"][0]["uploaded"] == 1
    assert story.writes()[writes_before:] == [("POST", f"/users/{USER_ID}/items", 200)]
    remote = story.remote_items()
    assert len(remote) == len(imported) and [k for k, v in remote.items() if v["title"] == TITLE] == [key]
    assert _content(remote[key]) == _content(_local(story, key))
    story.assert_key_never_leaked()
