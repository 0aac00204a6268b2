"""How the CLI prints records: readable text, or the exact JSON shape with --json."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from refdesk import schema
from refdesk.importers import IMPORT_NOTE
from refdesk.model import Record
from refdesk.names import creator_display, creators_summary


def dump_json(obj: Any, out: TextIO | None = None) -> None:
    """UTF-8 JSON with non-Latin text as itself, not \\u escapes."""
    stream = out or sys.stdout
    stream.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def shown(text: str) -> str:
    """Text fit to print: a file name's bytes that are not UTF-8 as ``\\xe9`` escapes, never an encoding error."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def one_line(rec: Record) -> str:
    year = f" ({rec.year})" if rec.year else ""
    who = creators_summary(rec.creators)
    who = f"{who}{year}. " if who else (f"{year.strip()} " if year else "")
    pub = f" {rec.publication()}." if rec.publication() else ""
    return f"{rec.key}  {who}{rec.title or '(untitled)'}.{pub}"


def child_line(rec: Record) -> str:
    """A note or attachment under its parent: ``KEY  Note: its first line`` or ``KEY  PDF: Full Text PDF``."""
    if rec.item_type == "note":
        kind = "Note"
    elif rec.item_type == "attachment":
        kind = "PDF" if rec.get("contentType") == "application/pdf" else "Attachment"
        if rec.get("linkMode") == "linked_url":
            kind = "Link"
    else:
        kind = schema.item_type_label(rec.item_type)
    return f"{rec.key}  {kind}: {rec.title or '(untitled)'}"


def detail(rec: Record) -> str:
    lines = [f"{'Key':<18} {rec.key}", f"{'Item Type':<18} {schema.item_type_label(rec.item_type)}"]
    if rec.title:
        lines.append(f"{'Title':<18} {rec.title}")
    for c in rec.creators:
        lines.append(f"{schema.creator_type_label(c.get('creatorType', 'author')):<18} {creator_display(c)}")
    for name in rec.field_names():
        if name == "title":
            continue
        prov = rec.provenance.get(name)
        suffix = f"   [{prov.source}]" if prov and prov.source != "user" else ""
        lines.append(f"{schema.field_label(name):<18} {rec.get(name)}{suffix}")
    if rec.tags:
        marked = [t["tag"] + (" (auto)" if t.get("type") == 1 else "") for t in rec.tags]
        lines.append(f"{'Tags':<18} " + "; ".join(marked))
    how = rec.provenance.get(IMPORT_NOTE)
    if how is not None:
        lines.append(f"{'Imported':<18} {how.source}")
    return "\n".join(lines)


def print_records(records: Iterable[Record], as_json: bool, out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    recs = list(records)
    if as_json:
        dump_json([r.to_json() for r in recs], stream)
    else:
        for r in recs:
            stream.write(one_line(r) + "\n")
