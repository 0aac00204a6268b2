"""A collection deleted on one side and changed on the other is settled as items are, without a conflict to decide.

Collections settle themselves (as in Zotero desktop): a change beats a deletion either way. Deleted here and changed
in Zotero: restored, with the items the deletion took out of it (and the collections deleted here that it sits in).
Changed here and deleted in Zotero: sent again (at the top level when its parent is gone). Deleted on both sides:
gone. After each sync both sides hold the same collections, parents and members, and nothing is left pending.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from refdesk.app import AppContext
from refdesk.library.collections import (
    add_to_collection,
    create_collection,
    delete_collection,
    list_collections,
    rename_collection,
)
from refdesk.model import Record
from refdesk.zotero import state
from refdesk.zotero.client import ZoteroClient
from refdesk.zotero.sync import sync

from tests.servers.zotero import ZoteroServer
from tests.zotero.conftest import USER_ID

Ctx = Callable[..., AppContext]
Client = Callable[..., ZoteroClient]


def synced(ctx: AppContext, make_client: Client) -> None:
    report = sync(ctx, client=make_client())
    assert report.ok, report.to_json()


def zlib(zserver: ZoteroServer) -> Any:
    return zserver.library("user", USER_ID)


def remote_tree(zserver: ZoteroServer) -> tuple[dict[str, tuple[str, Any]], dict[str, list[str]]]:
    lib = zlib(zserver)
    with zserver.lock:
        cols = {k: (o.data["name"], o.data.get("parentCollection") or None) for k, o in lib.collections.items()}
        members = {k: sorted(o.data.get("collections") or []) for k, o in lib.items.items()}
    return cols, members


def local_tree(ctx: AppContext) -> tuple[dict[str, tuple[str, Any]], dict[str, list[str]]]:
    cols = {c.key: (c.name, c.parent) for c in list_collections(ctx.library)}
    members = {r.key: sorted(r.data.get("collections") or []) for r in ctx.library.records()}
    return cols, members


def assert_settled(zserver: ZoteroServer, *ctxs: AppContext) -> None:
    remote = remote_tree(zserver)
    for ctx in ctxs:
        assert local_tree(ctx) == remote
        assert state.deletions(ctx.library, "user", "collection") == []
        assert not any(dirty for _, dirty, _, _ in state.collection_rows(ctx.library, "user").values())
        assert ctx.library.dirty_keys() == []


def rename_remote(zserver: ZoteroServer, key: str, name: str) -> None:
    lib = zlib(zserver)
    obj = lib.collections[key]
    result = zserver.put_collections(lib, [{"key": key, "version": obj.version, "name": name,
                                            "parentCollection": obj.data.get("parentCollection", False)}])
    assert result["failed"] == {}, result


def delete_remote(zserver: ZoteroServer, key: str) -> None:
    lib = zlib(zserver)
    with zserver.lock:
        zserver._delete_objects(lib, "collections", [key])


def setup(make_ctx: Ctx, make_client: Client) -> tuple[AppContext, AppContext, str, str, list[str]]:
    a, b = make_ctx("a"), make_ctx("b")
    papers = [a.library.add(Record.new("journalArticle", title=t)).key for t in ("Genoa 1922", "Locarno 1925")]
    top = create_collection(a.library, "Diplomacy").key
    sub = create_collection(a.library, "Conferences", parent=top).key
    add_to_collection(a.library, papers, sub)
    add_to_collection(a.library, papers[:1], top)
    synced(a, make_client)
    synced(b, make_client)
    return a, b, top, sub, papers


def test_deleted_here_and_renamed_in_zotero_comes_back_with_its_items(zserver: ZoteroServer, make_ctx: Ctx,
                                                                     make_client: Client) -> None:
    a, b, top, sub, papers = setup(make_ctx, make_client)
    delete_collection(a.library, sub)
    rename_remote(zserver, sub, "Conferences, 1920s")
    synced(a, make_client)
    cols, members = remote_tree(zserver)
    assert cols[sub] == ("Conferences, 1920s", top)
    assert all(sub in members[p] for p in papers)  # the deletion was not sent, and the members stay
    synced(b, make_client)
    assert_settled(zserver, a, b)


def test_a_parent_deleted_here_comes_back_when_its_subcollection_was_renamed_in_zotero(
        zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a, b, top, sub, papers = setup(make_ctx, make_client)
    delete_collection(a.library, top)  # with its subcollection
    rename_remote(zserver, sub, "Conferences, 1920s")
    synced(a, make_client)
    cols, members = remote_tree(zserver)
    assert cols == {top: ("Diplomacy", None), sub: ("Conferences, 1920s", top)}
    assert members[papers[0]] == sorted([top, sub]) and members[papers[1]] == [sub]
    synced(b, make_client)
    assert_settled(zserver, a, b)


def test_an_unchanged_collection_deleted_here_is_deleted_in_zotero(zserver: ZoteroServer, make_ctx: Ctx,
                                                                   make_client: Client) -> None:
    a, b, top, sub, papers = setup(make_ctx, make_client)
    delete_collection(a.library, sub)
    rename_remote(zserver, top, "Diplomacy, 1920s")  # another collection changed: the library version moved
    synced(a, make_client)
    cols, members = remote_tree(zserver)
    assert cols == {top: ("Diplomacy, 1920s", None)} and members[papers[1]] == []
    synced(b, make_client)
    assert_settled(zserver, a, b)


def test_renamed_here_and_deleted_in_zotero_is_sent_again(zserver: ZoteroServer, make_ctx: Ctx,
                                                          make_client: Client) -> None:
    a, b, top, sub, _papers = setup(make_ctx, make_client)
    rename_collection(a.library, sub, "Conferences, 1920s")
    delete_remote(zserver, sub)
    synced(a, make_client)
    cols, _ = remote_tree(zserver)
    assert cols[sub] == ("Conferences, 1920s", top)
    synced(b, make_client)
    assert_settled(zserver, a, b)


def test_renamed_here_when_zotero_deleted_its_parent_goes_up_at_the_top(zserver: ZoteroServer, make_ctx: Ctx,
                                                                       make_client: Client) -> None:
    a, b, top, sub, _papers = setup(make_ctx, make_client)
    rename_collection(a.library, sub, "Conferences, 1920s")
    delete_remote(zserver, top)
    delete_remote(zserver, sub)  # Zotero takes the subcollections along
    synced(a, make_client)
    cols, _ = remote_tree(zserver)
    assert cols == {sub: ("Conferences, 1920s", None)}
    synced(b, make_client)
    assert_settled(zserver, a, b)


def test_deleted_on_both_sides_is_gone_everywhere(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a, b, _top, sub, _papers = setup(make_ctx, make_client)
    delete_collection(a.library, sub)
    delete_remote(zserver, sub)
    synced(a, make_client)
    synced(b, make_client)
    assert sub not in remote_tree(zserver)[0]
    assert_settled(zserver, a, b)
