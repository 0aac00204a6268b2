"""Starting the app, keyboard shortcuts, light/dark styling, and the shipped resources."""

from __future__ import annotations

import tomllib
import xml.etree.ElementTree as ET
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from refdesk.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_refdesk_without_a_command_opens_the_main_window(
    qtbot: Any, cli: Any, records: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`refdesk` with no command goes through `gui` to ``run``; the event loop is stubbed so the test ends."""
    from refdesk.gui.main_window import MainWindow

    shown: list[MainWindow] = []

    def fake_exec(app: QApplication) -> int:
        # Quitting a real nested QApplication.exec() would leave Qt closing for the tests after this one.
        qtbot.waitUntil(lambda: any(isinstance(w, MainWindow) and w.isVisible() for w in QApplication.topLevelWidgets()))
        shown.extend(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    result = cli()
    assert result.code == 0, result.err
    assert len(shown) == 1 and shown[0].model.rowCount() == len(records)
    shown[0].close()


def test_keyboard_shortcuts(window: Any, qtbot: Any) -> None:
    shortcuts = {a.text().replace("&", ""): a.shortcut().toString() for a in window.actions() if not a.shortcut().isEmpty()}
    assert shortcuts["Add by Identifier…"] == "Ctrl+N"
    assert shortcuts["Find"] == "Ctrl+F"
    assert shortcuts["Sync with Zotero"] == "Ctrl+Shift+S"
    assert shortcuts["Move Item to Trash…"] == "Del"
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.search.hasFocus(), timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "add" in window.dialogs and window.dialogs["add"].isVisible(), timeout=5000)
    window.dialogs["add"].reject()


def test_style_follows_a_dark_palette(qapp: QApplication) -> None:
    from refdesk.gui.app import apply_style, is_dark

    before = qapp.palette()
    dark = QPalette(before)
    dark.setColor(QPalette.ColorRole.Window, QColor("#1e1f22"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e6e6e6"))
    try:
        qapp.setPalette(dark)
        if qapp.styleHints().colorScheme() == Qt.ColorScheme.Unknown:
            assert is_dark(qapp)
        apply_style(qapp)
        assert ("#ff7b72" in qapp.styleSheet()) == is_dark(qapp)
        qapp.setPalette(before)
        apply_style(qapp)
        assert ("#b3261e" in qapp.styleSheet()) == (not is_dark(qapp))
    finally:
        qapp.setPalette(before)
        apply_style(qapp)


def test_default_settings_file_matches_the_settings() -> None:
    """Every key documented in resources/default-settings.toml is a real setting with that default."""
    values = tomllib.loads((ROOT / "resources" / "default-settings.toml").read_text(encoding="utf-8"))
    defaults = Settings()
    assert set(values) <= {f.name for f in fields(Settings)}
    assert {"library", "contact_email", "zotero_api_url", "disabled_plugins"} <= set(values)
    for name, value in values.items():
        assert getattr(defaults, name) == value, name


def test_desktop_file_and_icon() -> None:
    entry = (ROOT / "resources" / "refdesk.desktop").read_text(encoding="utf-8").splitlines()
    assert entry[0] == "[Desktop Entry]"
    keys = dict(line.split("=", 1) for line in entry[1:] if "=" in line)
    assert keys["Type"] == "Application" and keys["Icon"] == "refdesk" and keys["Exec"].startswith("refdesk gui")
    for svg in (ROOT / "resources" / "icons" / "refdesk.svg", ROOT / "desktop" / "refdesk" / "gui" / "resources" / "refdesk.svg"):
        assert ET.parse(svg).getroot().tag.endswith("svg")


def test_without_a_display_refdesk_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    """Qt would abort the process; refdesk raises a RefdeskError the CLI prints instead."""
    import sys

    from refdesk.errors import RefdeskError
    from refdesk.gui import app

    class NoApplicationYet:
        @staticmethod
        def instance() -> None:
            return None

    monkeypatch.setattr(app, "QApplication", NoApplicationYet)
    monkeypatch.setattr(sys, "platform", "linux")
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(RefdeskError, match="No display") as info:
        app.check_display()
    assert "xvfb-run" in str(info.value)
    monkeypatch.setenv("DISPLAY", ":0")
    app.check_display()
