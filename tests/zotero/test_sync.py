"""Two-way sync against the emulator: batches, request counts, conflicts, faults and killed syncs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from refdesk.app import AppContext
from refdesk.model import Record
from refdesk.zotero import conflicts, credentials, state
from refdesk.zotero.client import ZoteroClient
from refdesk.zotero.sync import sync

from tests.servers.zotero import ZoteroServer
from tests.zotero.conftest import USER_ID

Ctx = Callable[..., AppContext]
Client = Callable[..., ZoteroClient]


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs, nothing uncommitted survives."""


def kill_at(n: int, phase: str) -> Callable[[httpx2.Request, str], None]:
    seen = {"count": 0}

    def hook(request: httpx2.Request, ph: str) -> None:
        if ph == phase:
            seen["count"] += 1
            if seen["count"] == n:
                raise Killed(f"{ph} #{n} {request.method} {request.url.path}")

    return hook


def article(title: str, **fields: Any) -> Record:
    rec = Record.new("journalArticle", title=title, **fields)
    rec.creators.append({"creatorType": "author", "firstName": "Ada", "lastName": "Lovelace"})
    return rec


def edit(ctx: AppContext, key: str, *, tags: tuple[str, ...] = (), **fields: str) -> None:
    """Change fields of a local record (and add tags), as the user would."""
    rec = ctx.library.get(key)
    for name, value in fields.items():
        rec.set(name, value)
    for tag in tags:
        rec.add_tag(tag)
    ctx.library.save(rec)


def server_items(server: ZoteroServer) -> dict[str, dict[str, Any]]:
    return server.item_data(server.library("user", USER_ID))


def local_items(ctx: AppContext) -> dict[str, dict[str, Any]]:
    return {r.key: r.data for r in ctx.library.records()}


def assert_converged(server: ZoteroServer, *ctxs: AppContext) -> None:
    remote = server_items(server)
    for ctx in ctxs:
        local = local_items(ctx)
        assert set(local) == set(remote)
        for key, data in remote.items():
            from refdesk.zotero import mapping

            assert mapping.same(local[key], data), key
        assert state.dirty_items(ctx.library, "user") == []


def test_first_upload_and_download_in_batches(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a, b = make_ctx("a"), make_ctx("b")
    a.library.add_many([article(f"Paper {i}", volume=str(i)) for i in range(120)])
    client = make_client()
    report = sync(a, client=client)
    assert report.ok and report.libraries[0].uploaded == 120
    writes = [r for r in zserver.requests if r[0] == "POST"]
    assert len(writes) == 3  # ceil(120 / 50)
    assert report.requests <= 3 + 1  # + /keys/current
    before = zserver.request_count()
    report = sync(b, client=make_client())
    assert report.libraries[0].downloaded == 120
    assert zserver.request_count() - before <= 2 + 5  # two pages of 100 + versions, deleted, key, collections
    assert_converged(zserver, a, b)
    # nothing changed: at most 3 requests
    before = zserver.request_count()
    report = sync(b, client=make_client())
    assert zserver.request_count() - before <= 3
    assert report.libraries[0].downloaded == 0


def test_everything_round_trips_notes_attachments_collections_tags_unknown_fields(
        zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    zserver.schema.extra_fields["journalArticle"] = ["aFieldFromTheFuture"]
    lib = zserver.library("user", USER_ID)
    assert zserver.put_collections(lib, [{"key": "CQLL2345", "name": "Reading", "parentCollection": False}])["failed"] == {}
    result = zserver.put_items(lib, [
        {"key": "PARE2345", "itemType": "journalArticle", "title": "Parent", "aFieldFromTheFuture": "future value",
         "creators": [{"creatorType": "author", "name": "Org"}], "tags": [{"tag": "m"}, {"tag": "auto", "type": 1}],
         "collections": ["CQLL2345"], "relations": {"owl:sameAs": "http://zotero.org/groups/1/items/JKLM6543"}},
        {"key": "NQTE2345", "itemType": "note", "note": "<p>a note</p>", "parentItem": "PARE2345"},
        {"key": "ATTA2345", "itemType": "attachment", "linkMode": "imported_file", "title": "PDF", "contentType": "application/pdf",
         "filename": "paper.pdf", "md5": "abc", "mtime": 1700000000000, "parentItem": "PARE2345"},
    ])
    assert result["failed"] == {}
    a, b = make_ctx("a"), make_ctx("b")
    sync(a, client=make_client())
    note = a.library.get("NQTE2345")
    assert note.data["parentItem"] == "PARE2345" and "creators" not in note.data
    attachment = a.library.get("ATTA2345")
    assert attachment.data["md5"] == "abc" and attachment.data["filename"] == "paper.pdf"
    parent = a.library.get("PARE2345")
    assert parent.data["aFieldFromTheFuture"] == "future value"
    assert {"tag": "auto", "type": 1} in parent.tags
    assert state.collection_rows(a.library, "user")["CQLL2345"][2]["name"] == "Reading"
    # edit locally; the unknown field goes back unchanged
    parent.set("volume", "12")
    parent.add_tag("local")
    a.library.save(parent)
    note.data["note"] = "<p>edited</p>"
    a.library.save(note)
    sync(a, client=make_client())
    remote = server_items(zserver)
    assert remote["PARE2345"]["aFieldFromTheFuture"] == "future value"
    assert remote["PARE2345"]["volume"] == "12" and {"tag": "local"} in remote["PARE2345"]["tags"]
    assert remote["NQTE2345"]["note"] == "<p>edited</p>"
    assert remote["ATTA2345"]["md5"] == "abc"
    sync(b, client=make_client())
    assert_converged(zserver, a, b)


def test_conflicts_are_kept_listed_and_resolved(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a, b = make_ctx("a"), make_ctx("b")
    rec = article("Original", volume="1")
    a.library.add(rec)
    sync(a, client=make_client())
    sync(b, client=make_client())
    edit(a, rec.key, title="Title from A", tags=("from-a",))
    edit(b, rec.key, title="Title from B", volume="2", tags=("from-b",))
    sync(a, client=make_client())
    report = sync(b, client=make_client())
    assert [(c.key, c.field, c.local, c.remote) for c in report.conflicts] == [(rec.key, "title", "Title from B", "Title from A")]
    merged = b.library.get(rec.key)
    assert merged.title == "Title from B" and merged.get("volume") == "2"
    assert {"from-a", "from-b"} <= set(merged.tag_names())
    # held: not uploaded while the conflict is open
    assert server_items(zserver)[rec.key]["title"] == "Title from A"
    assert report.libraries[0].held == 1
    conflicts.resolve(b.library, rec.key, "local")
    sync(b, client=make_client())
    sync(a, client=make_client())
    final = server_items(zserver)[rec.key]
    assert final["title"] == "Title from B" and final["volume"] == "2"
    assert {t["tag"] for t in final["tags"]} >= {"from-a", "from-b"}
    assert_converged(zserver, a, b)


def test_take_remote_and_deletion_conflicts(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a, b = make_ctx("a"), make_ctx("b")
    one, two = article("One"), article("Two")
    a.library.add(one)
    a.library.add(two)
    sync(a, client=make_client())
    sync(b, client=make_client())
    # one: both edit the title; B takes remote
    edit(a, one.key, title="A1")
    edit(b, one.key, title="B1")
    # two: A deletes, B edits
    a.library.remove(two.key)
    edit(b, two.key, pages="1-2")
    sync(a, client=make_client())
    report = sync(b, client=make_client())
    fields = {(c.key, c.field) for c in report.conflicts}
    assert fields == {(one.key, "title"), (two.key, conflicts.DELETED)}
    conflicts.resolve(b.library, one.key, "remote")
    assert b.library.get(one.key).title == "A1"
    conflicts.resolve(b.library, two.key, "local")  # keep B's edited copy: it is uploaded again
    sync(b, client=make_client())
    sync(a, client=make_client())
    assert server_items(zserver)[two.key]["pages"] == "1-2"
    assert_converged(zserver, a, b)


def test_local_deletion_against_remote_edit_is_a_conflict(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a, b = make_ctx("a"), make_ctx("b")
    rec = article("Doomed")
    a.library.add(rec)
    sync(a, client=make_client())
    sync(b, client=make_client())
    edit(a, rec.key, pages="5")
    sync(a, client=make_client())
    b.library.remove(rec.key)
    report = sync(b, client=make_client())
    assert [(c.field, c.local) for c in report.conflicts] == [(conflicts.DELETED, "deleted")]
    assert rec.key in server_items(zserver)  # not deleted while undecided
    conflicts.resolve(b.library, rec.key, "remote")
    assert b.library.get(rec.key).get("pages") == "5"
    sync(b, client=make_client())
    assert_converged(zserver, a, b)


def test_faults_are_retried_and_waits_honoured(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a = make_ctx("a")
    a.library.add_many([article(f"P{i}") for i in range(60)])
    zserver.inject("429", retry_after=7, method="POST")
    zserver.inject("503", retry_after=2, method="GET")
    zserver.inject("500", method="POST", skip=1)
    zserver.inject("drop", method="GET", path_contains="keys")
    zserver.inject("backoff", retry_after=4, path_contains="keys")
    client = make_client()
    report = sync(a, client=client)
    assert report.ok and report.libraries[0].uploaded == 60
    waits = client.transport.waits  # type: ignore[attr-defined]
    assert 7 in waits and 2 in waits
    assert any(3.5 < w <= 4 for w in waits)  # Backoff: the next request waited
    assert len(server_items(zserver)) == 60


def test_lost_answer_to_a_write_creates_no_duplicate(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a = make_ctx("a")
    a.library.add_many([article(f"P{i}") for i in range(10)])
    zserver.inject("drop_after", method="POST")  # the server saves, the answer is lost, the client retries
    report = sync(a, client=make_client())
    assert report.ok
    tokens = [h.get("zotero-write-token") for h in zserver.seen_headers if h.get("zotero-write-token")]
    assert len(tokens) >= 2 and tokens[0] == tokens[1]  # the retry reused the token (and got 412)
    assert len(server_items(zserver)) == 10
    assert_converged(zserver, a)


@pytest.mark.parametrize("phase", ["send", "received"])
def test_killed_at_any_request_resumes_without_duplicates_or_losses(
        zserver: ZoteroServer, make_ctx: Ctx, make_client: Client, phase: str) -> None:
    a, b = make_ctx("a"), make_ctx("b")
    a.library.add_many([article(f"Base {i}") for i in range(5)])
    sync(a, client=make_client())
    sync(b, client=make_client())
    keys = sorted(local_items(a))
    # changes on both sides, then a sync of A killed at request n, for every n
    for n in range(1, 30):
        edit(a, keys[n % 5], pages=f"a{n}")
        new = article(f"New {n}")
        a.library.add(new)
        edit(b, keys[(n + 2) % 5], volume=f"b{n}")
        sync(b, client=make_client())
        client = make_client()
        client.transport.fault_hook = kill_at(n, phase)
        try:
            sync(a, client=client)
            finished = True
        except Killed:
            finished = False
        sync(a, client=make_client())
        sync(b, client=make_client())
        assert_converged(zserver, a, b)
        remote = server_items(zserver)
        assert remote[keys[n % 5]]["pages"] == f"a{n}"
        assert remote[keys[(n + 2) % 5]]["volume"] == f"b{n}"
        assert new.key in remote
        assert conflicts.list_conflicts(a.library) == []
        if finished:
            break
    assert len(server_items(zserver)) == 5 + n


def test_read_only_key_downloads_and_keeps_local_changes(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    ro = zserver.add_key(USER_ID, "Z User", write=False)
    zserver.put_items(zserver.library("user", USER_ID), [{"itemType": "book", "title": "Remote book"}])
    a = make_ctx("a")
    a.library.add(article("Local only"))
    report = sync(a, client=make_client(key=ro))
    lr = report.libraries[0]
    assert lr.read_only and lr.downloaded == 1 and lr.pending == 1
    assert len(server_items(zserver)) == 1


def test_rejected_item_is_reported_and_others_go_through(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a = make_ctx("a")
    bad = Record.new("book", title="Bad")
    bad.data["publicationTitle"] = "not a book field"
    a.library.add(bad)
    a.library.add(article("Good"))
    report = sync(a, client=make_client())
    failed = report.libraries[0].failed
    assert [(f["key"], f["message"]) for f in failed] == [(bad.key, "'publicationTitle' is not a valid field for type 'book'")]
    assert len(server_items(zserver)) == 1
    assert state.dirty_items(a.library, "user")[0].key == bad.key  # kept, not lost


def test_group_library(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    group = zserver.add_group(51240, "testgroup")
    zserver.put_items(group, [{"itemType": "book", "title": "Group book"}])
    a = make_ctx("a")
    a.library.add(article("Mine"))
    rec = Record.new("report", title="For the group")
    a.library.add(rec, library_id="group:51240")
    report = sync(a, ["user", "group:51240"], client=make_client())
    assert report.ok
    assert {r["title"] for r in zserver.item_data(group).values()} == {"Group book", "For the group"}
    assert a.library.count(library_id="group:51240") == 2
    assert a.library.count(library_id="user") == 1


def test_cli_sync_lists_conflicts_and_resolve_settles_them(
        zserver: ZoteroServer, make_ctx: Ctx, make_client: Client, api_key: str, memory_keyring: Any, cli: Any,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from refdesk import config

    config.save_setting("zotero_user_id", str(USER_ID))
    credentials.store_key(str(USER_ID), api_key)
    other = make_ctx("other")
    rec = article("Shared")
    other.library.add(rec)
    sync(other, client=make_client())
    assert cli("sync").code == 0
    mine = cli("show", rec.key, "--json").json()
    assert mine["title"] == "Shared"
    edit(other, rec.key, title="Theirs")
    sync(other, client=make_client())
    assert cli("edit", rec.key, "--set", "title=Mine").code == 0
    out = cli("sync")
    assert out.code == 0 and "conflict" in out.out and "title" in out.out and rec.key in out.out
    listed = cli("zotero", "conflicts", "--json").json()
    assert [(c["key"], c["local"], c["remote"]) for c in listed] == [(rec.key, "Mine", "Theirs")]
    assert cli("zotero", "conflicts", "--resolve", rec.key, "--take", "remote").code == 0
    assert cli("show", rec.key, "--json").json()["title"] == "Theirs"
    report = cli("sync", "--json").json()
    assert report["ok"] and report["conflicts"] == []
    status = cli("zotero", "status", "--json").json()
    assert status["username"] == "Z User" and status["libraries"][0]["pendingChanges"] == 0
    assert api_key not in cli("zotero", "status").out


def test_collections_both_ways(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a, b = make_ctx("a"), make_ctx("b")
    state.put_collection(a.library, "user", "CQLLAAAA", 0, {"name": "Parent", "parentCollection": False, "relations": {}},
                         dirty=True, synced={})
    state.put_collection(a.library, "user", "CQLLBBBB", 0, {"name": "Child", "parentCollection": "CQLLAAAA", "relations": {}},
                         dirty=True, synced={})
    rec = article("In a collection")
    rec.data["collections"] = ["CQLLBBBB"]
    a.library.add(rec)
    report = sync(a, client=make_client())
    assert report.ok and report.libraries[0].collections_uploaded == 2 and report.libraries[0].uploaded == 1
    lib = zserver.library("user", USER_ID)
    assert lib.collections["CQLLBBBB"].data["parentCollection"] == "CQLLAAAA"
    sync(b, client=make_client())
    assert set(state.collection_rows(b.library, "user")) == {"CQLLAAAA", "CQLLBBBB"}
    assert b.library.get(rec.key).data["collections"] == ["CQLLBBBB"]
    # a collection deleted here is deleted there; Zotero drops the membership, which comes back to B
    with a.library.transaction():
        state.remove_collection(a.library, "user", "CQLLBBBB")
        state.log_deletion(a.library, "user", "CQLLBBBB", "collection")
    assert sync(a, client=make_client()).ok
    assert "CQLLBBBB" not in lib.collections
    sync(b, client=make_client())
    assert set(state.collection_rows(b.library, "user")) == {"CQLLAAAA"}
    assert b.library.get(rec.key).data["collections"] == []
    assert a.library.get(rec.key).data["collections"] == []
    assert_converged(zserver, a, b)


def test_deleting_a_parent_deletes_its_notes_everywhere(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a, b = make_ctx("a"), make_ctx("b")
    parent = article("Parent")
    a.library.add(parent)
    note = Record(data={"itemType": "note", "note": "<p>n</p>", "parentItem": parent.key, "tags": [], "collections": [],
                        "relations": {}})
    a.library.add(note)
    sync(a, client=make_client())
    sync(b, client=make_client())
    assert b.library.get(note.key).data["parentItem"] == parent.key
    a.library.remove(parent.key)
    sync(a, client=make_client())
    sync(b, client=make_client())
    assert server_items(zserver) == {}
    assert_converged(zserver, a, b)


def test_cancel_stops_before_the_next_request_and_resumes(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    import threading

    from refdesk.zotero.errors import SyncCancelledError
    from refdesk.zotero.sync import Progress

    a = make_ctx("a")
    a.library.add_many([article(f"P{i}") for i in range(120)])
    cancel = threading.Event()
    phases: list[Progress] = []

    def progress(p: Progress) -> None:
        phases.append(p)
        if p.phase == "uploading" and p.done >= 50:
            cancel.set()

    with pytest.raises(SyncCancelledError):
        sync(a, progress=progress, cancel=cancel, client=make_client())
    assert len(server_items(zserver)) == 50
    report = sync(a, client=make_client())
    assert report.ok and len(server_items(zserver)) == 120
    assert_converged(zserver, a)


def test_an_edit_made_while_its_batch_is_in_flight_is_not_lost(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a = make_ctx("a")
    rec = article("Before")
    a.library.add(rec)

    def edit_during_post(request: httpx2.Request, phase: str) -> None:
        if request.method == "POST" and phase == "received":
            r = a.library.get(rec.key)
            r.set("title", "Typed during the upload")
            a.library.save(r)

    client = make_client()
    client.transport.fault_hook = edit_during_post
    sync(a, client=client)
    assert server_items(zserver)[rec.key]["title"] == "Before"
    assert [i.key for i in state.dirty_items(a.library, "user")] == [rec.key]
    assert a.library.get(rec.key).title == "Typed during the upload"
    sync(a, client=make_client())
    assert server_items(zserver)[rec.key]["title"] == "Typed during the upload"
    assert_converged(zserver, a)


def test_a_server_that_is_not_zotero_gives_a_plain_error(make_ctx: Ctx, api_key: str, tmp_path: Any) -> None:
    from pytest_httpserver import HTTPServer
    from refdesk.zotero.errors import ZoteroError

    with HTTPServer(host="127.0.0.1") as other:
        other.expect_request("/keys/current").respond_with_data("<html>proxy login</html>", content_type="text/html")
        client = ZoteroClient(other.url_for("/").rstrip("/"), api_key, str(USER_ID), sleep=lambda s: None)
        with pytest.raises(ZoteroError) as err:
            sync(make_ctx("a"), client=client)
    assert api_key not in str(err.value) and "Zotero" in str(err.value)


def test_a_library_stays_bound_to_one_zotero_account(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    from refdesk.zotero.errors import ZoteroAuthError

    a = make_ctx("a")
    assert sync(a, client=make_client()).ok
    other_key = zserver.add_key(999, "Someone else")
    with pytest.raises(ZoteroAuthError, match="synced with Zotero user"):
        sync(a, client=ZoteroClient(zserver.url, other_key, "999", sleep=lambda s: None))


def test_a_long_backoff_stops_the_sync_and_holds_the_next_one(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    from refdesk.zotero.errors import ZoteroUnavailableError

    a = make_ctx("a")
    a.library.add(article("Waits"))
    zserver.inject("backoff", retry_after=600, path_contains="keys")
    report = sync(a, client=make_client())
    assert not report.ok and "pause for 600 s" in str(report.libraries[0].error)
    before = zserver.request_count()
    with pytest.raises(ZoteroUnavailableError, match="pause"):
        sync(a, client=make_client())
    assert zserver.request_count() == before  # not a single request while Zotero asked for a pause
    assert state.dirty_items(a.library, "user")  # nothing lost


def test_resent_batch_that_changed_nothing_does_not_loop(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    a = make_ctx("a")
    rec = article("Same")
    a.library.add(rec)
    sync(a, client=make_client())
    r = a.library.get(rec.key)  # an edit undone: dirty, but equal to the server's copy
    r.set("volume", "1")
    a.library.save(r)
    r.data.pop("volume")
    a.library.save(r)
    client = make_client()
    client.transport.fault_hook = kill_at(2, "received")  # the POST went through ("unchanged"), then the crash
    with pytest.raises(Killed):
        sync(a, client=client)
    report = sync(a, client=make_client())
    assert report.ok and report.requests <= 6
    assert_converged(zserver, a)


def test_a_download_keeps_search_pages_in_date_added_order(zserver: ZoteroServer, make_ctx: Ctx, make_client: Client) -> None:
    """Items come down in key order, not by date added; the ids they get follow date added all the same, so a
    search's page in that order still streams from the index, and is right."""
    a, b = make_ctx("a"), make_ctx("b")
    dates = [f"20{10 + (i * 7) % 13}-0{1 + i % 9}-01T00:00:00Z" for i in range(130)]
    records = [article(f"Peat {i}") for i in range(130)]
    for rec, added in zip(records, dates, strict=True):
        rec.data["dateAdded"] = added
    a.library.add_many(records)
    assert sync(a, client=make_client()).ok
    assert sync(b, client=make_client()).libraries[0].downloaded == 130
    assert b.library._ids_follow_added()
    pages = [b.library.rows(offset, 50, search="peat") for offset in (0, 50, 100)]
    got = [(row.date_added, row.title) for page in pages for row in page]
    assert [d for d, _ in got] == sorted(dates, reverse=True)
    assert sorted(t for _, t in got) == sorted(r.title for r in records)  # each once (ties: in the order they came)
