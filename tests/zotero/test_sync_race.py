"""Two syncs of one library at once (the app's beside the CLI's; docs/library-safety.md, last section).

The race is made deterministic: the first sync is stopped right after Zotero answered its download of an item,
and the whole second sync (another connection to the same file, as another process has) runs there. Without the
guard the first sync then stored the older copy it had read over the newer clean one the second had uploaded, and
set the library version back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
from refdesk.app import AppContext
from refdesk.library.collections import create_collection, rename_collection
from refdesk.model import Record
from refdesk.zotero import state
from refdesk.zotero.client import ZoteroClient
from refdesk.zotero.sync import sync

from tests.servers.zotero import ZoteroServer
from tests.zotero.conftest import USER_ID

Ctx = Callable[..., AppContext]
Client = Callable[..., ZoteroClient]


def run_inside(client: ZoteroClient, path_part: str, query_part: str, action: Callable[[], None]) -> list[str]:
    """Run ``action`` once, when the first answer to a GET whose path and query hold these parts has arrived."""
    done: list[str] = []

    def hook(request: httpx2.Request, phase: str) -> None:
        if (not done and phase == "received" and request.method == "GET" and path_part in request.url.path
                and query_part in str(request.url.query)):
            done.append(str(request.url))
            action()

    client.transport.fault_hook = hook
    return done


def edit_remote(zserver: ZoteroServer, key: str, **fields: Any) -> None:
    lib = zserver.library("user", USER_ID)
    assert zserver.put_items(lib, [{"key": key, "version": lib.items[key].version, **fields}])["failed"] == {}


def test_an_older_copy_read_before_another_sync_uploaded_a_newer_one_is_not_stored(
        zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    app = make_ctx("shared")  # the desktop app's connection
    rec = app.library.add(Record.new("journalArticle", title="Soviet and British diplomacy", volume="1"))
    assert sync(app, client=make_client()).ok
    cli = AppContext(app.settings, app.library_path)  # a CLI process on the same file: its own connection
    try:
        edit_remote(zserver, rec.key, pages="10-20")  # changed in Zotero: both syncs will download it

        def the_cli_edits_and_syncs() -> None:
            r = cli.library.get(rec.key)
            r.set("volume", "2")
            cli.library.save(r)
            report = sync(cli, client=make_client())
            assert report.ok and report.libraries[0].uploaded == 1

        first = make_client()
        fired = run_inside(first, "/items", "itemKey", the_cli_edits_and_syncs)
        report = sync(app, client=first)
        assert fired and report.ok

        zot = zserver.library("user", USER_ID)
        server_copy = zserver.item_data(zot)[rec.key]
        assert server_copy["volume"] == "2" and server_copy["pages"] == "10-20"
        mine = app.library.get(rec.key)
        # the newer copy stays: the CLI's edit and Zotero's, at the version the CLI's upload got
        assert mine.get("volume") == "2" and mine.get("pages") == "10-20"
        [item] = state.item_states(app.library, [rec.key], "user").values()
        assert item.version == zot.items[rec.key].version and not item.dirty
        assert state.get_library(app.library, "user").version == zot.version  # not set back
        again = sync(app, client=make_client())  # nothing left to repair
        assert again.ok and again.libraries[0].downloaded == 0 and again.libraries[0].merged == 0
    finally:
        cli.close()


def test_an_older_collection_read_before_another_sync_uploaded_a_newer_one_is_not_stored(
        zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    app = make_ctx("shared")
    coll = create_collection(app.library, "Diplomacy")
    assert sync(app, client=make_client()).ok
    cli = AppContext(app.settings, app.library_path)
    try:
        lib = zserver.library("user", USER_ID)
        zserver.put_collections(lib, [{"key": coll.key, "version": lib.collections[coll.key].version,
                                       "name": "Diplomacy", "parentCollection": False, "relations": {"dc:x": "1"}}])

        def the_cli_renames_and_syncs() -> None:
            rename_collection(cli.library, coll.key, "Diplomacy, 1920s")
            assert sync(cli, client=make_client()).ok

        first = make_client()
        fired = run_inside(first, "/collections", "collectionKey", the_cli_renames_and_syncs)
        assert sync(app, client=first).ok and fired
        rows = state.collection_rows(app.library, "user")
        assert rows[coll.key][2]["name"] == "Diplomacy, 1920s" and not rows[coll.key][1]
        assert rows[coll.key][0] == lib.collections[coll.key].version
    finally:
        cli.close()


def test_the_library_version_is_not_set_back_by_a_download_that_ended_after_another_sync(
        zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    app = make_ctx("shared")
    rec = app.library.add(Record.new("journalArticle", title="Genoa 1922", volume="1"))
    assert sync(app, client=make_client()).ok
    cli = AppContext(app.settings, app.library_path)
    try:
        edit_remote(zserver, rec.key, pages="5")

        def the_cli_edits_and_syncs() -> None:  # between the download's last answer and its last commit
            r = cli.library.get(rec.key)
            r.set("volume", "2")
            cli.library.save(r)
            assert sync(cli, client=make_client()).ok

        first = make_client()
        fired = run_inside(first, "/deleted", "since", the_cli_edits_and_syncs)
        assert sync(app, client=first).ok and fired
        zot = zserver.library("user", USER_ID)
        assert state.get_library(app.library, "user").version == zot.version
        assert app.library.get(rec.key).get("volume") == "2"
        again = sync(app, client=make_client())
        assert again.ok and again.requests == 2  # the key check and a 304: nothing to fetch again
    finally:
        cli.close()
