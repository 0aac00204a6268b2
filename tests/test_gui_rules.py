"""House rules of the desktop app (issue 17, item 5), checked on the source (AST):

- the GUI reads the library through named core methods, never SQL of its own (``x.execute("SELECT ...")``);
- no ``except Exception`` (or a bare ``except``, or ``BaseException``) swallows an error: the handler re-raises
  or logs it (``log.exception/error/warning``), so a real bug is never hidden behind "an older library".
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

GUI = Path(__file__).resolve().parents[1] / "desktop" / "refdesk" / "gui"
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|WITH|CREATE|DROP|ALTER|PRAGMA)\b", re.IGNORECASE)
LOGGING = {"exception", "error", "warning", "critical"}


def _text(node: ast.AST) -> str:
    """The literal start of a string argument (a plain or f-string, or a concatenation)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text(node.left)
    return ""


def _sql_calls(tree: ast.AST) -> list[int]:
    out = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "executemany", "executescript") and node.args
                and SQL.match(_text(node.args[0]))):
            out.append(node.lineno)
    return out


def _broad(handler: ast.ExceptHandler) -> bool:
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(n is None or (isinstance(n, ast.Name) and n.id in ("Exception", "BaseException")) for n in names)


def _reports(handler: ast.ExceptHandler) -> bool:
    for node in ast.walk(handler):
        if isinstance(node, ast.Raise):
            return True
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in LOGGING
                and isinstance(node.func.value, ast.Name) and node.func.value.id in ("log", "logger", "logging")):
            return True
    return False


def _swallowing(tree: ast.AST) -> list[int]:
    return [h.lineno for h in ast.walk(tree) if isinstance(h, ast.ExceptHandler) and _broad(h) and not _reports(h)]


def _modules() -> list[Path]:
    found = sorted(GUI.rglob("*.py"))
    assert len(found) > 10, "the scan found no GUI modules: has the package moved?"
    return found


def test_no_gui_module_runs_sql() -> None:
    wrong = [f"{p.relative_to(GUI)}:{line}" for p in _modules() for line in _sql_calls(ast.parse(p.read_text()))]
    assert not wrong, "SQL in the GUI (add a named read to refdesk.library, e.g. library/status.py):\n" + "\n".join(wrong)


def test_no_gui_module_swallows_every_exception() -> None:
    wrong = [f"{p.relative_to(GUI)}:{line}" for p in _modules() for line in _swallowing(ast.parse(p.read_text()))]
    assert not wrong, "broad except without re-raise or log (catch what can happen, or log it):\n" + "\n".join(wrong)


def test_the_checks_see_what_they_forbid() -> None:
    """The scanners themselves: each catches the forms it is meant to catch, and passes the allowed ones."""
    bad = ast.parse('lib.execute("SELECT 1")\nlib.execute(f"  update items SET x = {v}")\n'
                    'try:\n    f()\nexcept Exception:\n    pass\n'
                    'try:\n    f()\nexcept:\n    x = 1\n')
    assert _sql_calls(bad) == [1, 2] and _swallowing(bad) == [5, 9]
    good = ast.parse('lib.execute(sql)\nview.executeDelayedItemsLayout()\n'
                     'try:\n    f()\nexcept Exception:\n    log.exception("x")\n'
                     'try:\n    f()\nexcept BaseException:\n    raise\n'
                     'try:\n    f()\nexcept ValueError:\n    pass\n')
    assert _sql_calls(good) == [] and _swallowing(good) == []
