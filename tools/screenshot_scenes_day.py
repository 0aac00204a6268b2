"""Scenes for tools/screenshots.py from issue 14 (a working day): three items selected, the item pane with its
empty fields hidden, a narrow 900×600 window, and the dark palette."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Grab = Callable[[Any, str], Any]


def settle(window: Any, rounds: int = 20) -> None:
    from PySide6.QtWidgets import QApplication

    for _ in range(rounds):
        QApplication.processEvents()


def three_selected_scene(ctx: Any, window: Any, grab: Grab) -> None:
    keys = [window.model.key_at(r) for r in (1, 2, 4)]
    window.select_keys([k for k in keys if k])
    settle(window)
    grab(window, "three-selected.png")


def empty_fields_hidden_scene(ctx: Any, window: Any, grab: Grab) -> None:
    window.select_keys([window.model.key_at(0) or ""])
    settle(window)
    window.item_pane.show_empty.setChecked(False)
    settle(window)
    grab(window, "item-pane-empty-fields-hidden.png")
    window.item_pane.show_empty.setChecked(True)


def narrow_scene(ctx: Any, window: Any, grab: Grab) -> None:
    size = window.size()
    window.resize(900, 600)
    window.select_keys([window.model.key_at(3) or ""])
    settle(window, 40)
    grab(window, "narrow-900x600.png")
    window.resize(size)
    settle(window)


def dark_palette() -> Any:
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#202124", QPalette.ColorRole.WindowText: "#e8eaed", QPalette.ColorRole.Base: "#18191b",
        QPalette.ColorRole.AlternateBase: "#232427", QPalette.ColorRole.Text: "#e8eaed", QPalette.ColorRole.Button: "#2d2e31",
        QPalette.ColorRole.ButtonText: "#e8eaed", QPalette.ColorRole.Highlight: "#3b6fb6",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2d2e31",
        QPalette.ColorRole.ToolTipText: "#e8eaed", QPalette.ColorRole.PlaceholderText: "#9aa0a6",
        QPalette.ColorRole.Link: "#8ab4f8", QPalette.ColorRole.Mid: "#3c4043", QPalette.ColorRole.Midlight: "#44474b",
        QPalette.ColorRole.Dark: "#151617", QPalette.ColorRole.Light: "#505357",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6f7378"))
    return p


def dark_scene(ctx: Any, window: Any, grab: Grab) -> None:
    from PySide6.QtWidgets import QApplication
    from refdesk.gui.app import apply_style

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    apply_style(app)
    window.search.setText("peat")
    window.apply_search()
    window.select_keys([window.model.key_at(0) or ""])
    settle(window, 40)
    grab(window, "dark-palette.png")
    window.search.clear()
    window.apply_search()
    app.setPalette(before)
    apply_style(app)
    settle(window)
