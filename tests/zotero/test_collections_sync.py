"""Collections made, renamed, filled and deleted in refdesk reach Zotero, and another client sees them (issue 14)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from refdesk.app import AppContext
from refdesk.library.collections import (
    add_to_collection,
    create_collection,
    delete_collection,
    list_collections,
    remove_from_collection,
    rename_collection,
)
from refdesk.library.tags import rename_tag
from refdesk.model import Record
from refdesk.zotero.client import ZoteroClient
from refdesk.zotero.sync import sync

from tests.servers.zotero import ZoteroServer
from tests.zotero.conftest import USER_ID

Ctx = Callable[..., AppContext]
Client = Callable[..., ZoteroClient]


def synced(ctx: AppContext, make_client: Client) -> None:
    report = sync(ctx, client=make_client())
    assert report.ok, report.to_json()


def remote_collections(zserver: ZoteroServer) -> dict[str, dict[str, Any]]:
    lib = zserver.library("user", USER_ID)
    with zserver.lock:
        return {k: dict(o.data) for k, o in lib.collections.items()}


def remote_items(zserver: ZoteroServer) -> dict[str, dict[str, Any]]:
    return zserver.item_data(zserver.library("user", USER_ID))


def test_collections_made_here_are_uploaded_renamed_filled_and_deleted(zserver: ZoteroServer, make_ctx: Ctx,
                                                                       make_client: Client) -> None:
    a, b = make_ctx("a"), make_ctx("b")
    paper = a.library.add(Record.new("journalArticle", title="Soviet and British diplomacy"))
    other = a.library.add(Record.new("journalArticle", title="Genoa 1922"))
    top = create_collection(a.library, "Diplomacy")
    sub = create_collection(a.library, "Conferences", parent=top.key)
    add_to_collection(a.library, [paper.key, other.key], sub.key)
    synced(a, make_client)
    server = remote_collections(zserver)
    assert server[top.key]["name"] == "Diplomacy" and server[top.key]["parentCollection"] is False
    assert server[sub.key]["parentCollection"] == top.key
    assert remote_items(zserver)[paper.key]["collections"] == [sub.key]
    assert a.library.execute("SELECT count(*) FROM collections WHERE dirty = 1")[0][0] == 0

    synced(b, make_client)  # another refdesk sees the tree and the members
    assert [(c.name, c.depth) for c in list_collections(b.library)] == [("Diplomacy", 0), ("Conferences", 1)]
    assert b.library.count(collection=sub.key) == 2

    rename_collection(a.library, sub.key, "Conferences, 1920s")
    remove_from_collection(a.library, [other.key], sub.key)
    synced(a, make_client)
    assert remote_collections(zserver)[sub.key]["name"] == "Conferences, 1920s"
    assert remote_items(zserver)[other.key]["collections"] == []
    synced(b, make_client)
    assert [c.name for c in list_collections(b.library)] == ["Diplomacy", "Conferences, 1920s"]
    assert b.library.count(collection=sub.key) == 1

    delete_collection(b.library, top.key)  # with its subcollection; the items stay
    synced(b, make_client)
    assert remote_collections(zserver) == {}
    assert remote_items(zserver)[paper.key]["collections"] == []
    assert b.library.execute("SELECT count(*) FROM zotero_delete_log")[0][0] == 0
    synced(a, make_client)
    assert list_collections(a.library) == []
    assert a.library.get(paper.key).data["collections"] == [] and a.library.count() == 2
    assert a.library.dirty_keys() == []
    synced(a, make_client)  # nothing left to send or fetch


def test_a_tag_renamed_here_is_renamed_in_zotero(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a = make_ctx("a")
    rec = Record.new("journalArticle", title="Permafrost")
    rec.add_tag("to read")
    a.library.add(rec)
    synced(a, make_client)
    rename_tag(a.library, "to read", "read next")
    synced(a, make_client)
    assert remote_items(zserver)[rec.key]["tags"] == [{"tag": "read next"}]
