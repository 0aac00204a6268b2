"""One ``changed`` signal (issue 17, item 4) and the GUI's reads through named core methods (item 5)."""

from __future__ import annotations

from typing import Any

from refdesk.app import AppContext
from refdesk.gui.changes import Changes
from refdesk.library import status
from refdesk.model import Record
from refdesk.zotero import account

from tests.gui.conftest import make_record, wait_done


def heard(window: Any) -> list[Changes]:
    got: list[Changes] = []
    window.changed.connect(got.append)
    return got


def test_a_job_tells_the_window_once_and_every_pane_follows(records: list[Record], window: Any, qtbot: Any,
                                                             ctx: AppContext) -> None:
    got = heard(window)
    window.select_keys([records[0].key, records[1].key])
    window.selection_pane.tag_input.setText("peat")
    window.selection_pane.tag_button.click()
    qtbot.waitUntil(lambda: any(c.tags for c in got), timeout=20000)
    told = [c for c in got if c.items]
    assert len(told) == 1 and told[0].items == {records[0].key, records[1].key} and told[0].tags
    assert any(c.jobs == {"tag"} for c in got)  # the job's start and end are changes too
    assert sorted(window.selected_keys()) == sorted([records[0].key, records[1].key])  # selected again after


def test_panes_listen_to_changed(records: list[Record], window: Any, ctx: AppContext) -> None:
    """Each pane re-reads on the kind of change that concerns it, whoever made it."""
    from refdesk.library.collections import create_collection

    assert window.sources.item_of(("user", "NEWCOLL1")) is None
    made = create_collection(ctx.library, "Made by the CLI")
    window.notify(collections=True)
    assert window.sources.item_of(("user", made.key)) is not None
    ctx.library.add(make_record(99))
    before = window.model.rowCount()
    window.notify(Changes.of(["whatever"]))
    assert window.model.rowCount() == before + 1
    assert window.act_review.iconText() == "Review"
    ctx.library.execute("INSERT INTO suggestions(item_key, plugin, field, value, value_key, source, created)"
                        " VALUES (?, 'x', 'volume', '5', '5', 'X', '2026-01-01')", (records[0].key,))
    window.notify(suggestions=True)
    assert window.act_review.iconText() == "Review (1)"


def test_the_status_bar_counts_what_zotero_status_counts(records: list[Record], window: Any, ctx: AppContext) -> None:
    ctx.settings.zotero_user_id = "475425"
    ctx.library.remove(records[0].key)  # a deletion waiting in the journal is a change to upload too
    window.notify(sync=True)
    st = account.status(ctx)["libraries"][0]
    assert window.sync_status().pending == st["pendingChanges"] + st["pendingDeletions"] > len(records) - 1
    assert f"{window.sync_status().pending:,} changes to upload" in window.sync_label.text()


def test_sync_state_while_syncing_comes_from_the_jobs(window: Any, qtbot: Any, ctx: AppContext) -> None:
    """The Sync action is off while a job called "sync" runs, and back after, without the sync module touching it."""
    import threading

    release = threading.Event()
    worker = window.run_job(lambda task: release.wait(10), name="sync")
    assert window.is_running("sync") and not window.act_sync.isEnabled()
    release.set()
    wait_done(qtbot, worker)
    assert not window.is_running("sync") and window.act_sync.isEnabled()


def test_status_reads(ctx: AppContext) -> None:
    assert status.library_names(ctx.library) == {"user": ""}
    ctx.library.add(make_record(1), library_id="group:7")
    assert list(status.library_names(ctx.library)) == ["user", "group:7"]
    assert status.sync_status(ctx.library, []) == status.SyncStatus(None, 0, 0, 0)
    assert status.pending_suggestions(ctx.library) == 0


def test_a_broken_dialog_module_is_an_error_not_a_missing_feature(window: Any, monkeypatch: Any) -> None:
    """An ImportError inside a dialog module is a bug: it is raised, not shown as "not available in this build"."""
    import sys

    import pytest

    monkeypatch.setitem(sys.modules, "refdesk.gui.sync_ui", None)  # importing it raises ImportError
    with pytest.raises(ImportError):
        window.open_account_dialog()
