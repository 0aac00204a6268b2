"""Issue 13: four sequences that left refdesk and Zotero different for good, and three messages.

Each test replays one sequence against the emulator and checks that the sides end equal and
nothing pending is hidden: cleared fields (and the Trash flag) reach Zotero, an item re-created
by one client is received by the other, a conflict whose ground changed is updated, and a write
whose answer was lost is merged with what was sent as the base.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from refdesk.app import AppContext
from refdesk.model import Record
from refdesk.zotero import conflicts, credentials, state
from refdesk.zotero.client import ZoteroClient
from refdesk.zotero.sync import sync

from tests.servers.zotero import ZoteroServer
from tests.zotero.conftest import USER_ID
from tests.zotero.test_sync import article, assert_converged, edit, server_items

Ctx = Callable[..., AppContext]
Client = Callable[..., ZoteroClient]


def remote_put(server: ZoteroServer, key: str, **fields: Any) -> None:
    """An edit made in Zotero (another client), versioned like any write."""
    lib = server.library("user", USER_ID)
    result = server.put_items(lib, [{"key": key, "version": lib.items[key].version, **fields}])
    assert result["failed"] == {}, result


def pending(ctx: AppContext) -> int:
    return state.dirty_count(ctx.library, "user") + len(state.deletions(ctx.library, "user"))


# -- 1. clearing a field ------------------------------------------------------------------------
def test_a_cleared_field_reaches_zotero_and_stays_cleared(
        zserver: ZoteroServer, make_ctx: Ctx, make_client: Client, api_key: str, memory_keyring: Any, cli: Any) -> None:
    from refdesk import config

    config.save_setting("zotero_user_id", str(USER_ID))
    credentials.store_key(str(USER_ID), api_key)
    other = make_ctx("other")
    rec = article("Catalogued", libraryCatalog="Old catalog", volume="3")
    other.library.add(rec)
    sync(other, client=make_client())
    assert cli("sync").code == 0
    assert cli("edit", rec.key, "--set", "libraryCatalog=").code == 0
    status = cli("zotero", "status", "--json").json()
    assert status["libraries"][0]["pendingChanges"] == 1  # a clear is an edit like any other
    report = cli("sync", "--json").json()
    assert report["ok"] and report["libraries"][0]["uploaded"] == 1
    assert not server_items(zserver)[rec.key].get("libraryCatalog")
    # a later change elsewhere does not bring the old value back
    remote_put(zserver, rec.key, volume="4")
    assert cli("sync").code == 0
    mine = cli("show", rec.key, "--json").json()
    assert mine["volume"] == "4" and not mine.get("libraryCatalog")
    sync(other, client=make_client())
    assert not other.library.get(rec.key).get("libraryCatalog")
    assert not server_items(zserver)[rec.key].get("libraryCatalog")


def test_cleared_creators_tags_and_a_cleared_field_merge_field_by_field(
        zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a, b = make_ctx("a"), make_ctx("b")
    rec = article("Full", pages="1-9", extra="note")
    rec.add_tag("keep")
    a.library.add(rec)
    sync(a, client=make_client())
    sync(b, client=make_client())
    r = a.library.get(rec.key)
    r.data["creators"] = []
    r.data["tags"] = []
    r.data.pop("pages")
    a.library.save(r)
    edit(b, rec.key, extra="changed in B")  # another field, concurrently
    sync(b, client=make_client())
    sync(a, client=make_client())
    sync(b, client=make_client())
    remote = server_items(zserver)[rec.key]
    assert remote["creators"] == [] and remote["tags"] == [] and not remote.get("pages")
    assert remote["extra"] == "changed in B"
    assert_converged(zserver, a, b)


def test_trash_and_restore_travel_both_ways(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a, b = make_ctx("a"), make_ctx("b")
    rec = article("Trashable")
    a.library.add(rec)
    sync(a, client=make_client())
    sync(b, client=make_client())
    r = a.library.get(rec.key)
    r.data["deleted"] = 1
    a.library.save(r)
    sync(a, client=make_client())
    assert server_items(zserver)[rec.key].get("deleted")
    sync(b, client=make_client())
    assert b.library.get(rec.key).data.get("deleted")
    r = b.library.get(rec.key)
    r.data.pop("deleted")  # restored from the Trash: the flag is a cleared field
    b.library.save(r)
    sent: list[Any] = []
    client = make_client()
    client.transport.fault_hook = lambda request, ph: sent.append(request.content) if request.method == "POST" and ph == "send" else None
    sync(b, client=client)
    assert b'"deleted": 0' in sent[0] or b'"deleted":0' in sent[0]
    assert "deleted" not in server_items(zserver)[rec.key]  # Zotero drops the flag of a restored item
    sync(a, client=make_client())
    assert "deleted" not in a.library.get(rec.key).data
    # restored in Zotero, trashed again here: the flag merges as a field
    remote_put(zserver, rec.key, deleted=1)
    sync(a, client=make_client())
    remote_put(zserver, rec.key, deleted=False)
    sync(a, client=make_client())
    assert "deleted" not in a.library.get(rec.key).data
    assert_converged(zserver, a)


# -- 2. an item that comes back -------------------------------------------------------------------
def test_an_item_re_created_by_one_client_is_received_by_the_other(
        zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a, b = make_ctx("a"), make_ctx("b")
    rec = article("Comes back", pages="1")
    a.library.add(rec)
    sync(a, client=make_client())
    sync(b, client=make_client())
    edit(a, rec.key, volume="A")
    edit(b, rec.key, issue="B")
    zserver.delete_items(zserver.library("user", USER_ID), [rec.key])
    for ctx in (a, b):
        report = sync(ctx, client=make_client())
        assert [(c.field, c.remote) for c in report.conflicts] == [(conflicts.DELETED, "deleted")]
    conflicts.resolve(a.library, rec.key, "local")
    sync(a, client=make_client())
    assert server_items(zserver)[rec.key]["volume"] == "A"
    report = sync(b, client=make_client())
    # the ground changed: the item exists again in Zotero, so it is no longer "deleted in Zotero"
    assert report.conflicts == []
    sync(b, client=make_client())
    sync(a, client=make_client())
    assert pending(a) == pending(b) == 0
    remote = server_items(zserver)[rec.key]
    assert remote["volume"] == "A" and remote["issue"] == "B"  # both edits kept: they touched different fields
    assert_converged(zserver, a, b)


def test_settling_remote_after_the_item_came_back_keeps_it(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    """The issue's order: B settles `--take remote` only after it downloaded the re-created item."""
    a, b = make_ctx("a"), make_ctx("b")
    rec = article("Comes back")
    a.library.add(rec)
    sync(a, client=make_client())
    sync(b, client=make_client())
    edit(a, rec.key, volume="A")
    edit(b, rec.key, volume="B")  # the same field: a real conflict once the item is back
    zserver.delete_items(zserver.library("user", USER_ID), [rec.key])
    sync(a, client=make_client())
    sync(b, client=make_client())
    conflicts.resolve(a.library, rec.key, "local")
    sync(a, client=make_client())
    report = sync(b, client=make_client())
    assert [(c.field, c.local, c.remote) for c in report.conflicts] == [("volume", "B", "A")]
    conflicts.resolve(b.library, rec.key, "remote")
    sync(b, client=make_client())
    sync(a, client=make_client())
    assert b.library.get(rec.key).get("volume") == "A"
    assert pending(b) == 0
    assert_converged(zserver, a, b)


# -- 3. both sides deleted ----------------------------------------------------------------------------
def test_a_conflict_whose_item_was_deleted_on_both_sides_goes_away(zserver: ZoteroServer, make_ctx: Ctx,
                                                                      make_client: Client) -> None:
    from refdesk.errors import NotFoundError

    a = make_ctx("a")
    rec = article("Ghost")
    a.library.add(rec)
    sync(a, client=make_client())
    a.library.remove(rec.key)  # deleted for good (not the Trash)
    remote_put(zserver, rec.key, title="Edited in Zotero")
    report = sync(a, client=make_client())
    assert [(c.field, c.local) for c in report.conflicts] == [(conflicts.DELETED, "deleted")]
    zserver.delete_items(zserver.library("user", USER_ID), [rec.key])
    report = sync(a, client=make_client())
    assert report.ok and report.conflicts == []  # both sides deleted: nothing left to decide
    with pytest.raises(NotFoundError, match="No open sync conflict"):
        conflicts.resolve(a.library, rec.key, "remote")
    assert rec.key not in list(a.library.keys())  # no copy rebuilt from stale data
    assert pending(a) == 0
    assert_converged(zserver, a)


def test_a_field_conflict_is_replaced_when_zotero_deletes_the_item(zserver: ZoteroServer, make_ctx: Ctx,
                                                                    make_client: Client) -> None:
    a = make_ctx("a")
    rec = article("Contested")
    a.library.add(rec)
    sync(a, client=make_client())
    edit(a, rec.key, title="Mine")
    remote_put(zserver, rec.key, title="Theirs")
    assert [c.field for c in sync(a, client=make_client()).conflicts] == ["title"]
    zserver.delete_items(zserver.library("user", USER_ID), [rec.key])
    report = sync(a, client=make_client())
    assert [(c.field, c.remote) for c in report.conflicts] == [(conflicts.DELETED, "deleted")]
    conflicts.resolve(a.library, rec.key, "local")
    sync(a, client=make_client())
    assert server_items(zserver)[rec.key]["title"] == "Mine"
    assert_converged(zserver, a)


# -- 4. a write whose answer was lost ------------------------------------------------------------------
def _lose_the_answer(zserver: ZoteroServer, a: AppContext, make_client: Client, key: str) -> None:
    """The upload is applied but neither its answer nor any retry's gets back."""
    edit(a, key, volume="mine")
    zserver.inject("drop_after", times=1, method="POST")
    zserver.inject("drop", times=10, method="POST")
    report = sync(a, client=make_client(retries=3))
    assert not report.ok and "closed" in str(report.libraries[0].error)
    zserver.clear_faults()
    assert server_items(zserver)[key]["volume"] == "mine"  # it was applied


@pytest.mark.parametrize("then", ["old", "new"])
def test_a_write_applied_whose_answer_was_lost_is_merged_with_what_was_sent(
        zserver: ZoteroServer, make_ctx: Ctx, make_client: Client, then: str) -> None:
    a = make_ctx("a")
    rec = article("Lost answer", volume="old")
    a.library.add(rec)
    sync(a, client=make_client())
    _lose_the_answer(zserver, a, make_client, rec.key)
    remote_put(zserver, rec.key, volume=then)  # changed in Zotero after our write
    report = sync(a, client=make_client())
    assert report.ok and report.conflicts == []
    assert server_items(zserver)[rec.key]["volume"] == then  # Zotero's later change is not undone
    assert a.library.get(rec.key).get("volume") == then
    assert_converged(zserver, a)


def test_a_write_that_never_arrived_is_still_sent(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    """The other half: nothing was applied, Zotero changed another field; both edits stay."""
    a = make_ctx("a")
    rec = article("Never arrived", volume="old")
    a.library.add(rec)
    sync(a, client=make_client())
    edit(a, rec.key, volume="mine")
    zserver.inject("drop", times=10, method="POST")
    assert not sync(a, client=make_client(retries=2)).ok
    zserver.clear_faults()
    remote_put(zserver, rec.key, pages="7")
    report = sync(a, client=make_client())
    assert report.ok and report.conflicts == []
    remote = server_items(zserver)[rec.key]
    assert remote["volume"] == "mine" and remote["pages"] == "7"
    assert_converged(zserver, a)


def test_a_write_that_never_arrived_against_a_new_value_is_a_conflict(
        zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a = make_ctx("a")
    rec = article("Never arrived", volume="old")
    a.library.add(rec)
    sync(a, client=make_client())
    edit(a, rec.key, volume="mine")
    zserver.inject("drop", times=10, method="POST")
    assert not sync(a, client=make_client(retries=2)).ok
    zserver.clear_faults()
    remote_put(zserver, rec.key, volume="theirs")
    report = sync(a, client=make_client())
    assert [(c.field, c.local, c.remote) for c in report.conflicts] == [("volume", "mine", "theirs")]


# -- messages ---------------------------------------------------------------------------------------
def test_dropped_connections_are_named_in_words_with_the_mix(zserver: ZoteroServer, make_ctx: Ctx,
                                                             make_client: Client) -> None:
    a = make_ctx("a")
    a.library.add(article("x"))
    zserver.inject("503", times=1, method="POST", retry_after=0)
    zserver.inject("drop", times=10, method="POST")
    report = sync(a, client=make_client(retries=3))
    error = str(report.libraries[0].error)
    assert "RemoteProtocolError" not in error
    assert "connection was closed before an answer (3 times)" in error and "503" in error and "4 attempts" in error


def test_an_html_error_page_is_named_by_its_status(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    import httpx2

    a = make_ctx("a")
    a.library.add(article("x"))

    def html(request: httpx2.Request) -> httpx2.Response:
        if request.method == "POST":
            return httpx2.Response(413, headers={"Content-Type": "text/html"},
                                   text="<!DOCTYPE HTML>\n<html><head><title>413 Request Entity Too Large</title></head></html>")
        return real.handle_request(request)

    real = httpx2.HTTPTransport()
    client = make_client(inner=httpx2.MockTransport(html))
    report = sync(a, client=client)
    error = str(report.libraries[0].error)
    assert "DOCTYPE" not in error and "<" not in error
    assert "413" in error and "Request Entity Too Large" in error


def test_sync_json_during_a_long_pause_prints_json(zserver: ZoteroServer, api_key: str, memory_keyring: Any, cli: Any,
                                                   tmp_path: Any) -> None:
    from refdesk import config

    config.save_setting("zotero_user_id", str(USER_ID))
    credentials.store_key(str(USER_ID), api_key)
    zserver.inject("429", times=1, retry_after=900)
    out = cli("sync", "--json")
    report = out.json()
    assert report["ok"] is False and report["pausedUntil"]
    assert "pause" in report["libraries"][0]["error"] if report["libraries"] else "pause" in report["error"]
    again = cli("sync", "--json")  # held without a request: still JSON
    assert again.json()["pausedUntil"] == report["pausedUntil"]


def test_record_set_empty_is_a_pending_edit(make_ctx: Ctx) -> None:
    a = make_ctx("a")
    rec = Record.new("journalArticle", title="t", volume="2")
    a.library.add(rec)
    with a.library.transaction():
        a.library.execute("UPDATE items SET dirty = 0")
    r = a.library.get(rec.key)
    r.set("volume", "")
    a.library.save(r)
    assert state.dirty_count(a.library, "user") == 1


def test_an_unsent_batch_of_an_item_deleted_in_zotero_does_not_bring_it_back(
        zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    """Found by test_stateful: an item saved here without a net change (dirty, equal to Zotero's copy) is deleted
    in Zotero; the sync that would send it is killed before the request leaves, so its batch stays journaled. The
    next sync sends that batch again with no library version: Zotero refuses the versioned write to a deleted
    item (404), and the download then applies the deletion here instead of the write re-creating the item."""
    a = make_ctx("a")
    rec = article("Deleted in Zotero")
    a.library.add(rec)
    assert sync(a, client=make_client()).ok
    zserver.delete_items(zserver.library("user", USER_ID), [rec.key])
    r = a.library.get(rec.key)
    r.set("extra", "temporary")
    a.library.save(r)
    r.data.pop("extra")
    a.library.save(r)  # dirty, but what Zotero had

    class Killed(BaseException):
        pass

    def kill(request: Any, phase: str) -> None:
        if request.method == "POST" and phase == "send":
            raise Killed

    client = make_client()
    client.transport.fault_hook = kill
    with pytest.raises(Killed):
        sync(a, client=client)
    assert state.pending_batches(a.library, "user")  # the batch is journaled, its answer never came
    report = sync(a, client=make_client())
    assert report.ok and report.libraries[0].failed == [] and report.conflicts == []
    assert rec.key not in server_items(zserver)
    assert not a.library.exists(rec.key)
    assert_converged(zserver, a)
