"""RIS, BibTeX and CSL-JSON files in and out: format detection, decoding, reading as a stream of records.

A file is read a block at a time (``open_file``): each format's reader yields records as it reads them, so
memory stays flat whatever the file's size, and line numbers are counted once as the text goes by. A problem
raises an ImporterError naming the file and the line or entry; the importer (``refdesk.importing``) stores a file
in one transaction, so nothing from a damaged file is kept.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
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


#: Bytes read from a file at a time.
BLOCK = 1 << 20
_READERS = {"ris": ris.iter_records, "bibtex": bibtex.iter_records, "csljson": csljson.iter_records}


class RecordFile:
    """A RIS, BibTeX or CSL-JSON file opened for reading: its format and size, and its records as a stream.

    Opening checks that the file can be read, is not empty and is UTF-8 (one quick pass over its bytes); a file
    in another encoding is decoded whole, when charset-normalizer is sure of it (legacy exports are small).
    ``done`` is how many bytes of the file the records read so far came from (for a progress bar).
    """

    def __init__(self, path: str | Path, fmt: str | None = None) -> None:
        self.path = p = Path(path)
        try:
            self.size = p.stat().st_size
            sample, self._text = _sample(p)
        except FileNotFoundError:
            raise ImporterError(f"{p}: no such file") from None
        except IsADirectoryError:
            raise ImporterError(f"{p}: is a folder, not a file") from None
        except PermissionError:
            raise ImporterError(f"{p}: permission denied") from None
        if not sample.strip():
            raise ImporterError(f"{p}: the file is empty")
        self.format = fmt or detect_format(p, sample)
        if self.format not in _READERS:
            raise ImporterError(f"Unknown format '{self.format}' (known: {', '.join(FORMATS)})")
        # a file name that is not UTF-8 is kept readable (caf\xe9.ris): the source is stored as text
        self.source = "file:" + p.name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        self.done = 0

    def _blocks(self) -> Iterator[str]:
        """The text in blocks, each but the last ending right after a ``\\n`` (the readers rely on it)."""
        if self._text is not None:
            self.done = self.size
            yield self._text
            return
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        carry = ""
        with self.path.open("rb") as fh:
            while chunk := fh.read(BLOCK):
                text = carry + decoder.decode(chunk)
                cut = text.rfind("\n") + 1
                carry = text[cut:]
                if cut:
                    yield text[:cut]
                self.done = min(self.size, self.done + len(chunk))
            carry += decoder.decode(b"", final=True)
        if carry:
            yield carry

    def records(self) -> Iterator[Record]:
        """Every record, in file order, as it is read; an ImporterError names the file and the line or entry."""
        try:
            yield from _READERS[self.format](self._blocks(), self.source)
        except EntryError as exc:
            raise ImporterError(f"{self.path}: {_LABELS.get(self.format, self.format)}: {exc}") from None
        self.done = self.size


def _sample(path: Path) -> tuple[str, str | None]:
    """The file's first few thousand characters (with its first non-blank one, wherever it is), checking on the way
    that the whole file is UTF-8; and the whole text when it is not (decoded by charset-normalizer)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    sample = first = ""
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(BLOCK):
                text = decoder.decode(chunk)
                if len(sample) < 4000:
                    sample += text[: 4000 - len(sample)]
                if not first and text.strip():
                    first = text.lstrip()[:1]
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            fh.seek(0)
            whole = decode_bytes(path, fh.read())
            return _with_first(whole[:4000], whole.lstrip()[:1]), whole
    return _with_first(sample, first), None


def _with_first(sample: str, first: str) -> str:
    """Only blank text in the first 4,000 characters: the first one that is not tells the format (and that the
    file is not empty)."""
    return sample + first if not sample.strip() else sample


def open_file(path: str | Path, fmt: str | None = None) -> RecordFile:
    """The file opened for reading its records one at a time (see ``RecordFile``)."""
    return RecordFile(path, fmt)


def read_file(path: str | Path, fmt: str | None = None) -> list[Record]:
    """Every record of a file, or an ImporterError naming the file and line/entry; all or nothing."""
    return list(RecordFile(path, fmt).records())


def write(records: list[Record], fmt: str) -> str:
    """The records as text in ``fmt`` (csljson, ris or bibtex)."""
    if fmt == "csljson":
        return csljson.write(records)
    if fmt == "ris":
        return ris.write(records)
    if fmt == "bibtex":
        return bibtex.write(records)
    raise ImporterError(f"Unknown export format '{fmt}' (known: {', '.join(FORMATS)})")
