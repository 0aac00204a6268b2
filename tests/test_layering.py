"""House rules of the code layout, checked (docs/architecture.md, "Map" and "House rules").

1. The core (``desktop/refdesk`` minus ``gui/``) imports with PySide6 and shiboken6 unimportable, and never
   tries to import Qt or an add-on: it runs headless, in the CLI and in tests without a display.
2. Imports between refdesk's packages point down the map's layers (``LAYERS``); the only upward ones are the
   two entry-point shims that start the other front end (``ENTRY_SHIMS``).
3. An add-on (``plugins/*/src``, and the skeleton ``refdesk plugins new`` writes) imports nothing from refdesk
   but ``refdesk.plugins.api``: that module is the whole contract, so refdesk may change everything else.
4. Only ``library/`` writes the ``items`` table's rows and the columns it derives from ``data``; only
   ``library/store.py`` writes the search index ``items_fts`` (``library/migrations.py`` creates it). Outside
   ``library/`` an ``UPDATE items`` may set only sync's bookkeeping (``SYNC_COLUMNS``), plus ``data`` in the
   functions of ``DATA_WRITERS``, which change nothing in it but its ``collections`` list (which feeds no
   column and no index; SQLite triggers keep ``item_collections`` from it). The search index is contentless:
   removing an entry needs the values indexed before, which only the library knows. Only library/ imports sqlite3.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import refdesk
from refdesk.plugins.scaffold import new_plugin

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(refdesk.__file__).resolve().parent  # desktop/refdesk
DESKTOP = PACKAGE.parent

#: refdesk's top-level packages and modules by layer, lowest first: each may import only from lower layers.
#: ``refdesk`` is the package itself (``__version__``). Keep in step with the map in docs/architecture.md.
LAYERS: list[set[str]] = [
    {"refdesk", "data", "errors", "text", "charset", "httpcache", "retry"},
    {"schema", "dates", "names", "identifiers", "config"},
    {"model", "net"},
    {"library"},
    {"app"},
    {"plugins"},
    {"importers", "zotero"},
    {"output"},
    {"exporting", "importing"},
    {"commands", "gui"},
    {"cli"},
    {"__main__"},
]
#: (module, package it imports upward): a front end's entry point starting the other one, inside a function.
ENTRY_SHIMS = {("refdesk.commands.gui", "gui"), ("refdesk.gui.app", "cli")}

#: Columns of ``items`` that code outside library/ may set: what Zotero sync keeps about each item.
SYNC_COLUMNS = {"version", "synced_data", "dirty"}
#: (file under desktop/refdesk, function) allowed to also set ``items.data``: only its ``collections`` list changes.
DATA_WRITERS = {("zotero/state.py", "drop_collection_membership")}

_WRITE = r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|DELETE\s+FROM|UPDATE(?:\s+OR\s+\w+)?)\s+"
_WRITE_ITEMS = re.compile(_WRITE + r"items\b", re.IGNORECASE)
_UPDATE_ITEMS_SET = re.compile(r"\bUPDATE(?:\s+OR\s+\w+)?\s+items\s+SET\s+(.*?)(?:\s+WHERE\b|$)", re.IGNORECASE | re.DOTALL)
_WRITE_FTS = re.compile(_WRITE + r"items_fts\b", re.IGNORECASE)
_FTS = re.compile(r"\bitems_fts\b", re.IGNORECASE)
#: FTS5's check command is written as an INSERT but reads the index and changes nothing.
_FTS_CHECK = re.compile(r"'integrity-check'")


def _layer_of(unit: str) -> int:
    for n, layer in enumerate(LAYERS):
        if unit in layer:
            return n
    raise AssertionError(
        f"refdesk.{unit} is in no layer of tests/test_layering.py LAYERS: place it (and in docs/architecture.md's map)"
    )


def _core_modules() -> list[str]:
    """Every module of the core, by name: desktop/refdesk minus gui/ and ``__main__`` (which runs the CLI)."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(DESKTOP).with_suffix("").parts
        if parts[1:2] == ("gui",) or parts == ("refdesk", "__main__"):
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


_BLOCKED_IMPORT = r"""
import importlib, json, sys

attempts = []

class Blocker:
    '''Qt and the add-ons are not installed, as far as the core can tell.'''

    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in ("PySide6", "shiboken6") or top.startswith("refdesk_"):
            frame = sys._getframe(1)
            while frame is not None and not frame.f_globals.get("__name__", "").startswith("refdesk."):
                frame = frame.f_back
            attempts.append(f"{frame.f_globals['__name__'] if frame else '?'} imports {name}")
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by tests/test_layering.py)", name=name)
        return None

sys.meta_path.insert(0, Blocker())
failed = {}
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except BaseException as exc:
        failed[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps({"failed": failed, "attempts": attempts,
                  "qt_loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6"))}))
"""


def test_the_core_imports_without_qt_or_any_add_on() -> None:
    modules = _core_modules()
    assert "refdesk.library.store" in modules and "refdesk.cli" in modules and not any(m.startswith("refdesk.gui") for m in modules)
    proc = subprocess.run([sys.executable, "-c", _BLOCKED_IMPORT, json.dumps(modules)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["failed"] == {}, "core modules that need Qt or an add-on to import:\n" + "\n".join(
        f"  {name}: {why}" for name, why in out["failed"].items())
    assert out["attempts"] == [], f"the core tried to import Qt or an add-on: {out['attempts']}"
    assert out["qt_loaded"] == []


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path`` (``from a import b`` also yields ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = list(path.relative_to(DESKTOP).with_suffix("").parts[:-1])  # what a relative import starts from
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def _unit(module: str) -> str | None:
    """The top-level package or module of refdesk that ``module`` belongs to, or None when it is not refdesk's."""
    parts = module.split(".")
    if parts[0] != "refdesk":
        return None
    if len(parts) == 1:
        return "refdesk"
    if len(parts) == 2 and parts[1] == "__version__":
        return "refdesk"
    return parts[1]


def test_imports_between_packages_point_down() -> None:
    wrong: dict[str, None] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(DESKTOP).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        here = "refdesk" if len(parts) == 1 or parts[1] == "__init__" else parts[1]
        for line, name in _imports(path):
            there = _unit(name)
            if there is None or there == here or (module, there) in ENTRY_SHIMS:
                continue
            if _layer_of(there) >= _layer_of(here):
                wrong[f"{path.relative_to(ROOT)}:{line} imports refdesk.{there} (layer {_layer_of(there)}) from {here} "
                      f"(layer {_layer_of(here)})"] = None
    assert not wrong, "imports that point up or across the map's layers:\n" + "\n".join(wrong)


def _addon_sources(tmp_path: Path) -> list[Path]:
    shipped = sorted(ROOT.glob("plugins/*/src/**/*.py"))
    skeleton = sorted(new_plugin("layering-check", tmp_path).glob("src/**/*.py"))
    assert shipped and skeleton
    return shipped + skeleton


def test_add_ons_import_only_the_plugin_api(tmp_path: Path) -> None:
    wrong = []
    for path in _addon_sources(tmp_path):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
                if node.module in ("refdesk", "refdesk.plugins"):
                    names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                if (name == "refdesk" or name.startswith("refdesk.")) and name != "refdesk.plugins.api":
                    wrong.append(f"{path}:{node.lineno} imports {name}")
    assert not wrong, "add-ons may import only refdesk.plugins.api:\n" + "\n".join(wrong)


class _Strings(ast.NodeVisitor):
    """Every string literal (an f-string with ``{}`` for its holes) with its line and enclosing function."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str, str]] = []
        self._functions: list[str] = []

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._functions.append(node.name)
        self.generic_visit(node)
        self._functions.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self.found.append((node.lineno, self._functions[0] if self._functions else "", node.value))

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        text = "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}" for v in node.values)
        self.found.append((node.lineno, self._functions[0] if self._functions else "", text))


def _sql_strings() -> Iterator[tuple[str, int, str, str]]:
    """(path under desktop/refdesk, line, outermost function, text) of every string literal of desktop/."""
    for path in sorted(DESKTOP.rglob("*.py")):
        visitor = _Strings()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        for line, function, text in visitor.found:
            yield path.relative_to(PACKAGE).as_posix(), line, function, text


def test_only_the_library_writes_items_and_only_the_store_writes_the_search_index() -> None:
    wrong = []
    seen_sync_update = False
    for rel, line, function, text in _sql_strings():
        where = f"desktop/refdesk/{rel}:{line}"
        in_library = rel.startswith("library/")
        if _WRITE_FTS.search(text) and rel not in ("library/store.py", "library/migrations.py") and not (
                in_library and _FTS_CHECK.search(text)):
            wrong.append(f"{where} writes items_fts (only library/store.py may)")
        elif _FTS.search(text) and not in_library:
            wrong.append(f"{where} names items_fts outside library/ (search through Library.rows/count)")
        if in_library or not _WRITE_ITEMS.search(text):
            continue
        update = _UPDATE_ITEMS_SET.search(text)
        if update is None:
            wrong.append(f"{where} inserts or deletes items rows outside library/ (use Library.add/add_many/remove)")
            continue
        columns = set(re.findall(r"(\w+)\s*=(?!=)", update.group(1)))
        allowed = SYNC_COLUMNS | ({"data"} if (rel, function) in DATA_WRITERS else set())
        if not columns or columns - allowed:
            wrong.append(f"{where} ({function}) sets items.{', items.'.join(sorted(columns - allowed) or ['?'])} "
                         f"outside library/; only {', '.join(sorted(SYNC_COLUMNS))} may be set there")
        seen_sync_update = True
    assert not wrong, "writes that belong to library/:\n" + "\n".join(wrong)
    assert seen_sync_update, "the scan found no UPDATE items outside library/: has the SQL moved or the regex broken?"


def test_only_the_library_imports_sqlite3() -> None:
    """Everything else reaches the library file through ``Library``: only library/ opens SQLite files."""
    wrong = [f"{path.relative_to(ROOT)}:{line}" for path in sorted(PACKAGE.rglob("*.py"))
             if not path.relative_to(PACKAGE).as_posix().startswith("library/")
             for line, name in _imports(path) if name.split(".")[0] == "sqlite3"]
    assert not wrong, "sqlite3 imported outside library/:\n" + "\n".join(wrong)


def test_the_scan_sees_what_it_must_refuse() -> None:
    """The patterns above catch the writes they are meant to (the rule is only as good as its regexes)."""
    assert _WRITE_ITEMS.search("INSERT OR REPLACE INTO items(id, key) VALUES (?, ?)")
    assert _WRITE_ITEMS.search("DELETE FROM items WHERE id = ?")
    assert not _WRITE_ITEMS.search("INSERT INTO items_fts(rowid) VALUES (?)")
    assert not _WRITE_ITEMS.search("SELECT count(*) FROM items WHERE dirty = 1")
    update = _UPDATE_ITEMS_SET.search("UPDATE items SET data = ?, synced_data = ?, version = max(version, ?) WHERE key = ?")
    assert update is not None and set(re.findall(r"(\w+)\s*=(?!=)", update.group(1))) == {"data", "synced_data", "version"}
    assert _WRITE_FTS.search("INSERT INTO items_fts(items_fts, rowid, title) VALUES ('delete', ?, ?)")
    assert _WRITE_FTS.search("delete from items_fts where rowid = ?")
