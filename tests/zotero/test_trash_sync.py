"""Zotero's Trash synced both ways against the emulator: trash, restore, empty, children with their parent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from refdesk.app import AppContext
from refdesk.model import Record
from refdesk.zotero.client import ZoteroClient
from refdesk.zotero.sync import sync

from tests.servers.zotero import ZoteroServer
from tests.zotero.conftest import USER_ID

Ctx = Callable[..., AppContext]
Client = Callable[..., ZoteroClient]


def article(title: str) -> Record:
    rec = Record.new("journalArticle", title=title)
    rec.creators.append({"creatorType": "author", "firstName": "Evgeny", "lastName": "Sergeev"})
    return rec


def note(parent: str, text: str) -> Record:
    return Record(data={"itemType": "note", "note": text, "parentItem": parent, "tags": [], "collections": [],
                        "relations": {}})


def remote(zserver: ZoteroServer) -> dict[str, dict[str, Any]]:
    return zserver.item_data(zserver.library("user", USER_ID))


def synced(ctx: AppContext, make_client: Client) -> None:
    report = sync(ctx, client=make_client())
    assert report.ok, report.to_json()


def test_trash_in_refdesk_reaches_zotero_and_restore_and_empty_follow(zserver: ZoteroServer, make_ctx: Ctx,
                                                                     make_client: Client) -> None:
    a = make_ctx("a")
    paper = a.library.add(article("Soviet and British diplomacy"))
    child = a.library.add(note(paper.key, "<p>Read the Genoa chapter</p>"))
    synced(a, make_client)
    a.library.trash([paper.key])
    synced(a, make_client)
    server = remote(zserver)
    assert server[paper.key].get("deleted") and server[child.key].get("deleted")
    a.library.restore([paper.key])
    synced(a, make_client)
    server = remote(zserver)
    assert not server[paper.key].get("deleted") and not server[child.key].get("deleted")
    a.library.trash([paper.key])
    a.library.empty_trash()
    synced(a, make_client)
    assert paper.key not in remote(zserver) and child.key not in remote(zserver)  # no orphan left in Zotero


def test_trash_in_zotero_arrives_in_the_trash_and_a_restore_there_comes_back(zserver: ZoteroServer, make_ctx: Ctx,
                                                                            make_client: Client) -> None:
    a, b = make_ctx("a"), make_ctx("b")
    paper = a.library.add(article("Trashed in Zotero"))
    child = a.library.add(note(paper.key, "<p>A child note</p>"))
    synced(a, make_client)
    synced(b, make_client)
    lib = zserver.library("user", USER_ID)
    data = remote(zserver)
    zserver.put_items(lib, [{"key": k, "version": lib.items[k].version, **data[k], "deleted": 1}
                            for k in (paper.key, child.key)])
    synced(b, make_client)
    assert b.library.keys(trash=False) == [] and set(b.library.keys(trash=True)) == {paper.key, child.key}
    assert b.library.count("Trashed") == 0 and b.library.count(trash=True) == 2
    data = remote(zserver)
    zserver.put_items(lib, [{"key": k, "version": lib.items[k].version, **{n: v for n, v in data[k].items() if n != "deleted"},
                             "deleted": 0} for k in (paper.key, child.key)])
    synced(b, make_client)
    assert set(b.library.keys(trash=False)) == {paper.key, child.key} and b.library.count("Trashed") == 1


def test_emptying_in_zotero_removes_the_children_here_too(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a = make_ctx("a")
    paper = a.library.add(article("Deleted for good in Zotero"))
    child = a.library.add(note(paper.key, "<p>goes with it</p>"))
    synced(a, make_client)
    zserver.delete_items(zserver.library("user", USER_ID), [paper.key, child.key])
    synced(a, make_client)
    assert not a.library.exists(paper.key) and not a.library.exists(child.key)
