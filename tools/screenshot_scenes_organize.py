"""Screenshot scene of issue 14's collections, tag selector and child items (run by tools/screenshots.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication


def collections_tags_scene(ctx: Any, window: Any, grab: Callable[[Any, str], Path]) -> None:
    """A collection with its subcollection's items shown, a tag picked in the tag selector, an item's notes and PDF
    open under it, and a note in the editor."""
    from refdesk.model import Record

    lib = ctx.library
    window.collections_ui.act_subcollections.setChecked(True)
    item = window.sources.item_of(("user", "PEATLND2"))
    window.sources.setCurrentItem(item)
    QApplication.processEvents()
    parent = window.model.key_at(0)
    if parent:
        base = {"tags": [], "collections": [], "relations": {}, "parentItem": parent}
        lib.add(Record(data={"itemType": "attachment", "title": "Full Text PDF", "contentType": "application/pdf",
                             "linkMode": "imported_file", **base}))
        lib.add(Record(data={"itemType": "note", "note": "<h2>Methods</h2><p>Chamber fluxes, <b>three</b> campaigns; "
                             "compare with the eddy covariance record.</p><ul><li>check the 2019 gap</li></ul>", **base}))
        window.refresh_table([])
    selector = window.tag_selector
    for _ in range(300):  # the tags are counted in a worker
        if selector.settled():
            break
        QApplication.processEvents()
        time.sleep(0.01)
    selector.selector.select(["to read"])
    QApplication.processEvents()
    if window.model.rowCount() and window.model.tree_state(0) > 0:
        window.model.expand(0)
        window.table.selectRow(2)
    grab(window, "collections-and-tags.png")
    window.collections_ui.act_subcollections.setChecked(False)
    selector.selector.deselect_all()
