"""Zotero from the window, against the local Web API emulator: account dialog, Sync, conflicts side by side."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from refdesk.app import AppContext
from refdesk.zotero import credentials

from tests.gui.conftest import wait_done
from tests.servers.zotero import ZoteroServer
from tests.zotero_fixtures import USER_ID, MemoryKeyring, zotero_emulator


@pytest.fixture
def zserver(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[ZoteroServer]:
    with zotero_emulator(monkeypatch) as server:
        ctx.settings.zotero_api_url = server.url
        yield server


def _login(window: Any, qtbot: Any, key: str) -> Any:
    dlg = window.open_account_dialog()
    assert "Not connected" in dlg.state.text()
    dlg.user_id.setText(str(USER_ID))
    qtbot.keyClicks(dlg.api_key, key)
    with qtbot.waitSignal(dlg.logged_in, timeout=15000):
        dlg.verify_button.click()
        qtbot.waitUntil(lambda: dlg.worker is None, timeout=15000)
        assert not dlg.message.property("error"), dlg.message.text()
    return dlg


def _sync(window: Any, qtbot: Any) -> Any:
    from refdesk.gui.sync_ui import start_sync

    worker = start_sync(window)
    assert worker is not None
    wait_done(qtbot, worker, 30000)
    return worker


def test_account_dialog_verifies_and_keeps_the_key_only_in_the_keyring(
    window: Any, qtbot: Any, ctx: AppContext, zserver: ZoteroServer, memory_keyring: MemoryKeyring
) -> None:
    key = zserver.add_key(USER_ID, "alice")
    dlg = _login(window, qtbot, key)
    assert dlg.api_key.text() == ""
    assert "alice" in dlg.state.text() and "stored in the OS keyring" in dlg.state.text()
    assert credentials.load_key(str(USER_ID)) == key
    assert ctx.settings.zotero_user_id == str(USER_ID)
    dlg.reject()
    again = window.open_account_dialog()
    assert again.api_key.text() == "" and key not in again.state.text()
    again.reject()


def test_a_wrong_key_is_refused_readably(
    window: Any, qtbot: Any, zserver: ZoteroServer, memory_keyring: MemoryKeyring
) -> None:
    zserver.add_key(USER_ID, "alice")
    dlg = window.open_account_dialog()
    dlg.user_id.setText(str(USER_ID))
    dlg.api_key.setText("not-a-real-key")
    dlg.verify_button.click()
    qtbot.waitUntil(lambda: dlg.worker is None and bool(dlg.message.text()) and "Checking" not in dlg.message.text(),
                    timeout=15000)
    assert "Traceback" not in dlg.message.text() and dlg.message.property("error")
    assert memory_keyring.store == {}
    dlg.reject()


def test_sync_uploads_then_a_conflict_is_settled_side_by_side(
    records: list[Any], window: Any, qtbot: Any, ctx: AppContext, zserver: ZoteroServer, memory_keyring: MemoryKeyring
) -> None:
    key = zserver.add_key(USER_ID, "alice")
    _login(window, qtbot, key).reject()
    _sync(window, qtbot)
    lib = zserver.library("user", USER_ID)
    remote = zserver.item_data(lib)
    assert set(remote) == {r.key for r in records}
    assert window.sync_label.text().startswith("Last sync: ") and "to upload" not in window.sync_label.text()
    assert "uploaded" in window.job_label.text()

    target = records[0].key
    changed = dict(remote[target], key=target, version=lib.items[target].version, title="Title changed in Zotero")
    changed.pop("dateModified", None)
    assert zserver.put_items(lib, [changed])["failed"] == {}
    window.select_keys([target])
    qtbot.waitUntil(lambda: window.item_pane.record is not None and window.item_pane.record.key == target)
    window.item_pane.set_field("title", "Title changed in refdesk")
    assert window.sync_label.text().endswith("· 1 change to upload")
    _sync(window, qtbot)
    dlg = window.dialogs["conflicts"]
    assert dlg.isVisible() and "conflict" in window.job_label.text()
    assert dlg.findChild(object, f"value:local:{target}:title").text() == "Title changed in refdesk"
    assert dlg.findChild(object, f"value:remote:{target}:title").text() == "Title changed in Zotero"
    dlg.findChild(object, f"remote:{target}:title").click()
    dlg.apply_button.click()
    assert ctx.library.get(target).title == "Title changed in Zotero"
    assert dlg.conflicts == [] and not dlg.apply_button.isEnabled()
    dlg.reject()


def test_sync_without_an_account_opens_the_account_dialog(window: Any, qtbot: Any) -> None:
    from refdesk.gui.sync_ui import start_sync

    assert start_sync(window) is None
    assert "Connect to Zotero first" in window.job_label.text()
    assert window.dialogs["account"].isVisible()
    window.dialogs["account"].reject()
