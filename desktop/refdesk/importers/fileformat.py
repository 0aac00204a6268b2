"""Helpers shared by the RIS, BibTeX and CSL-JSON readers and writers.

Each file format names fields by their role ("the container title", "the
publisher"); Zotero names them per item type (``bookTitle``, ``university``).
Zotero's base fields bridge the two, so the formats map to base fields and
:func:`put` finds the item type's own field. A value with no home goes to
``extra`` as ``label: value`` so an import never silently drops data.
"""

from __future__ import annotations

from refdesk import schema
from refdesk.dates import store_form
from refdesk.errors import ImporterError
from refdesk.model import Record
from refdesk.text import clean, nfc

#: Base fields whose value is a date (stored by ``dates.store_form``).
DATE_FIELDS = frozenset({"date", "accessDate", "originalDate", "filingDate"})


class EntryError(ImporterError):
    """A problem inside one entry; the file reader adds the file name and the line."""


def target(item_type: str, field: str) -> str | None:
    """The field of ``item_type`` that plays ``field`` (itself or its type-specific form)."""
    if schema.has_field(item_type, field):
        return field
    return schema.field_for_base(item_type, field)


def put(rec: Record, field: str, value: str | None, source: str, label: str = "") -> bool:
    """Fill ``field`` (or the item type's form of it) if empty; else keep the value in ``extra``."""
    if value is None:
        return False
    text = nfc(value.strip()) if field == "abstractNote" else clean(value)
    if not text:
        return False
    name = target(rec.item_type, field)
    if name in DATE_FIELDS or field in DATE_FIELDS:
        text = store_form(text)
    if name and not rec.get(name):
        rec.set(name, text, source)
        return True
    if name and rec.get(name) == text:
        return False
    add_extra(rec, f"{label or field}: {text}", source)
    return False


def add_extra(rec: Record, line: str, source: str) -> None:
    """Append one line to ``extra`` (Zotero's place for everything without a field)."""
    line = line.strip()
    if not line or not schema.has_field(rec.item_type, "extra"):
        return
    current = rec.get("extra")
    if line in current.split("\n"):
        return
    rec.set("extra", f"{current}\n{line}" if current else line, source)


def creator_role(item_type: str, wanted: str) -> str:
    """``wanted`` when the item type has that creator type, else its closest stand-in."""
    types = schema.creator_types_for(item_type)
    if wanted in types:
        return wanted
    if wanted == "author":
        return types[0] if types else "author"
    return "contributor" if "contributor" in types else (types[0] if types else "author")


def split_pages(pages: str) -> tuple[str, str]:
    """'12-34' / '12--34' / '12–34' -> ('12', '34'); '12' -> ('12', '')."""
    for sep in ("--", "–", "—", "-"):
        if sep in pages:
            first, _, last = pages.partition(sep)
            return first.strip(), last.strip()
    return pages.strip(), ""


def join_pages(start: str, end: str) -> str:
    start, end = start.strip(), end.strip()
    if start and end and end != start:
        return f"{start}-{end}"
    return start or end
