"""RIS, BibTeX and CSL-JSON files in and out: format detection, decoding, all-or-nothing reading.

A file is read completely before anything is stored, and a problem anywhere in it
raises an ImporterError naming the file and the line or entry, so the CLI (which
stores each input in one transaction) writes nothing from a damaged file.
"""

from __future__ import annotations

import re
from pathlib import Path

from refdesk.errors import ImporterError
from refdesk.importers import bibtex, csljson, ris
from refdesk.importers.fileformat import EntryError
from refdesk.model import Record

FORMATS = ("csljson", "ris", "bibtex")
_EXTENSIONS = {
    ".ris": "ris", ".bib": "bibtex", ".bibtex": "bibtex", ".json": "csljson", ".csljson": "csljson",
    ".csl": "csljson", ".jsonl": "csljson",
}  # fmt: skip
_LABELS = {"ris": "RIS", "bibtex": "BibTeX", "csljson": "CSL-JSON"}
_RIS_START = re.compile(r"^\s*TY {1,2}- ", re.MULTILINE)
_BIB_START = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)


def detect_format(path: Path, text: str) -> str:
    """The format by extension, else by content; ImporterError when neither tells."""
    by_ext = _EXTENSIONS.get(path.suffix.lower())
    if by_ext:
        return by_ext
    head = text.lstrip()[:1]
    if head in ("[", "{"):
        return "csljson"
    ris_match = _RIS_START.search(text[:4000])
    bib_match = _BIB_START.search(text[:4000])
    if ris_match and (not bib_match or ris_match.start() < bib_match.start()):
        return "ris"
    if bib_match:
        return "bibtex"
    raise ImporterError(f"{path}: not a RIS, BibTeX or CSL-JSON file (no 'TY  - ' line, '@type{{' entry or JSON)")


def decode_bytes(path: Path, raw: bytes) -> str:
    """UTF-8 (with or without BOM); otherwise the encoding charset-normalizer is sure of (cp1251 RIS exports)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        if best is None or best.encoding in ("utf_8", "ascii"):
            line = raw.count(b"\n", 0, exc.start) + 1
            raise ImporterError(f"{path}: line {line}: not UTF-8 text and no other encoding fits") from None
        return str(best)


def parse_text(text: str, fmt: str, source: str) -> list[Record]:
    """Records of a text in a known format; EntryError (no file name) on bad input."""
    if fmt == "ris":
        return ris.read(text, source)
    if fmt == "bibtex":
        return bibtex.read(text, source)
    if fmt == "csljson":
        return csljson.read(text, source)
    raise ImporterError(f"Unknown format '{fmt}' (known: {', '.join(FORMATS)})")


def read_file(path: str | Path, fmt: str | None = None) -> list[Record]:
    """Every record of a file, or an ImporterError naming the file and line/entry; all or nothing."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ImporterError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ImporterError(f"{p}: is a folder, not a file") from None
    except PermissionError:
        raise ImporterError(f"{p}: permission denied") from None
    text = decode_bytes(p, raw)
    if not text.strip():
        raise ImporterError(f"{p}: the file is empty")
    fmt = fmt or detect_format(p, text)
    try:
        # a file name that is not UTF-8 is kept readable (caf\xe9.ris): the source is stored as text
        name = p.name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return parse_text(text, fmt, f"file:{name}")
    except EntryError as exc:
        raise ImporterError(f"{p}: {_LABELS.get(fmt, fmt)}: {exc}") from None


def write(records: list[Record], fmt: str) -> str:
    """The records as text in ``fmt`` (csljson, ris or bibtex)."""
    if fmt == "csljson":
        return csljson.write(records)
    if fmt == "ris":
        return ris.write(records)
    if fmt == "bibtex":
        return bibtex.write(records)
    raise ImporterError(f"Unknown export format '{fmt}' (known: {', '.join(FORMATS)})")
