"""refdesk collections, refdesk tags, edit --add-collection and list --children (issue 14)."""

from __future__ import annotations

from typing import Any

from refdesk.app import AppContext
from refdesk.model import Record


def _library(tmp_path: Any, monkeypatch: Any) -> AppContext:
    path = tmp_path / "lib.sqlite"
    monkeypatch.setenv("REFDESK_LIBRARY", str(path))
    return AppContext(library_path=path)


def test_collections_commands_and_edit_membership(cli: Any, tmp_path: Any, monkeypatch: Any) -> None:
    ctx = _library(tmp_path, monkeypatch)
    paper = ctx.library.add(Record.new("journalArticle", title="Soviet and British diplomacy"))
    ctx.close()
    made = cli("collections", "new", "Diplomacy", "--json")
    assert made.code == 0, made.err
    top = made.json()["key"]
    sub = cli("collections", "new", "Genoa", "--parent", top, "--json").json()["key"]
    assert cli("edit", paper.key, "--add-collection", sub).code == 0
    listing = cli("collections")
    assert listing.out.splitlines() == [f"{top}  Diplomacy (0)", f"{sub}      Genoa (1)"]
    assert cli("list", "--json").json()[0]["collections"] == [sub]

    missing = cli("edit", paper.key, "--add-collection", "NOPE2345", "--add-tag", "x")
    assert missing.code == 4 and "No collection with key NOPE2345" in missing.err
    assert cli("show", paper.key, "--json").json()["tags"] == []  # nothing changed
    wrong = cli("edit", paper.key, "--remove-collection", top)
    assert wrong.code != 0 and f"is not in the collection {top}" in wrong.err

    assert cli("collections", "rename", sub, "Genoa 1922").out.strip() == f"Renamed {sub} to Genoa 1922"
    assert cli("edit", paper.key, "--remove-collection", sub).code == 0
    assert cli("collections", "list", "--json").json()[1] == {
        "key": sub, "library": "user", "name": "Genoa 1922", "parentCollection": top, "items": 0}
    gone = cli("collections", "delete", top)
    assert gone.code == 0 and "and 1 subcollection: Genoa 1922" in gone.out
    assert cli("collections", "--json").json() == []
    empty_name = cli("collections", "new", "  ")
    assert empty_name.code == 2 and "needs a name" in empty_name.err


def test_tags_commands(cli: Any, tmp_path: Any, monkeypatch: Any) -> None:
    ctx = _library(tmp_path, monkeypatch)
    for n, tags in enumerate((["to read", "soil"], ["to read"], [])):
        rec = Record.new("journalArticle", title=f"Paper {n}")
        for tag in tags:
            rec.add_tag(tag)
        rec.add_tag("Ecology", automatic=True)
        ctx.library.add(rec)
    ctx.close()
    assert cli("tags").out.splitlines() == ["      3  Ecology  (auto)", "      1  soil", "      2  to read"]
    assert [t["tag"] for t in cli("tags", "list", "--no-automatic", "--json").json()] == ["soil", "to read"]
    assert cli("tags", "rename", "to read", "later").out.strip() == "Renamed 'to read' to 'later' on 2 items"
    assert cli("tags", "delete", "soil").out.strip() == "Deleted the tag 'soil' from 1 item"
    assert cli("tags", "list", "--search", "Paper 1", "--json").json() == [
        {"tag": "Ecology", "type": 1, "items": 1}, {"tag": "later", "type": 0, "items": 1}]
    missing = cli("tags", "delete", "soil")
    assert missing.code == 4 and "No item has the tag 'soil'" in missing.err


def test_list_shows_top_level_items_and_children_only_when_asked(cli: Any, tmp_path: Any, monkeypatch: Any) -> None:
    ctx = _library(tmp_path, monkeypatch)
    paper = ctx.library.add(Record.new("journalArticle", title="Permafrost carbon"))
    base = {"tags": [], "collections": [], "relations": {}, "parentItem": paper.key}
    pdf = ctx.library.add(Record(data={"itemType": "attachment", "title": "Full Text PDF", "linkMode": "imported_file",
                                       "contentType": "application/pdf", **base}, key="ATTACH01"))
    ctx.library.add(Record(data={"itemType": "note", "note": "<p>Read the methods</p>", **base}, key="NOTE0001"))
    ctx.library.add(Record(data={"itemType": "annotation", "annotationText": "thaw", "annotationType": "highlight",
                                 **{**base, "parentItem": pdf.key}}, key="ANNOT001"))
    ctx.close()
    assert [r["key"] for r in cli("list", "--json").json()] == [paper.key]
    out = cli("list", "--children").out.splitlines()
    assert out == [f"{paper.key}  Permafrost carbon.", "    ATTACH01  PDF: Full Text PDF", "    NOTE0001  Note: Read the methods"]
    assert [r["key"] for r in cli("list", "--children", "--json").json()] == [paper.key, "ATTACH01", "NOTE0001"]
