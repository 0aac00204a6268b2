"""File → Back Up Library… / Restore from Backup…, Help → Check Library, and the app's daily backup."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox
from refdesk.app import AppContext
from refdesk.gui import library_safety
from refdesk.library import backup as backups
from refdesk.model import Record

from tests.gui.conftest import make_record, wait_done


def test_the_menus_offer_backup_restore_and_check(records: list[Record], window: Any) -> None:
    menus = {m.title(): [a.text() for a in m.actions()] for m in
             (a.menu() for a in window.menuBar().actions()) if m is not None}
    assert "&Back Up Library…" in menus["&File"] and "&Restore from Backup…" in menus["&File"]
    assert menus["&File"][-1] == "&Quit"
    assert menus["&Help"][0] == "&Check Library"
    assert window.safety.timer.isActive()  # the daily backup waits, startup stays fast


def test_back_up_then_restore_with_the_app_open(records: list[Record], window: Any, ctx: AppContext, qtbot: Any) -> None:
    folder = backups.backup_folder(ctx.library_path)
    worker = library_safety.back_up(window, str(folder / "library-20261205-093000.sqlite"))
    wait_done(qtbot, worker)
    made = backups.backups(ctx.library_path)
    assert len(made) == 1  # into the rotation, named by the time it was made
    ctx.library.add_many([make_record(100 + n) for n in range(5)])
    window.refresh_table()
    assert window.model.rowCount() == 35

    def confirm() -> None:
        box = window.dialogs.get("restoreConfirm")
        if box is None or not box.isVisible():
            QTimer.singleShot(50, confirm)
            return
        confirm.text = box.text()  # type: ignore[attr-defined]
        next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole).click()

    QTimer.singleShot(50, confirm)
    worker = library_safety.restore_from_backup(window, str(made[0].path))
    wait_done(qtbot, worker)
    assert "(30 items)" in confirm.text  # type: ignore[attr-defined]
    assert "Restored the backup" in window.job_label.text(), window.job_label.text()
    assert window.model.rowCount() == 30
    assert [p for p in ctx.library_path.parent.iterdir() if ".replaced-" in p.name]
    ctx.library.add(make_record(200))  # the app's connections work again
    window.refresh_table()
    assert window.model.rowCount() == 31


def test_restore_refused_while_another_process_holds_the_library(records: list[Record], window: Any, ctx: AppContext,
                                                                   qtbot: Any) -> None:
    good = backups.make_backup(ctx.library_path)
    ctx.library.add(make_record(300))
    holder = subprocess.Popen([sys.executable, "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);"
                               " c.execute('SELECT count(*) FROM items').fetchone(); print('holding', flush=True);"
                               " sys.stdin.readline()", str(ctx.library_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        worker = library_safety.restore_from_backup(window, str(good), confirm=False)
        wait_done(qtbot, worker)
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    assert "is open in another program" in window.last_error
    window.refresh_table()
    assert window.model.rowCount() == 31  # untouched, and the window reads it again
    assert not [p for p in ctx.library_path.parent.iterdir() if ".replaced-" in p.name or ".restoring" in p.name]


def test_a_backup_that_is_not_a_library_is_refused_in_words(records: list[Record], window: Any, tmp_path: Path,
                                                            qtbot: Any) -> None:
    junk = tmp_path / "notes.sqlite"
    junk.write_text("shopping list\n" * 50)
    wait_done(qtbot, library_safety.restore_from_backup(window, str(junk), confirm=False))
    assert "not a refdesk backup" in window.last_error
    assert window.model.rowCount() == 30


def test_check_library_finds_a_damaged_search_index_and_repairs_it(records: list[Record], window: Any, ctx: AppContext,
                                                                   qtbot: Any) -> None:
    conn = sqlite3.connect(ctx.library_path)
    block_id, size = conn.execute("SELECT id, length(block) FROM items_fts_data WHERE id > 10 ORDER BY id DESC LIMIT 1").fetchone()
    conn.execute("UPDATE items_fts_data SET block = ? WHERE id = ?", (b"\x07" * size, block_id))
    conn.commit()
    conn.close()
    dlg = library_safety.open_check_dialog(window)
    assert dlg.worker is not None
    wait_done(qtbot, dlg.worker)
    assert dlg.summary.text().startswith("1 problem found")
    assert "The search index is damaged" in dlg.details.toPlainText()
    assert dlg.repair_button.isEnabled()
    dlg.repair_button.click()
    wait_done(qtbot, dlg.worker)
    assert dlg.summary.text().startswith("No problems found"), dlg.details.toPlainText()
    assert "Repaired: rebuilt the search index (30 records)" in dlg.details.toPlainText()
    assert not dlg.repair_button.isEnabled()
    assert len(backups.backups(ctx.library_path)) == 1
    window.search.setText("boreal")
    window.apply_search()
    assert window.model.rowCount() == 30


def test_the_daily_backup_runs_in_the_background(records: list[Record], window: Any, ctx: AppContext, qtbot: Any) -> None:
    worker = library_safety._auto_backup(window, window.safety.timer)
    wait_done(qtbot, worker)
    assert len(backups.backups(ctx.library_path)) == 1
    assert window.safety.timer.interval() == library_safety.AUTO_BACKUP_EVERY_MS
    wait_done(qtbot, library_safety._auto_backup(window, window.safety.timer))
    assert len(backups.backups(ctx.library_path)) == 1  # not due again within the day
