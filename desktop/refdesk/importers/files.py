"""RIS, BibTeX and CSL-JSON files in and out (CSL-JSON only, RIS/BibTeX land next)."""

from __future__ import annotations

import json
from pathlib import Path

from refdesk.errors import ImporterError
from refdesk.importers.csl import record_from_csl, record_to_csl
from refdesk.model import Record

FORMATS = ("csljson", "ris", "bibtex")


def read_file(path: str | Path) -> list[Record]:
    """Every record of a file, or an ImporterError naming the file and entry; all or nothing."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImporterError(f"{p}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ImporterError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImporterError(f"{p}: line {exc.lineno}: invalid CSL-JSON: {exc.msg}") from None
    if isinstance(items, dict):
        items = [items]
    records = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ImporterError(f"{p}: entry {n}: expected a CSL-JSON object")
        records.append(record_from_csl(item, f"file:{p.name}"))
    return records


def write(records: list[Record], fmt: str) -> str:
    if fmt == "csljson":
        return json.dumps([record_to_csl(r) for r in records], ensure_ascii=False, indent=2) + "\n"
    raise ImporterError(f"Export format '{fmt}' is not available yet")
