"""CSL-JSON files in and out (the mapping itself lives in ``importers.csl``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from refdesk.importers.csl import record_from_csl, record_to_csl
from refdesk.importers.extra import KINDS
from refdesk.importers.fileformat import EntryError
from refdesk.model import Record

_JSON_SPACE = " \t\n\r"
_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_KEEP = 1 << 20  # characters of read text kept before the buffer is cut
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


#: CSL variables that describe a work: an object with none of them and no ``type`` is not a CSL item (it would be
#: stored as an empty record).
#: ``status`` is left out, as any JSON API's envelope has one.
_DESCRIBING = tuple(key for key in KINDS if key != "status")


def _check_entry(item: Any, where: str) -> None:
    if not isinstance(item, dict):
        raise EntryError(f"{where}: expected a CSL-JSON object, found {type(item).__name__} {json.dumps(item, ensure_ascii=False)[:40]}")
    if "type" in item and not isinstance(item["type"], str):
        raise EntryError(f"{where}: 'type' must be a string")
    if "message-type" in item and "message" in item:
        raise EntryError(f"{where}: this is a Crossref API answer, not CSL-JSON (give refdesk import the DOI or ISSN to ask Crossref itself)")
    if "type" not in item and not any(item.get(key) not in (None, "", [], {}) for key in _DESCRIBING):
        raise EntryError(f"{where}: this object has no CSL-JSON variable (title, author, issued, DOI…); "
                         "it is not a CSL-JSON item")
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


def _record(item: Any, n: int, source: str, line_of: Callable[[], int]) -> Record:
    """Entry ``n`` as a Record, or an EntryError naming it and its line (found only then: counting lines is slow)."""
    try:
        _check_entry(item, "")
        return record_from_csl(item, source)
    except EntryError as exc:
        raise EntryError(f"{_where(item, n, line_of())}{exc}") from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise EntryError(f"{_where(item, n, line_of())}: cannot read this item: {exc}") from None


def _line_in(text: str, first_line: int, at: int) -> int:
    return first_line + text.count("\n", 0, at)


def _invalid(exc: json.JSONDecodeError, first_line: int = 1) -> EntryError:
    return EntryError(f"line {first_line + exc.lineno - 1}, column {exc.colno}: invalid JSON: {exc.msg}")


def _read_whole(text: str, source: str) -> Iterator[Record]:
    """A text that does not start with ``[`` (one item object, or not CSL-JSON at all), read whole."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _invalid(exc) from None
    if not isinstance(data, dict):
        raise EntryError("line 1: CSL-JSON must be an array of items or one item object")
    yield _record(data, 1, source, lambda: 1)


def iter_records(blocks: Iterable[str], source: str) -> Iterator[Record]:
    """The records of a CSL-JSON text given in blocks, one array element at a time; EntryError names line/entry.

    Each block but the last must end right after a ``\\n``. JSON strings hold no raw line break, so a block ends
    between two tokens: an element that does not parse at the end of the text read so far is read again with the
    next block, and any other error is the file's. Read text is dropped once its elements are stored, so memory
    holds about one block whatever the file's size.
    """
    it = iter(blocks)
    buf = ""
    more = True

    def fill() -> bool:
        nonlocal buf, more
        try:
            buf += next(it)
        except StopIteration:
            more = False
        return more

    while not buf.strip(_JSON_SPACE) and fill():
        pass
    if buf.lstrip(_JSON_SPACE)[:1] != "[":
        yield from _read_whole(buf + "".join(it), source)
        return
    first_line = 1  # the line ``buf`` starts on (it is only ever cut after a line break)
    pos = buf.index("[") + 1
    n = 0

    def fail(message: str, at: int) -> EntryError:
        return _invalid(json.JSONDecodeError(message, buf, at), first_line)

    def skip_space(at: int) -> int:
        while True:
            m = _SPACE.match(buf, at)
            at = m.end() if m else at
            if at < len(buf) or not more or not fill():
                return at

    pos = skip_space(pos)
    if buf.startswith("]", pos):
        pos = skip_space(pos + 1)
        if pos < len(buf):
            raise fail("Extra data", pos)
        raise EntryError("line 1: the CSL-JSON array is empty")
    while True:
        try:
            item, end = _DECODER.raw_decode(buf, pos)
        except json.JSONDecodeError as exc:
            if more and not buf[exc.pos :].strip(_JSON_SPACE) and fill():
                continue
            raise _invalid(exc, first_line) from None
        n += 1
        start = pos
        yield _record(item, n, source, partial(_line_in, buf, first_line, start))
        pos = skip_space(end)
        if buf.startswith("]", pos):
            break
        if not buf.startswith(",", pos):
            raise fail("Expecting ',' delimiter", pos)
        pos = skip_space(pos + 1)
        if pos > _KEEP:
            cut = buf.rfind("\n", 0, pos) + 1
            first_line += buf.count("\n", 0, cut)
            buf, pos = buf[cut:], pos - cut
    pos = skip_space(pos + 1)
    if pos < len(buf):
        raise fail("Extra data", pos)


def read(text: str, source: str) -> list[Record]:
    """Every record of a CSL-JSON text (an array of items, or one item), or an EntryError naming line/entry."""
    return list(iter_records([text], source))


def write(records: list[Record]) -> str:
    return json.dumps([record_to_csl(r) for r in records], ensure_ascii=False, indent=2) + "\n"
