"""A collection moved here (into another, or to the top) reaches Zotero as a parent change, and another client
sees the tree as it now is (issue 14)."""

from __future__ import annotations

from collections.abc import Callable

from refdesk.app import AppContext
from refdesk.library.collections import create_collection, list_collections, move_collection
from refdesk.zotero.client import ZoteroClient
from refdesk.zotero.sync import sync

from tests.servers.zotero import ZoteroServer
from tests.zotero.test_collections_sync import remote_collections

Ctx = Callable[..., AppContext]
Client = Callable[..., ZoteroClient]


def test_a_moved_collection_syncs_as_a_parent_change(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a, b = make_ctx("a"), make_ctx("b")
    top = create_collection(a.library, "Diplomacy")
    other = create_collection(a.library, "Conferences")
    assert sync(a, client=make_client()).ok
    assert sync(b, client=make_client()).ok

    move_collection(a.library, other.key, top.key)
    assert sync(a, client=make_client()).ok
    assert remote_collections(zserver)[other.key]["parentCollection"] == top.key
    assert sync(b, client=make_client()).ok
    assert [(c.name, c.depth) for c in list_collections(b.library)] == [("Diplomacy", 0), ("Conferences", 1)]

    move_collection(b.library, other.key, None)  # back to the top
    assert sync(b, client=make_client()).ok
    assert remote_collections(zserver)[other.key]["parentCollection"] is False
    assert sync(a, client=make_client()).ok
    assert [(c.name, c.depth) for c in list_collections(a.library)] == [("Conferences", 0), ("Diplomacy", 0)]
