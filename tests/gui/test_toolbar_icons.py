"""A toolbar with icons (issue 14): Tabler icons shipped with the app, drawn in the palette's colours so they read
in light and dark palettes; the Sync icon follows the sync state; line-edit clear buttons visible in dark mode."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QLineEdit, QToolBar
from refdesk.app import AppContext
from refdesk.gui.icons import ICONS, contrast, icon, sync_state


def dark_palette() -> QPalette:
    p = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#202124"), (QPalette.ColorRole.WindowText, "#e8eaed"),
                         (QPalette.ColorRole.Base, "#171717"), (QPalette.ColorRole.Text, "#e8eaed"),
                         (QPalette.ColorRole.Button, "#2d2e30"), (QPalette.ColorRole.ButtonText, "#e8eaed"),
                         (QPalette.ColorRole.PlaceholderText, "#9aa0a6")):
        p.setColor(role, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6f7378"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6f7378"))
    return p


@pytest.fixture
def dark(qapp: Any) -> Iterator[QPalette]:
    before = QApplication.palette()
    QApplication.setPalette(dark_palette())
    yield QApplication.palette()
    QApplication.setPalette(before)


def _ink(qicon: Any, size: int = 24) -> QColor:
    """The colour of an icon's drawn pixels (the most opaque one)."""
    image: QImage = qicon.pixmap(size, size).toImage()
    best, alpha = QColor(0, 0, 0, 0), -1
    for y in range(image.height()):
        for x in range(image.width()):
            c = image.pixelColor(x, y)
            if c.alpha() > alpha:
                best, alpha = c, c.alpha()
    return best


def test_the_icons_are_shipped_with_their_licence() -> None:
    names = {"file-plus", "refresh", "cloud-check", "cloud-upload", "cloud-off", "refresh-alert", "sparkles", "list-check",
             "search", "x", "tag", "file-export", "quote", "trash"}
    assert names <= {p.stem for p in ICONS.glob("*.svg")}
    assert "MIT License" in (ICONS / "LICENSE-tabler-icons.txt").read_text(encoding="utf-8")
    for name in names:
        assert 'stroke="currentColor"' in (ICONS / f"{name}.svg").read_text(encoding="utf-8")


def test_icons_contrast_with_light_and_dark_palettes(qapp: Any, dark: QPalette) -> None:
    light = QPalette(QColor("#efefef"))
    for palette in (light, dark):
        ink = _ink(icon("refresh", palette))
        background = palette.color(QPalette.ColorRole.Button)
        assert contrast(ink, background) >= 4.5, (ink.name(), background.name())


def test_the_toolbar_has_icons_and_text(window: Any) -> None:
    bar = window.findChild(QToolBar, "mainToolbar")
    for action in (window.act_add, window.act_sync, window.act_enrich, window.act_review):
        assert not action.icon().isNull() and action in bar.actions()
    assert window.act_review.iconText().startswith("Review")
    assert any(not a.icon().isNull() for a in window.search.actions())  # the magnifier in the search box


def test_the_sync_icon_follows_the_state(records: list[Any], window: Any, ctx: AppContext) -> None:
    assert sync_state(window) == "off" and "Not connected" in window.act_sync.toolTip()
    ctx.settings.zotero_user_id = "475425"
    window.notify(sync=True)
    assert sync_state(window) == "upload" and "uploaded" in window.act_sync.toolTip()  # 30 local records to send
    ctx.library.execute("UPDATE items SET dirty = 0")
    window.notify(sync=True)
    assert sync_state(window) == "synced" and "In step" in window.act_sync.toolTip()


def test_clear_buttons_are_visible_in_dark_mode(window: Any, qtbot: Any, dark: QPalette) -> None:
    window.search.setText("peat")
    window.hide()
    window.show()  # shown again under the dark palette: the clear button is tinted for it
    qtbot.waitExposed(window)
    clear = window.search.findChild(type(window.act_add), "_q_qlineeditclearaction")
    assert clear is not None
    ink = _ink(clear.icon(), 16)
    assert contrast(ink, dark.color(QPalette.ColorRole.Base)) >= 4.5
    other = QLineEdit()
    qtbot.addWidget(other)
    other.setClearButtonEnabled(True)
    other.setText("x")
    other.show()
    tinted = other.findChild(type(window.act_add), "_q_qlineeditclearaction")
    assert contrast(_ink(tinted.icon(), 16), dark.color(QPalette.ColorRole.Base)) >= 4.5


def test_the_selection_pane_buttons_have_icons(records: list[Any], window: Any) -> None:
    window.select_keys([window.model.key_at(r) for r in range(3)])
    assert all(not b.icon().isNull() for b in window.selection_pane.buttons.values())
