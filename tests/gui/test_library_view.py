"""The item table: lazy paging, sorting, search as you type, selection shows the item."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from refdesk.app import AppContext
from refdesk.gui.library_model import COLUMNS, PAGE, LibraryModel
from refdesk.model import Record

from tests.gui.conftest import make_record, wait_done


def test_model_reads_only_the_pages_it_shows(ctx: AppContext, qtbot: Any) -> None:
    ctx.library.add_many([make_record(n) for n in range(PAGE * 5 + 7)])
    model = LibraryModel(ctx.library)
    assert model.rowCount() == PAGE * 5 + 7
    assert model.page_reads == 0
    first = model.data(model.index(0, 0))
    assert first and first.startswith("Article number")
    assert model.page_reads == 1
    last = model.index(model.rowCount() - 1, 1)
    assert model.data(last).startswith("Author")
    assert model.page_reads == 2


def test_model_sorts_in_sql(ctx: AppContext, qtbot: Any) -> None:
    ctx.library.add_many([make_record(n, title=t) for n, t in enumerate(["beta", "Alpha", "gamma"])])
    model = LibraryModel(ctx.library)
    title_col = [c.name for c in COLUMNS].index("title")
    model.sort(title_col, Qt.SortOrder.AscendingOrder)
    assert [model.data(model.index(r, title_col)) for r in range(3)] == ["Alpha", "beta", "gamma"]
    model.sort(title_col, Qt.SortOrder.DescendingOrder)
    assert [model.data(model.index(r, title_col)) for r in range(3)] == ["gamma", "beta", "Alpha"]


def test_window_lists_records_and_shows_the_selected_one(records: list[Record], window: Any, qtbot: Any) -> None:
    assert window.model.rowCount() == len(records)
    assert "30 items" in window.count_label.text()
    window.select_keys([records[0].key])
    qtbot.waitUntil(lambda: window.item_pane.record is not None and window.item_pane.record.key == records[0].key)
    pane = window.item_pane
    assert pane.title_edit.text() == records[0].title
    assert pane.editors["publicationTitle"].text() == "Journal of Test Ecology"
    assert pane.creators.rowCount() == 2
    tags = {pane.tags.item(i).text(): pane.tags.item(i).data(Qt.ItemDataRole.UserRole + 1) for i in range(pane.tags.count())}
    assert tags == {"⚙ Soil science": True, "to read": False}
    assert "https://doi.org/10.5555/test.0" in pane.links.text()


def test_search_filters_as_you_type(records: list[Record], window: Any, qtbot: Any) -> None:
    window.focus_search()
    qtbot.keyClicks(window.search, "author007")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    assert window.model.key_at(0) == records[7].key
    assert "1 matching" in window.count_label.text()
    window.search.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == len(records), timeout=5000)
    qtbot.keyClicks(window.search, "soil")  # every title
    qtbot.waitUntil(lambda: window.model.search == "soil", timeout=5000)
    assert window.model.rowCount() == len(records)
    qtbot.keyClicks(window.search, " scien")  # only the automatic tag of the first record
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    assert window.model.key_at(0) == records[0].key
    qtbot.keyClicks(window.search, "x")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=5000)


def test_a_search_with_many_matches_is_counted_in_the_background(ctx: AppContext, qtbot: Any) -> None:
    from refdesk.gui.main_window import MainWindow

    n = PAGE * 2 + 5
    ctx.library.add_many([make_record(i) for i in range(n)])
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    reads = win.model.page_reads
    win.search.setText("boreal")
    win.apply_search()
    # The keystroke read one page and counted nothing: a full page shows as "100+".
    assert win.model.page_reads == reads + 1 and win.model.counter.counts == 0
    assert not win.model.exact and win.model.rowCount() == PAGE
    assert "100+ matching" in win.count_label.text()
    win.select_keys([win.model.key_at(3)])
    chosen = win.model.key_at(3)
    qtbot.waitUntil(lambda: win.model.exact, timeout=5000)
    assert win.model.rowCount() == n and f"{n} matching" in win.count_label.text()
    assert win.selected_keys() == [chosen]  # the count added rows; it did not reset the table
    assert win.model.key_at(n - 1) is not None
    win.close()


def test_typing_fast_counts_only_the_last_search(ctx: AppContext, qtbot: Any) -> None:
    from refdesk.gui.main_window import MainWindow

    ctx.library.add_many([make_record(i) for i in range(PAGE + 20)])
    ctx.library.add_many([make_record(i, title=f"Peat bog number {i}") for i in range(PAGE + 40, PAGE * 2 + 40)])
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    for text in ("a", "ar", "art", "arti", "artic", "articl", "article"):  # every record but the peat bogs
        win.search.setText(text)
        win.apply_search()
    win.search.setText("number")  # all of them
    win.apply_search()
    qtbot.waitUntil(lambda: win.model.exact, timeout=5000)
    assert win.model.rowCount() == PAGE * 2 + 20
    assert win.model.counter.counts == 1
    win.search.setText("peat number 1")  # a short list: the first page is the count
    win.apply_search()
    assert win.model.exact and win.model.rowCount() == ctx.library.count("peat number 1") == 60  # bogs 140-199
    win.close()


def test_a_search_with_the_same_first_page_keeps_the_table(ctx: AppContext, qtbot: Any) -> None:
    from refdesk.gui.main_window import MainWindow

    ctx.library.add_many([make_record(i, title=f"Pearl river number {i}") for i in range(100)])
    ctx.library.add_many([make_record(i, title=f"Peat bog number {i}") for i in range(100, 250)])  # newer: on top
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    resets: list[int] = []
    win.model.modelReset.connect(lambda: resets.append(1))
    win.search.setText("pea")
    win.apply_search()
    qtbot.waitUntil(lambda: win.model.exact, timeout=5000)
    assert len(resets) == 1 and win.model.rowCount() == 250
    win.select_keys([win.model.key_at(2)])
    chosen = win.model.key_at(2)
    qtbot.waitUntil(lambda: win.item_pane.record is not None and win.item_pane.record.key == chosen)
    win.search.setText("peat")  # the same hundred bogs first, a hundred pearls fewer
    win.apply_search()
    assert len(resets) == 1 and "100+ matching" in win.count_label.text()
    assert win.selected_keys() == [chosen] and win.item_pane.record is not None and win.item_pane.record.key == chosen
    qtbot.waitUntil(lambda: win.model.exact, timeout=5000)
    assert len(resets) == 1 and win.model.rowCount() == 150 and "150 matching" in win.count_label.text()
    assert [win.model.key_at(r) for r in range(150)] == [r.key for r in ctx.library.rows(0, 150, search="peat")]
    win.search.setText("peat bog number 24")  # the first page changes: the table is reset
    win.apply_search()
    assert len(resets) == 2 and win.model.exact and win.model.rowCount() == 10  # bogs 240-249
    assert win.item_pane.record is None
    win.close()


def test_a_search_resets_the_table_when_it_shows_rows_past_the_first_page(ctx: AppContext, qtbot: Any) -> None:
    from refdesk.gui.main_window import MainWindow

    ctx.library.add_many([make_record(i) for i in range(PAGE * 3)])
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    win.search.setText("boreal")
    win.apply_search()
    qtbot.waitUntil(lambda: win.model.exact, timeout=5000)
    win.table.scrollToBottom()
    qtbot.waitUntil(lambda: win.table.rowAt(0) > PAGE)
    resets: list[int] = []
    win.model.modelReset.connect(lambda: resets.append(1))
    win.search.setText("boreal soil")  # the same first page, but rows past it are on screen
    win.apply_search()
    assert resets == [1]
    win.close()


def test_columns_and_splitter_are_remembered(records: list[Record], ctx: AppContext, qtbot: Any) -> None:
    from refdesk.gui.main_window import MainWindow

    year = [c.name for c in COLUMNS].index("year")
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    win.set_column_visible(year, False)
    win.table.horizontalHeader().resizeSection(1, 233)
    win.close()
    again = MainWindow(ctx)
    qtbot.addWidget(again)
    again.show()
    assert again.table.horizontalHeader().isSectionHidden(year)
    assert again.table.horizontalHeader().sectionSize(1) == 233
    again.close()


def test_enter_starts_editing_and_delete_moves_to_the_trash(records: list[Record], window: Any, qtbot: Any, ctx: AppContext) -> None:
    window.select_keys([records[3].key])
    window.table.setFocus()
    qtbot.waitUntil(lambda: window.table.hasFocus())
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.item_pane.title_edit.hasFocus())
    window.table.setFocus()
    wait_done(qtbot, window.delete_selected(confirm=False))
    assert ctx.library.get(records[3].key).trashed  # Delete moves to the Trash, as in Zotero
    assert records[3].key not in ctx.library.keys(trash=False)
    assert window.model.rowCount() == len(records) - 1


def test_collections_in_the_left_pane_filter_the_table(ctx: AppContext, qtbot: Any) -> None:
    from refdesk.gui.main_window import MainWindow

    recs = [make_record(n) for n in range(6)]
    for r in recs[:2]:
        r.data["collections"] = ["COLLAAAA"]
    recs[2].data["collections"] = ["COLLBBBB"]
    ctx.library.add_many(recs)
    ctx.library.execute(
        "INSERT INTO collections(key, library_id, name, parent_key, data) VALUES "
        "('COLLAAAA', 'user', 'Peatlands', NULL, '{}'), ('COLLBBBB', 'user', 'Methane', 'COLLAAAA', '{}')")
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    mine = win.sources.topLevelItem(0)
    assert mine.text(0) == "My Library" and mine.child(0).text(0) == "Peatlands"
    assert mine.child(0).child(0).text(0) == "Methane"
    win.sources.setCurrentItem(mine.child(0))
    assert win.model.rowCount() == 2 and {win.model.key_at(i) for i in range(2)} == {recs[0].key, recs[1].key}
    win.sources.setCurrentItem(mine.child(0).child(0))
    assert win.model.rowCount() == 1 and win.model.key_at(0) == recs[2].key
    win.sources.setCurrentItem(mine)
    assert win.model.rowCount() == 6
    win.close()


def test_changing_library_during_a_search_counts_in_the_background(ctx: AppContext, qtbot: Any) -> None:
    from refdesk.gui.main_window import MainWindow

    ctx.library.add_many([make_record(i) for i in range(PAGE + 30)])
    ctx.library.add_many([make_record(i) for i in range(1000, 1000 + PAGE + 5)], library_id="group:51240")
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    win.search.setText("boreal")
    win.apply_search()
    qtbot.waitUntil(lambda: win.model.exact, timeout=5000)
    assert win.model.rowCount() == 2 * PAGE + 35
    counts = win.model.counter.counts if win.model.counter else 0
    win.model.set_library("group:51240")
    assert not win.model.exact and win.model.rowCount() == PAGE  # the first page now, the count after
    qtbot.waitUntil(lambda: win.model.exact, timeout=5000)
    assert win.model.rowCount() == PAGE + 5 and win.model.counter is not None and win.model.counter.counts == counts + 1
    win.close()


def test_delete_with_nothing_selected_says_so_and_the_last_item_can_go(
    records: list[Record], window: Any, qtbot: Any, ctx: AppContext
) -> None:
    window.table.clearSelection()
    assert window.delete_selected(confirm=False) is None
    assert "Select the items to delete" in window.job_label.text() and ctx.library.count() == len(records)
    window.search.setText("Article number 7 about")
    window.apply_search()
    window.select_keys([records[7].key])
    wait_done(qtbot, window.delete_selected(confirm=False))
    assert ctx.library.get(records[7].key).trashed and window.count_label.text() == "0 matching"
    window.search.setText("")
    window.apply_search()
    window.table.selectAll()
    wait_done(qtbot, window.delete_selected(confirm=False))
    assert ctx.library.count() == 0 and window.model.rowCount() == 0 and window.item_pane.record is None
    assert "Your library is empty" in window.table.empty_text


def test_the_trash_lists_trashed_items_restores_them_and_deletes_for_good(
    records: list[Record], window: Any, qtbot: Any, ctx: AppContext
) -> None:
    window.select_keys([records[1].key, records[2].key, records[3].key])
    wait_done(qtbot, window.delete_selected(confirm=False))
    window.refresh_sources()
    mine = window.sources.topLevelItem(0)
    trash = next(mine.child(i) for i in range(mine.childCount()) if mine.child(i).text(0).startswith("Trash"))
    window.sources.setCurrentItem(trash)
    assert window.sources.in_trash() and window.act_restore.isEnabled()
    assert window.act_delete.text().replace("&", "") == "Delete Permanently…"
    assert window.model.rowCount() == 3
    window.select_keys([records[1].key])
    wait_done(qtbot, window.restore_selected())
    assert not ctx.library.get(records[1].key).trashed and window.model.rowCount() == 2
    window.select_keys([records[2].key])
    wait_done(qtbot, window.delete_selected(confirm=False))
    assert records[2].key not in ctx.library.keys(trash=None) and window.model.rowCount() == 1
    wait_done(qtbot, window.empty_trash(confirm=False))
    assert records[3].key not in ctx.library.keys(trash=None) and window.model.rowCount() == 0
    assert window.table.empty_text == "The Trash is empty."
    assert window.empty_trash(confirm=False) is None and "already empty" in window.job_label.text()
    window.sources.setCurrentItem(mine)
    assert not window.act_restore.isEnabled() and window.model.rowCount() == len(records) - 2
