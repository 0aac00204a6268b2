"""CSL-JSON files in and out (the mapping itself lives in ``importers.csl``)."""

from __future__ import annotations

import json
from typing import Any

from refdesk.importers.csl import record_from_csl, record_to_csl
from refdesk.importers.fileformat import EntryError
from refdesk.model import Record

_NAME_KEYS = ("author", "editor", "translator", "container-author", "collection-editor", "reviewed-author", "contributor")


def _entry_lines(text: str) -> list[int]:
    """Line of each top-level array element, so an error can say where the entry starts."""
    lines: list[int] = []
    depth = 0
    in_string = escaped = False
    line = 1
    for ch in text:
        if ch == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
            if depth == 1:
                lines.append(line)
        elif ch in "[{":
            if depth == 1:
                lines.append(line)
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif depth == 1 and not ch.isspace() and ch != "," and (not lines or lines[-1] != line):
            lines.append(line)
    return lines


def _check_entry(item: Any, where: str) -> None:
    if not isinstance(item, dict):
        raise EntryError(f"{where}: expected a CSL-JSON object, found {type(item).__name__} {json.dumps(item, ensure_ascii=False)[:40]}")
    if "type" in item and not isinstance(item["type"], str):
        raise EntryError(f"{where}: 'type' must be a string")
    for key in _NAME_KEYS:
        names = item.get(key)
        if names is None:
            continue
        if not isinstance(names, list) or not all(isinstance(n, dict) for n in names):
            raise EntryError(f"{where}: '{key}' must be a list of name objects")
    for key in ("issued", "accessed", "original-date", "submitted"):
        value = item.get(key)
        if value is not None and not isinstance(value, dict | str):
            raise EntryError(f"{where}: '{key}' must be a date object")
        if isinstance(value, dict) and "date-parts" in value:
            parts = value["date-parts"]
            if not isinstance(parts, list) or not all(isinstance(p, list) for p in parts):
                raise EntryError(f"{where}: '{key}.date-parts' must be a list of lists")


def _where(item: Any, n: int, line: int) -> str:
    ident = f" ('{item.get('id')}')" if isinstance(item, dict) and item.get("id") is not None else ""
    return f"entry {n}{ident} (line {line})"


def read(text: str, source: str) -> list[Record]:
    """Every record of a CSL-JSON text (an array of items, or one item), or an EntryError naming line/entry."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EntryError(f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}") from None
    lines: list[int] | None = None  # found only when an error needs them: a char-by-char scan is slow

    def line_of(n: int) -> int:
        nonlocal lines
        if isinstance(data, dict):
            return 1
        if lines is None:
            lines = _entry_lines(text)
        return lines[n - 1] if n - 1 < len(lines) else 1

    if isinstance(data, dict):
        items: list[Any] = [data]
    elif isinstance(data, list):
        items = data
    else:
        raise EntryError("line 1: CSL-JSON must be an array of items or one item object")
    if not items:
        raise EntryError("line 1: the CSL-JSON array is empty")
    records = []
    for n, item in enumerate(items, 1):
        try:
            _check_entry(item, "")
            records.append(record_from_csl(item, source))
        except EntryError as exc:
            raise EntryError(f"{_where(item, n, line_of(n))}{exc}") from None
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise EntryError(f"{_where(item, n, line_of(n))}: cannot read this item: {exc}") from None
    return records


def write(records: list[Record]) -> str:
    return json.dumps([record_to_csl(r) for r in records], ensure_ascii=False, indent=2) + "\n"
