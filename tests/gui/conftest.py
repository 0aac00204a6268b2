"""Fixtures for the desktop app's tests: Qt offscreen, a library with records, the main window."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from refdesk.app import AppContext
from refdesk.model import Record


def make_record(n: int, **fields: Any) -> Record:
    """A plausible journal article number ``n`` (distinct title, author and DOI)."""
    rec = Record.new(
        "journalArticle",
        "test",
        title=fields.pop("title", f"Article number {n} about boreal soil carbon"),
        publicationTitle=fields.pop("publicationTitle", "Journal of Test Ecology"),
        date=fields.pop("date", f"{2000 + n % 25}-03-01"),
        DOI=fields.pop("DOI", f"10.5555/test.{n}"),
        **fields,
    )
    rec.set("creators", [
        {"creatorType": "author", "lastName": f"Author{n:03d}", "firstName": "Anna"},
        {"creatorType": "author", "lastName": "Second", "firstName": "Bo"},
    ], "test")
    return rec


def wait_done(qtbot: Any, worker: Any, timeout: int = 30000) -> None:
    """Wait until a worker's signals have all been handled on the GUI thread (no race with fast jobs)."""
    qtbot.waitUntil(lambda: worker.delivered, timeout=timeout)


@pytest.fixture
def records(ctx: AppContext) -> list[Record]:
    recs = [make_record(n) for n in range(30)]
    recs[0].add_tag("Soil science", automatic=True)
    recs[0].add_tag("to read")
    ctx.library.add_many(recs)
    return recs


@pytest.fixture
def window(qtbot: Any, ctx: AppContext) -> Iterator[Any]:
    from refdesk.gui.main_window import MainWindow

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.pool.cancel_all()
    win.pool.wait(5000)


@pytest.fixture(autouse=True)
def _clear_clipboard(qapp: Any) -> Iterator[None]:
    """Empty the clipboard after each test: a QMimeData still owned by the clipboard when the
    interpreter shuts down crashes PySide6 (exit code 139 after every test passed)."""
    yield
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().clear()
