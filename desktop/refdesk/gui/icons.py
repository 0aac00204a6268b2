"""Icons: Tabler Icons (outline, MIT licence, https://tabler.io/icons), shipped in ``resources/icons``.

Tabler's SVGs draw with ``stroke="currentColor"``; Qt's SVG renderer paints that black, which vanishes
on a dark palette. So each icon is rendered here in the palette's button-text colour (and its disabled
colour for the disabled state), and rendered again when the palette changes. The same applies to the
clear button Qt puts in line edits: the style's own glyph is a dark cross, invisible in dark mode, so
every line edit with a clear button gets the Tabler ``x`` in the palette's colour (``ClearButtons``).

``install_toolbar`` gives the main window's toolbar its icons: Add, Sync (its icon shows the sync state:
synced, changes to upload, conflicts or an error, not connected, syncing), Enrich, Review (with the count
in its text) and a magnifier in the search box.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QRectF, QSize, Qt
from PySide6.QtGui import QAction, QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QLineEdit, QToolBar, QWidget

from refdesk.gui.app import RESOURCES

if TYPE_CHECKING:
    from refdesk.gui.main_window import MainWindow

ICONS = RESOURCES / "icons"
ICON_SET = "Tabler Icons 3.51.0 (outline), MIT licence"
_SIZES = (16, 20, 24, 32)


@lru_cache(maxsize=256)
def _svg(name: str) -> str:
    return (ICONS / f"{name}.svg").read_text(encoding="utf-8")


@lru_cache(maxsize=1024)
def _pixmap(name: str, colour: str, size: int, ratio: float) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(_svg(name).replace("currentColor", colour).encode("utf-8")))
    pixels = max(1, round(size * ratio))
    pixmap = QPixmap(pixels, pixels)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def icon(name: str, palette: QPalette | None = None, role: QPalette.ColorRole = QPalette.ColorRole.ButtonText) -> QIcon:
    """The Tabler icon ``name`` in ``palette``'s ``role`` colour (normal) and its disabled colour."""
    palette = palette or QGuiApplication.palette()
    ratio = QGuiApplication.primaryScreen().devicePixelRatio() if QGuiApplication.primaryScreen() else 1.0
    result = QIcon()
    for mode, group in ((QIcon.Mode.Normal, QPalette.ColorGroup.Active), (QIcon.Mode.Disabled, QPalette.ColorGroup.Disabled)):
        colour = palette.color(group, role).name()
        for size in _SIZES:
            result.addPixmap(_pixmap(name, colour, size, ratio), mode)
    return result


def luminance(colour: QColor) -> float:
    """Relative luminance (WCAG), to check an icon's contrast with its background."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# -- line edits' clear buttons --------------------------------------------------------------------------------------
_CLEAR_ACTION = "_q_qlineeditclearaction"  # the QAction QLineEdit makes for its clear button


def tint_clear_button(edit: QLineEdit) -> bool:
    """Give ``edit``'s clear button the ``x`` icon in its palette's text colour; False if it has none."""
    action = edit.findChild(QAction, _CLEAR_ACTION)
    if action is None:
        return False
    # The application's palette, not the widget's: under the app stylesheet a widget keeps the palette it was
    # polished with, so after a switch to dark its own palette still says "black text".
    action.setIcon(icon("x", QApplication.palette(edit), QPalette.ColorRole.Text))
    return True


class ClearButtons(QObject):
    """Application event filter: every line edit with a clear button shows it in the palette's colour."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.Show, QEvent.Type.PaletteChange) and isinstance(obj, QLineEdit) and obj.isClearButtonEnabled():
            tint_clear_button(obj)
        elif kind == QEvent.Type.ApplicationPaletteChange and obj is QApplication.instance():
            retint_all()
        return False


def retint_all() -> None:
    """After a palette change: every clear button and the main windows' toolbars again."""
    for widget in QApplication.allWidgets():
        if isinstance(widget, QLineEdit) and widget.isClearButtonEnabled():
            tint_clear_button(widget)
        refresh = getattr(widget, "refresh_icons", None)
        if callable(refresh):
            refresh()


def install_clear_buttons(app: QApplication) -> None:
    if app.property("refdeskClearButtons"):
        return
    watcher = ClearButtons(app)
    app.installEventFilter(watcher)
    app.setProperty("refdeskClearButtons", True)


# -- the main window's toolbar ------------------------------------------------------------------------------------------
#: Sync state -> (icon, what its tooltip says)
SYNC_STATES = {
    "off": ("cloud-off", "Not connected to Zotero: Tools ▸ Zotero Account…"),
    "synced": ("cloud-check", "In step with Zotero"),
    "upload": ("cloud-upload", "Changes wait to be uploaded"),
    "problem": ("refresh-alert", "The last sync failed or left conflicts to decide"),
    "syncing": ("refresh", "Syncing with Zotero…"),
}


def sync_state(window: MainWindow) -> str:
    """What the Sync button shows, read through the window's reading connection (never blocks on a worker)."""
    if window.is_running("sync"):
        return "syncing"
    if not window.ctx.settings.zotero_user_id:
        return "off"
    st = window.sync_status()
    if st.conflicts or st.failed:
        return "problem"
    return "upload" if st.pending else "synced"


class Toolbar(QObject):
    """Keeps the toolbar's icons in the palette's colours and the Sync icon on the sync state."""

    def __init__(self, window: MainWindow, bar: QToolBar) -> None:
        super().__init__(window)
        self.window = window
        self.bar = bar
        self.state = ""
        bar.setObjectName("mainToolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setIconSize(QSize(20, 20))
        self.search_action = window.search.addAction(QIcon(), QLineEdit.ActionPosition.LeadingPosition)
        self.search_action.setToolTip("Search (Ctrl+F)")
        window.changed.connect(lambda changes: self.refresh_sync() if changes.touches_sync() else None)
        window.installEventFilter(self)
        self.refresh()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Close:
            self.window.removeEventFilter(self)  # the window closes its library connections: nothing more to read
        elif obj is self.window and event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self.refresh()
        return False

    def refresh(self) -> None:
        w, palette = self.window, QApplication.palette(self.window)
        for action, name in ((w.act_add, "file-plus"), (w.act_import_file, "file-import"), (w.act_enrich, "sparkles"),
                             (w.act_review, "list-check"), (w.act_export, "file-export")):
            action.setIcon(icon(name, palette))
        self.search_action.setIcon(icon("search", palette, QPalette.ColorRole.PlaceholderText))
        self.state = ""
        self.refresh_sync()

    def refresh_sync(self) -> None:
        state = sync_state(self.window)
        if state == self.state:
            return
        self.state = state
        name, tip = SYNC_STATES[state]
        self.window.act_sync.setIcon(icon(name, QApplication.palette(self.window)))
        self.window.act_sync.setToolTip(f"Sync with Zotero (Ctrl+Shift+S). {tip}")


def install_toolbar(window: MainWindow) -> Toolbar:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        install_clear_buttons(app)  # (make_app does it too; a window made in a test's application needs it here)
    bar = window.findChild(QToolBar, "mainToolbar")
    assert bar is not None
    return Toolbar(window, bar)


def widget_icon_colour(widget: QWidget) -> QColor:
    return widget.palette().color(QPalette.ColorRole.ButtonText)
