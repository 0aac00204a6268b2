"""The app at 900×600 (issue 14): nothing in the item pane is clipped, the table keeps Title and Creator readable,
the tag selector's two lists stay usable; checked by geometry (each label's size hint against the width it got)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QComboBox, QLabel, QLineEdit, QWidget
from refdesk.app import AppContext
from refdesk.model import Record

from tests.gui.conftest import make_record


def open_window(ctx: AppContext, qtbot: Any, width: int, height: int) -> Any:
    """A main window first shown at ``width``×``height`` (no saved state: a first start on a small screen)."""
    from refdesk.gui.main_window import MainWindow

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(width, height)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.column_fitter._seen)  # the table was painted
    return win


@pytest.fixture
def narrow(ctx: AppContext, qtbot: Any) -> Iterator[Any]:
    rec = make_record(1, title="Drivers of peatland methane in Yakutia", publicationTitle="Permafrost and Periglacial "
                      "Processes", volume="57", issue="7", extra="Original title: Факторы метана торфяников Якутии")
    rec.set("creators", [{"creatorType": "author", "lastName": "Novak", "firstName": "Petra"},
                         {"creatorType": "editor", "lastName": "Sergeev", "firstName": "Evgeny"}], "test")
    rec.add_tag("Peatland methane", automatic=True)
    rec.add_tag("to read")
    ctx.library.add_many([rec, *(make_record(n) for n in range(2, 8))])
    win = open_window(ctx, qtbot, 900, 600)
    win.select_keys([rec.key])
    qtbot.waitUntil(lambda: win.item_pane.record is not None and win.item_pane.record.key == rec.key)
    yield win
    win.pool.cancel_all()
    win.pool.wait(5000)
    win.close()


def clipped(root: QWidget, viewport: QWidget, placeholders: bool = True) -> list[str]:
    """The visible labels and buttons under ``root`` that are narrower than their text needs or reach past the
    right edge of ``viewport`` (what the user can see of them); with ``placeholders``, line edits whose
    placeholder is cut (Qt ends it in "…")."""
    found = []
    for w in root.findChildren(QWidget):
        if placeholders and isinstance(w, QLineEdit) and w.isVisibleTo(root) and not w.text() and w.placeholderText():
            room = w.width() - 12 - (w.height() if w.isClearButtonEnabled() else 0)  # frame, margins, clear button
            if w.fontMetrics().horizontalAdvance(w.placeholderText()) > room:
                found.append(f"QLineEdit {w.placeholderText()!r}: placeholder cut at {w.width()} px")
        if not w.isVisibleTo(root) or not isinstance(w, QLabel | QAbstractButton) or w.width() <= 0 \
                or isinstance(w.parent(), QLineEdit):  # a line edit's clear button is the line edit's business
            continue
        name = f"{type(w).__name__} {w.objectName() or (w.text() if hasattr(w, 'text') else '')!r}"
        if isinstance(w, QLabel) and w.wordWrap():
            if w.heightForWidth(w.width()) > w.height() + 1:
                found.append(f"{name}: {w.heightForWidth(w.width())} px tall text in {w.height()} px")
        elif hasattr(w, "full_text"):  # an ElidingCheckBox: its whole text, or a cut ending in "…", never mid-word
            if (w.text() != w.full_text and not w.text().endswith("…")) or QCheckBox.sizeHint(w).width() > w.width() + 1:
                found.append(f"{name}: shows {w.text()!r} in {w.width()} px")
        elif w.sizeHint().width() > w.width() + 1:
            found.append(f"{name}: needs {w.sizeHint().width()} px, has {w.width()}")
        right = w.mapTo(viewport, w.rect().topRight()).x() if viewport.isAncestorOf(w) else 0
        if right > viewport.width() + 1:
            found.append(f"{name}: reaches x={right}, the pane shows {viewport.width()} px")
    return found


def test_at_900_by_600_the_item_pane_clips_nothing(narrow: Any, qtbot: Any) -> None:
    from refdesk.gui.item_pane import _combo_width as combo_width

    pane = narrow.item_pane
    creators = pane.creators
    header = creators.horizontalHeader()
    # every column's header fits its column, and the columns fit the table (the Role column had a fixed width
    # that left "Last name" 44 px: "ast nam")
    for i in range(3):
        assert header.sectionSizeFromContents(i).width() <= header.sectionSize(i), creators.horizontalHeaderItem(i).text()
    assert sum(header.sectionSize(i) for i in range(3)) <= creators.viewport().width() + 1
    for r in range(creators.rowCount()):
        combo = creators.cellWidget(r, 0)
        assert isinstance(combo, QComboBox)
        assert combo_width(combo) <= header.sectionSize(0), combo.currentText()  # the role shown whole
        for c in (1, 2):
            item = creators.item(r, c)
            assert item is not None
            assert creators.fontMetrics().horizontalAdvance(item.text()) + 8 <= header.sectionSize(c), item.text()
    assert clipped(pane.scroller.widget(), pane.scroller.viewport()) == []


def test_creator_headers_are_whole_words_when_there_is_room(ctx: AppContext, qtbot: Any) -> None:
    rec = make_record(1)
    ctx.library.add(rec)
    win = open_window(ctx, qtbot, 1340, 820)
    win.select_keys([rec.key])
    qtbot.waitUntil(lambda: win.item_pane.record is not None)
    header = win.item_pane.creators.horizontalHeader()
    labels = [win.item_pane.creators.horizontalHeaderItem(i).text() for i in range(3)]
    assert labels == ["Role", "Last name", "First name"]
    assert all(header.sectionSizeFromContents(i).width() <= header.sectionSize(i) for i in range(3))
    # a longer role widens the Role column to show it whole
    combo = win.item_pane.creators.cellWidget(0, 0)
    assert isinstance(combo, QComboBox)
    before = header.sectionSize(0)
    combo.setCurrentIndex(combo.findData("reviewedAuthor"))
    assert header.sectionSize(0) > before
    assert combo.currentText() == "Reviewed Author"
    assert win.item_pane.record is not None and win.item_pane.record.creators[0]["creatorType"] == "reviewedAuthor"
    win.close()


def test_a_window_first_opened_at_900_by_600_shows_title_and_creator(narrow: Any) -> None:
    # no saved widths: the default ones left Title 26 px wide until the window was resized
    header = narrow.table.horizontalHeader()
    fitter = narrow.column_fitter
    assert header.sectionSize(0) >= 200
    assert header.sectionSize(1) >= fitter.floor(1)  # Creator keeps at least its header's width
    left, centre, right = narrow.splitter.sizes()
    assert centre >= narrow.splitter.centre_min - 10 and left < 180 and right < 360  # the side panes gave way


@pytest.mark.parametrize("size", [(900, 600), (1340, 820)])
def test_both_tag_lists_are_usable(ctx: AppContext, qtbot: Any, size: tuple[int, int]) -> None:
    from refdesk.gui.tag_selector import MIN_ROWS, rows_height

    recs = [make_record(n) for n in range(12)]
    for n, rec in enumerate(recs):
        rec.add_tag(f"Subject {n}", automatic=True)
        rec.add_tag(f"topic {n % 4}")
    ctx.library.add_many(recs)
    win = open_window(ctx, qtbot, *size)
    selector = win.tag_selector.selector
    qtbot.waitUntil(lambda: win.tag_selector.settled() and len(selector.visible_tags(automatic=True)) == 12)
    qtbot.waitUntil(lambda: selector.automatic.height() >= rows_height(selector.automatic, MIN_ROWS))
    for view in (selector.manual, selector.automatic):  # each list shows at least MIN_ROWS rows of tags
        assert view.isVisible() and view.viewport().height() >= MIN_ROWS * view.sizeHintForRow(0), view.objectName()
    # the typed tags (four) are all in sight, the automatic ones at least two rows of them
    first = selector.manual.visualItemRect(selector.manual.item(0))
    last = selector.manual.visualItemRect(selector.manual.item(selector.manual.count() - 1))
    assert first.top() >= 0 and last.bottom() <= selector.manual.viewport().height()
    # half the left pane at first: the library tree keeps room for its rows, the tags are not squeezed under it
    tree, tags = win.tag_selector.left.sizes()
    assert tags >= tree - 2 and tree >= 5 * win.sources.sizeHintForRow(0)
    assert clipped(selector, selector, placeholders=False) == []  # ("Filter tags" reads "Filter…" at 110 px)
    if size == (900, 600):  # the left pane gave way to 110 px: "Display Automatic" is shortened, not cut mid-word
        assert selector.show_automatic.text().endswith("…")
    else:
        assert selector.show_automatic.text() == "Display Automatic"
    win.close()


def test_the_line_between_the_tag_lists_moves_and_is_remembered(ctx: AppContext, qtbot: Any) -> None:
    rec = make_record(1)
    rec.add_tag("Soil science", automatic=True)
    rec.add_tag("to read")
    ctx.library.add(rec)
    win = open_window(ctx, qtbot, 1340, 820)
    lists = win.tag_selector.selector.lists
    qtbot.waitUntil(lambda: win.tag_selector.settled() and lists.widget(1).isVisible())
    top, _bottom = lists.sizes()
    lists.moveSplitter(top - 30, 1)  # as a drag of the handle does
    moved = lists.sizes()
    assert moved[0] == top - 30
    win.close()
    again = open_window(ctx, qtbot, 1340, 820)
    lists = again.tag_selector.selector.lists
    qtbot.waitUntil(lambda: again.tag_selector.settled() and lists.widget(1).isVisible())
    assert lists.sizes() == moved
    again.close()


def test_a_collection_name_cut_in_a_narrow_tree_is_whole_in_its_tooltip(ctx: AppContext, qtbot: Any) -> None:
    from PySide6.QtCore import Qt
    from refdesk.gui.sources_pane import SourceRole
    from refdesk.library.collections import create_collection

    made = create_collection(ctx.library, "Reading list for the autumn term")
    win = open_window(ctx, qtbot, 900, 600)
    win.refresh_sources()
    tree = win.sources
    library = tree.topLevelItem(0)
    node = next(library.child(i) for i in range(library.childCount()) if library.child(i).data(0, SourceRole)[1] == made.key)
    rect = tree.visualItemRect(node)
    assert tree.fontMetrics().horizontalAdvance(node.text(0)) > tree.viewport().width() - rect.left()  # cut here
    assert node.toolTip(0).splitlines()[0] == "Reading list for the autumn term"
    assert node.data(0, Qt.ItemDataRole.ToolTipRole).startswith("Reading list for the autumn term\n")
    win.close()


def test_the_tag_lists_share_the_height_by_their_tags(ctx: AppContext, qtbot: Any) -> None:
    recs = [make_record(n) for n in range(10)]
    for n, rec in enumerate(recs):
        rec.add_tag(f"Subject number {n}", automatic=True)
    recs[0].add_tag("to read")
    ctx.library.add_many(recs)
    win = open_window(ctx, qtbot, 1340, 820)
    selector = win.tag_selector.selector
    qtbot.waitUntil(lambda: win.tag_selector.settled() and len(selector.visible_tags(automatic=True)) == 10)
    typed, automatic = selector.lists.sizes()
    assert automatic > 2 * typed  # one typed tag over ten automatic ones: the ten get the room
    assert selector.manual.viewport().height() >= selector.manual.sizeHintForRow(0) * 2
    win.close()


def test_at_900_by_600_the_several_items_pane_clips_nothing(narrow: Any, ctx: AppContext, qtbot: Any) -> None:
    keys = [narrow.model.key_at(r) for r in range(3)]
    narrow.select_keys([k for k in keys if k])
    pane = narrow.selection_pane
    qtbot.waitUntil(lambda: pane.isVisible())
    assert clipped(pane, pane) == []


def test_a_note_with_a_long_first_line_leaves_the_table_its_room(ctx: AppContext, qtbot: Any) -> None:
    from refdesk.gui.child_items import reveal_child

    paper = make_record(1, title="Drivers of peatland methane in Siberia")
    ctx.library.add(paper)
    note = Record(data={"itemType": "note", "parentItem": paper.key, "tags": [], "collections": [], "relations": {},
                        "note": ""})
    ctx.library.add(note)
    win = open_window(ctx, qtbot, 900, 600)
    centre = win.splitter.sizes()[1]
    reveal_child(win, paper.key, note.key)
    editor = win.side.note_editor
    qtbot.waitUntil(lambda: editor.isVisible())
    editor.edit.setFocus()
    qtbot.keyClicks(editor.edit, "Chamber fluxes were measured weekly; compare with the eddy covariance record")
    assert editor.save()  # (the heading shows the note's first line once it is saved)
    assert editor.heading.text().startswith("Note: Chamber"), editor.heading.text()
    qtbot.waitUntil(lambda: editor.heading.height() >= editor.heading.heightForWidth(editor.heading.width()))
    assert win.splitter.sizes()[1] >= centre - 2  # the right pane did not grow to the heading's width
    assert clipped(editor, editor) == []
    win.close()
