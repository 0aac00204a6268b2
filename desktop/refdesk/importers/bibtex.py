"""BibTeX files in and out (bibtexparser 1.x reads; the writer is ours because escaping is the point).

bibtexparser skips what it cannot parse without saying so, so the reader first
checks the structure itself (balanced braces per entry, a key, ``name = value``
fields separated by commas) and names the entry and line of the first problem.

Export: LaTeX special characters are escaped, Unicode stays UTF-8 (biber and
modern BibTeX read it), capitalised words in titles are protected with braces,
organisations are braced (``{World Health Organization}``), and a record without
a ``citationKey`` gets one like ``sergeev2022soviet``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from bibtexparser.bparser import BibTexParser
from bibtexparser.latexenc import latex_to_unicode

from refdesk import schema
from refdesk.dates import iso_parts, normalize_date, parse_date
from refdesk.identifiers import normalize_doi
from refdesk.importers.fileformat import EntryError, add_extra, creator_role, put, split_pages, target
from refdesk.model import Record
from refdesk.names import parse_name
from refdesk.text import ascii_slug, clean, nfc

IMPORT_TYPES = {
    "article": "journalArticle", "book": "book", "mvbook": "book", "booklet": "book", "manual": "book",
    "proceedings": "book", "collection": "book", "inbook": "bookSection", "incollection": "bookSection",
    "inproceedings": "conferencePaper", "conference": "conferencePaper", "phdthesis": "thesis",
    "mastersthesis": "thesis", "thesis": "thesis", "techreport": "report", "report": "report",
    "online": "webpage", "electronic": "webpage", "www": "webpage", "webpage": "webpage", "misc": "document",
    "unpublished": "manuscript", "patent": "patent", "dataset": "dataset", "software": "computerProgram",
    "preprint": "preprint",
}  # fmt: skip
EXPORT_TYPES = {
    "journalArticle": "article", "magazineArticle": "article", "newspaperArticle": "article", "book": "book",
    "bookSection": "incollection", "conferencePaper": "inproceedings", "thesis": "phdthesis", "report": "techreport",
    "webpage": "online", "preprint": "misc", "document": "misc", "manuscript": "unpublished", "patent": "patent",
    "dataset": "dataset", "computerProgram": "software",
}  # fmt: skip
#: BibTeX field -> Zotero (base) field, for fields that map one to one.
SIMPLE_FIELDS = {
    "title": "title", "journal": "publicationTitle", "journaltitle": "publicationTitle",
    "booktitle": "publicationTitle", "series": "series", "volume": "volume", "edition": "edition",
    "publisher": "publisher", "school": "publisher", "institution": "publisher", "address": "place",
    "location": "place", "abstract": "abstractNote", "language": "language", "langid": "language",
    "issn": "ISSN", "isbn": "ISBN", "shorttitle": "shortTitle", "type": "type",
    "shortjournal": "journalAbbreviation", "eventtitle": "conferenceName", "venue": "eventPlace",
    "numpages": "numPages", "pagetotal": "numPages",
}  # fmt: skip
VERBATIM = frozenset({"url", "doi", "eprint", "file"})
_CREATOR_FIELDS = {"author": "author", "editor": "editor", "translator": "translator", "bookauthor": "bookAuthor"}
_HANDLED = {
    "ENTRYTYPE", "ID", "entrysubtype", "year", "month", "day", "date", "pages", "number", "doi", "url", "urldate",
    "keywords", "note", "annote", "eprint", "archiveprefix", "eprinttype", "primaryclass", "howpublished",
    "organization",
}  # fmt: skip
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}

# -- structure check and reading, one entry at a time ---------------------------------------------------------
_ENTRY_START = re.compile(r"^[ \t]*@[ \t]*([A-Za-z][\w-]*)[ \t]*([{(])?", re.MULTILINE)
_KEY = re.compile(r"\s*([^\s,={}()\"#%']+)\s*,")
_NAME = re.compile(r"\s*([A-Za-z_][\w\-:.+/]*)\s*=\s*")
_BARE = re.compile(r"[A-Za-z_][\w\-:.+/]*|\d+")
_SPACE = re.compile(r"\s*")
_BRACE = re.compile(r"[{}]")
_BRACE_OR_PAREN = re.compile(r"[{})]")
_BRACE_OR_QUOTE = re.compile(r'[{}"]')
#: What bibtexparser 1.x's grammar reads (``Word(alphas)``, ``Word(alphanums + '_-().+')``, ``Word(alphanums +
#: '_-:')``, ``Word(nums)``): an entry the structure check passes but 1.x cannot read was always refused as one
#: that "could not be read", and still is.
_V1_TYPE = re.compile(r"[A-Za-z]+")
_V1_FIELD = re.compile(r"[A-Za-z0-9_\-().+]+")
_V1_MACRO = re.compile(r"[A-Za-z0-9_\-:]+")
_V1_INTEGER = re.compile(r"[0-9]+")
#: bibtexparser 1.x's ``common_strings``: the month macros.
COMMON_STRINGS = {m[:3].lower(): m for m in ("January", "February", "March", "April", "May", "June", "July", "August",
                                             "September", "October", "November", "December")}  # fmt: skip


@dataclass(frozen=True)
class EntryInfo:
    kind: str
    key: str
    line: int


class _Unreadable(Exception):
    """An entry bibtexparser 1.x's grammar cannot read (it skipped such an entry); named 'could not be read'."""


#: One part of a field value: ("text", braces or quotes removed), ("integer", digits) or ("macro", name).
_Part = tuple[str, str]


class _Entry:
    """One region of the text, from an entry's ``@`` to the next entry's (or the end): checked, then read.

    Line numbers are counted within the region only, from its first line: the whole file is never recounted.
    """

    def __init__(self, region: str, line: int, last: bool) -> None:
        # pyparsing (under bibtexparser 1.x) reads a text with its tabs expanded to 8-column stops; a region
        # starts a line, so expanding it alone gives the same columns
        self.region = region.expandtabs() if "\t" in region else region
        self.line = line
        self.last = last
        self.end = len(region)  # the end of the entry's body, once its closing brace is found

    def line_at(self, pos: int) -> int:
        return self.line + self.region.count("\n", 0, pos)

    def delimited_end(self, i: int) -> int | None:
        """Index after the braced or quoted value opening at ``region[i]``, or None when it never closes.

        Braces nest in both; a quoted value ends at an unescaped ``"`` outside braces.
        """
        text = self.region
        quoted = text[i] == '"'
        depth = 0
        for m in (_BRACE_OR_QUOTE if quoted else _BRACE).finditer(text, i + 1 if quoted else i, self.end):
            c = m.group()
            j = m.start()
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0 and not quoted:
                    return j + 1
            elif depth == 0 and text[j - 1] != "\\":
                return j + 1
        return None

    def value(self, i: int, where: str) -> tuple[int, _Part]:
        """Index after one value (braced, quoted, number or macro) and the value, or EntryError."""
        text = self.region
        if i >= self.end:
            raise EntryError(f"{where}: a field has no value (line {self.line_at(i)})")
        ch = text[i]
        if ch in '{"':
            end = self.delimited_end(i)
            if end is None:
                problem = "unbalanced braces in" if ch == "{" else "unterminated quoted"
                raise EntryError(f"{where}: {problem} value starting at line {self.line_at(i)}")
            inner = text[i + 1 : end - 1]
            if ch == '"' and '"' in inner and _quote_at_depth_zero(inner):
                return end, ("unreadable", inner)  # 1.x ends the value at the escaped quote
            return end, ("text", inner)
        m = _BARE.match(text, i, self.end)
        if not m:
            raise EntryError(f"{where}: unexpected {text[i]!r} at line {self.line_at(i)} (expected a value)")
        word = m.group()
        return m.end(), ("integer" if _V1_INTEGER.fullmatch(word) else "macro", word)

    def fields(self, i: int, where: str) -> tuple[list[tuple[str, list[_Part]]], bool]:
        """``name = value [# value] , ...`` from index ``i`` to the end of the entry body: the fields, and whether
        the last one was followed by a comma."""
        text, end = self.region, self.end
        out: list[tuple[str, list[_Part]]] = []
        while True:
            i = _skip_space(text, i, end)
            if i >= end:
                return out, True
            m = _NAME.match(text, i, end)
            if not m:
                snippet = text[i : min(end, i + 30)].split("\n")[0]
                raise EntryError(f"{where}: expected 'field = value' at line {self.line_at(i)}, found {snippet!r}")
            name = m.group(1)
            i = m.end()
            parts: list[_Part] = []
            while True:
                i, part = self.value(i, f"{where}: field '{name}'")
                parts.append(part)
                i = _skip_space(text, i, end)
                if i < end and text[i] == "#":
                    i = _skip_space(text, i + 1, end)
                    continue
                break
            out.append((name, parts))
            if i >= end:
                return out, False
            if text[i] != ",":
                raise EntryError(f"{where}: missing ',' after field '{name}' at line {self.line_at(i)} (found {text[i]!r})")
            i += 1

    def read(self, strings: dict[str, str]) -> tuple[EntryInfo, dict[str, str]] | None:
        """The entry's info and fields as bibtexparser 1.x reads them (None for a comment, preamble or @string,
        whose definition goes into ``strings``); EntryError names the first problem."""
        text = self.region
        m = _ENTRY_START.match(text)
        assert m is not None  # a region starts where the pattern matched
        kind = m.group(1).lower()
        if m.group(2) is None:
            if kind == "comment":
                return None
            raise EntryError(f"line {self.line}: '@{m.group(1)}' is not followed by '{{'")
        closer = "}" if m.group(2) == "{" else ")"
        depth = 1
        close_at = -1
        for b in (_BRACE if closer == "}" else _BRACE_OR_PAREN).finditer(text, m.end()):  # BibTeX counts every brace
            c = b.group()
            if c == "{":
                depth += 1
            elif depth == 1 and c == closer:
                close_at = b.start()
                break
            elif c == "}":
                depth -= 1
        key_match = _KEY.match(text, m.end())
        key = key_match.group(1) if key_match and kind not in ("string", "preamble", "comment") else ""
        where = f"entry '{key}' (line {self.line})" if key else f"@{kind} entry at line {self.line}"
        if close_at < 0:
            following = "by the end of the file" if self.last else f"before the next entry at line {self.line_at(len(text))}"
            raise EntryError(f"{where}: unbalanced braces: the entry is not closed {following}")
        if kind in ("comment", "preamble"):
            return None
        self.end = close_at
        if kind == "string":
            self.define(self.fields(m.end(), where), strings, where)
            return None
        if not key_match:
            raise EntryError(f"{where}: the entry has no citation key (expected '@{kind}{{key,')")
        fields, _comma = self.fields(key_match.end(), where)
        info = EntryInfo(kind, key, self.line)
        try:
            if not fields or not _V1_TYPE.fullmatch(m.group(1)):
                raise _Unreadable
            return info, _as_v1(kind, key, fields, strings, where)
        except _Unreadable:
            raise EntryError(f"{where}: could not be read") from None

    def define(self, parsed: tuple[list[tuple[str, list[_Part]]], bool], strings: dict[str, str], where: str) -> None:
        """``@string{name = value}``: defined for the entries after it, as bibtexparser 1.x does (which skips, without
        a word, a definition its grammar does not read: several names, a trailing comma, an odd name)."""
        fields, comma = parsed
        if len(fields) != 1 or comma or not _V1_MACRO.fullmatch(fields[0][0]):
            return
        name, parts = fields[0]
        if any(kind == "unreadable" or (kind != "text" and not _V1_MACRO.fullmatch(word)) for kind, word in parts):
            return
        if len(parts) == 1 and parts[0][0] == "text":
            value = parts[0][1]
            strings[name.lower()] = "" if value in ("", "{}") else value
            return
        strings[name.lower()] = "".join(
            word if kind == "text" else _expand(word, strings, f"{where}: '{name}'") for kind, word in parts
        )


def _skip_space(text: str, i: int, end: int) -> int:
    m = _SPACE.match(text, i, end)
    return m.end() if m else i


def _quote_at_depth_zero(inner: str) -> bool:
    """A ``"`` outside braces inside a quoted value (an escaped one): bibtexparser 1.x ends the value there."""
    depth = 0
    for m in _BRACE_OR_QUOTE.finditer(inner):
        c = m.group()
        depth += (c == "{") - (c == "}")
        if c == '"' and depth == 0:
            return True
    return False


def _strip_after_new_lines(value: str) -> str:
    """bibtexparser 1.x: leading white space is removed from every line of a value but the first."""
    lines = value.splitlines()  # and so a value's last line break goes, and any line break becomes \n
    return "\n".join(lines[:1] + [line.lstrip() for line in lines[1:]])


def _expand(name: str, strings: dict[str, str], where: str) -> str:
    try:
        return strings[name.lower()]
    except KeyError:
        raise EntryError(f"{where} uses @string '{name}', which is not defined before it") from None


def _as_v1(kind: str, key: str, fields: list[tuple[str, list[_Part]]], strings: dict[str, str], where: str) -> dict[str, str]:
    """The entry as bibtexparser 1.x (``common_strings``, ``interpolate_strings``) gives it: names lower-cased, the
    first of a repeated field kept, in 1.x's order (the last field first), strings expanded, then ENTRYTYPE and ID.
    ``_Unreadable`` when 1.x's grammar would not read it (checked before any string is expanded, as 1.x does)."""
    for name, parts in fields:
        if not _V1_FIELD.fullmatch(name) or (parts[0][0] == "integer" and len(parts) > 1):
            raise _Unreadable  # 1.x reads a leading number as the whole value: '2020 # x' fails
        for part_kind, word in parts:
            if part_kind == "unreadable" or (part_kind != "text" and len(parts) > 1 and not _V1_MACRO.fullmatch(word)):
                raise _Unreadable
            if part_kind == "macro" and not _V1_MACRO.fullmatch(word):
                raise _Unreadable
    entry: dict[str, str] = {}
    for name, parts in reversed(fields):
        if len(parts) == 1 and parts[0][0] != "macro":
            value = _strip_after_new_lines(parts[0][1])
            entry[name.lower()] = "" if value in ("", "{}") else value
            continue
        entry[name.lower()] = "".join(  # a number inside a concatenation is a macro's name to 1.x
            _strip_after_new_lines(word) if part_kind == "text" else _expand(word, strings, f"{where}: field '{name}'")
            for part_kind, word in parts
        )
    entry["ENTRYTYPE"] = kind
    entry["ID"] = key
    return entry


def iter_entries(blocks: Iterable[str]) -> Iterator[tuple[EntryInfo, dict[str, str]]]:
    """Every entry of a BibTeX text given in blocks, as bibtexparser 1.x reads it, one entry at a time.

    Each block but the last must end right after a ``\\n`` (the entry pattern never spans lines, so no entry start
    is cut). The text is split at each line that starts with ``@``; an entry is read once the next one's start is
    seen, and lines are counted only across the text between entries: linear in the file's size.
    """
    strings = dict(COMMON_STRINGS)
    pending = ""  # from the last entry start seen: the entry may go on in the next block
    line = 1  # the line the text not yet passed starts on (``pending``'s first line)
    found = False
    for block in blocks:
        text = pending + block if pending else block
        starts = [m.start() for m in _ENTRY_START.finditer(text)]
        if not starts:
            if not pending:
                line += text.count("\n")  # text before the first entry: a comment
            pending = text if pending else ""
            continue
        line += text.count("\n", 0, starts[0])
        for a, b in pairwise(starts):
            entry = _Entry(text[a:b], line, last=False)
            line += entry.region.count("\n")
            if (got := entry.read(strings)) is not None:
                found = True
                yield got
        pending = text[starts[-1] :]
    if pending and (got := _Entry(pending, line, last=True).read(strings)) is not None:
        found = True
        yield got
    if not found:
        raise EntryError("line 1: no BibTeX entries found")


def check_structure(text: str) -> list[EntryInfo]:
    """Every entry's type, key and line, or an EntryError naming the entry and line of the first problem."""
    return [info for info, _entry in iter_entries([text])]


# -- reading ------------------------------------------------------------------------------------------------
_ESCAPES = {
    r"\{": "\ue000", r"\}": "\ue001", r"\$": "\ue002", r"\&": "\ue003", r"\%": "\ue004", r"\#": "\ue005",
    r"\_": "\ue006", r"\textbraceleft{}": "\ue000", r"\textbraceright{}": "\ue001", r"\textbraceleft": "\ue000",
    r"\textbraceright": "\ue001", r"\textasciitilde{}": "\ue007", r"\textasciicircum{}": "\ue008", r"\textbackslash{}": "\ue009",
    r"\textasciitilde": "\ue007", r"\textasciicircum": "\ue008", r"\textbackslash": "\ue009",
}  # fmt: skip
_RESTORE = {"\ue000": "{", "\ue001": "}", "\ue002": "$", "\ue003": "&", "\ue004": "%", "\ue005": "#", "\ue006": "_",
            "\ue007": "~", "\ue008": "^", "\ue009": "\\"}  # fmt: skip
_RESTORE_TABLE = str.maketrans(_RESTORE)
_ESCAPE_RE = re.compile("|".join(re.escape(k) for k in sorted(_ESCAPES, key=len, reverse=True)))
_NBSP = re.compile(r"(?<!\\)~")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
#: One LaTeX command with its argument, optionally braced: {\"u}, \'{e}, \v c, {\ss}, \textendash.
_LATEX_CMD = re.compile(r"\{?\\(?:[`'^\"~=.]|[a-zA-Z]+\s*)(?:\{[^{}]*\}|[A-Za-z])?\}?")


def decode(value: str, verbatim: bool = False) -> str:
    """LaTeX -> Unicode text: accents decoded, escapes undone, protective braces dropped, NFC."""
    protected = _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], value)
    if not verbatim:
        protected = _NBSP.sub(" ", protected)
        if "\\" in protected:  # only the commands: latex_to_unicode also rewrites ':=' and friends
            protected = _LATEX_CMD.sub(lambda m: latex_to_unicode(m.group(0)), protected)
        protected = protected.replace("{", "").replace("}", "")
    return nfc(protected.translate(_RESTORE_TABLE))


def split_names(value: str) -> list[str]:
    """Split a BibTeX name list on ' and ' outside braces."""
    names: list[str] = []
    depth = start = i = 0
    while i < len(value):
        c = value[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and c.isspace():
            m = _AND.match(value, i)
            if m:
                names.append(value[start:i])
                start = i = m.end()
                continue
        i += 1
    names.append(value[start:])
    return [n.strip() for n in names if n.strip()]


def _split_commas(raw: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, c in enumerate(raw):
        depth += (c == "{") - (c == "}")
        if c == "," and depth == 0:
            parts.append(raw[start:i])
            start = i + 1
    parts.append(raw[start:])
    return [p.strip() for p in parts]


def creator_from_bibtex(raw: str, creator_type: str) -> dict[str, str]:
    """BibTeX's own name forms: '{Organisation}', 'Last, First', 'Last, Jr, First'; else the name heuristics."""
    raw = " ".join(raw.split())
    if raw.startswith("{") and raw.endswith("}") and _balanced_inside(raw[1:-1]):
        return {"creatorType": creator_type, "name": decode(raw[1:-1])}
    parts = _split_commas(raw)
    if len(parts) == 2 and parts[0] and parts[1]:
        return {"creatorType": creator_type, "lastName": decode(parts[0]), "firstName": decode(parts[1])}
    if len(parts) == 3 and parts[0] and parts[2]:
        first = decode(parts[2]) + (f", {decode(parts[1])}" if parts[1] else "")
        return {"creatorType": creator_type, "lastName": decode(parts[0]), "firstName": first}
    return parse_name(decode(raw), creator_type)


def _balanced_inside(text: str) -> bool:
    depth = 0
    for c in text:
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


def _date(entry: dict[str, str]) -> str:
    if entry.get("date"):
        return decode(entry["date"])
    year = decode(entry.get("year", "")).strip()
    if not year:
        return ""
    month_raw = decode(entry.get("month", "")).strip().lower()
    month = _MONTHS.get(month_raw[:3]) if month_raw else None
    if month is None and month_raw.isdecimal() and 1 <= int(month_raw) <= 12:
        month = int(month_raw)
    day = decode(entry.get("day", "")).strip()
    if not year.isdecimal() or len(year) != 4:
        return f"{month_raw} {year}".strip() if month_raw and not month else year
    if month is None:
        return year if not month_raw else f"{month_raw.capitalize()} {year}"
    iso = f"{year}-{month:02d}"
    if day.isdecimal():
        iso += f"-{int(day):02d}"
    return iso


def record_from_bibtex(entry: dict[str, str], source: str) -> Record:
    """A Record from one bibtexparser entry; a field with no home lands in ``extra``."""
    kind = entry.get("ENTRYTYPE", "misc").lower()
    subtype = decode(entry.get("entrysubtype", "")).lower()
    item_type = IMPORT_TYPES.get(kind, "document")
    if kind == "article" and subtype in ("magazine", "newspaper"):
        item_type = f"{subtype}Article"
    if kind == "misc" and (subtype == "preprint" or entry.get("eprint") or entry.get("archiveprefix")):
        item_type = "preprint"
    if not schema.is_item_type(item_type):
        item_type = "document"
    rec = Record.new(item_type)
    if entry.get("ID") and schema.has_field(item_type, "citationKey"):
        rec.set("citationKey", entry["ID"], source)
    creators = []
    for field, wanted in _CREATOR_FIELDS.items():
        for name in split_names(entry.get(field, "")):
            creators.append(creator_from_bibtex(name, creator_role(item_type, wanted)))
    if creators:
        rec.set("creators", creators, source)
    for field, base in SIMPLE_FIELDS.items():
        if field in entry:
            if field == "title" or base != "publicationTitle" or target(item_type, base):
                put(rec, base, decode(entry[field]), source, field)
            else:
                put(rec, "series", decode(entry[field]), source, field)
    if kind == "mastersthesis" and not rec.get("thesisType"):
        put(rec, "type", "Master's thesis", source)
    elif kind == "phdthesis" and not rec.get("thesisType"):
        put(rec, "type", "PhD thesis", source)
    put(rec, "date", _date(entry), source, "date")
    if entry.get("pages"):
        put(rec, "pages", "-".join(p for p in split_pages(decode(entry["pages"])) if p), source, "pages")
    if entry.get("number"):
        number = decode(entry["number"])
        for base in ("issue", "number", "seriesNumber"):
            if target(item_type, base):
                put(rec, base, number, source, "number")
                break
        else:
            add_extra(rec, f"number: {number}", source)
    if entry.get("doi"):
        put(rec, "DOI", normalize_doi(decode(entry["doi"], True)) or decode(entry["doi"], True), source, "doi")
    if entry.get("url"):
        put(rec, "url", decode(entry["url"], True), source, "url")
    if entry.get("urldate"):
        put(rec, "accessDate", decode(entry["urldate"]), source, "urldate")
    howpublished = decode(entry.get("howpublished", ""))
    if howpublished:
        url = re.fullmatch(r"\\url\{(.+)\}", entry["howpublished"].strip())
        if url:
            put(rec, "url", decode(url.group(1), True), source, "howpublished")
        else:
            put(rec, "publisher" if item_type in ("document", "webpage") else "extra", howpublished, source, "howpublished")
    if entry.get("organization"):
        put(rec, "publisher", decode(entry["organization"]), source, "organization")
    if item_type == "preprint" and entry.get("eprint"):
        prefix = decode(entry.get("archiveprefix") or entry.get("eprinttype") or "")
        put(rec, "number", f"{prefix}:{decode(entry['eprint'], True)}" if prefix else decode(entry["eprint"], True), source, "eprint")
        if prefix:
            put(rec, "publisher", prefix, source, "archiveprefix")
    for tag in re.split(r"[,;]", decode(entry.get("keywords", ""))):
        rec.add_tag(tag)
    for field in ("note", "annote"):
        if entry.get(field):
            for line in decode(entry[field]).split("\n"):
                add_extra(rec, line, source)
    for field, value in entry.items():
        if field in _HANDLED or field in SIMPLE_FIELDS or field in _CREATOR_FIELDS:
            continue
        add_extra(rec, f"{field}: {clean(decode(value, field in VERBATIM))}", source)
    return rec


def _parse(text: str) -> list[dict[str, str]]:
    """bibtexparser 1.x's own reading (kept as the reference the tests compare ``iter_entries`` with)."""
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True)
    entries: list[dict[str, str]] = parser.parse(text).entries
    return entries


def iter_records(blocks: Iterable[str], source: str) -> Iterator[Record]:
    """The records of a BibTeX text given in blocks, each as soon as its entry is read; EntryError names the entry."""
    for info, entry in iter_entries(blocks):
        try:
            yield record_from_bibtex(entry, source)
        except (EntryError, ValueError, TypeError, KeyError) as exc:
            raise EntryError(f"entry '{info.key}' (line {info.line}): {exc}") from None


def read(text: str, source: str) -> list[Record]:
    """Every record of a BibTeX text, or an EntryError naming the entry and its line."""
    return list(iter_records([text], source))


# -- writing ------------------------------------------------------------------------------------------------
_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}  # fmt: skip
_SPECIAL_RE = re.compile("[" + re.escape("".join(_SPECIAL)) + "]")
_TITLE_STOP = {"a", "an", "the", "on", "of", "and", "in", "to", "for", "at", "by", "with", "from", "о", "об", "и", "в", "на"}


def escape(text: str) -> str:
    """LaTeX-escape the ten special characters; everything else (Cyrillic too) stays as it is."""
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)], text)


def protect_title(title: str) -> str:
    """Escape, and brace words whose capitals a style must not lower-case ('{British}', '{USSR}')."""
    words = title.split(" ")
    out = []
    for n, word in enumerate(words):
        esc = escape(word)
        letters = [c for c in word if c.isalpha()]
        capital_inside = any(c.isupper() for c in letters[1:])
        if letters and (capital_inside or (n > 0 and letters[0].isupper() and not words[n - 1].endswith((":", ".", "?", "!")))):
            esc = "{" + esc + "}"
        out.append(esc)
    return " ".join(out)


def _name(creator: dict[str, str]) -> str:
    if "name" in creator:
        return "{" + escape(creator["name"]) + "}"
    last = _protect_name_part(creator.get("lastName", ""))
    first_raw = creator.get("firstName", "")
    given, sep, suffix = first_raw.partition(", ")
    if sep and given and suffix and "," not in suffix:  # "John, Jr." -> "Smith, Jr., John"
        return f"{last}, {_protect_name_part(suffix)}, {_protect_name_part(given)}"
    first = _protect_name_part(first_raw)
    return f"{last}, {first}" if first else last


def _protect_name_part(part: str) -> str:
    """Escape; brace a part that holds a comma, an 'and' or edge spaces, which would change how BibTeX splits it."""
    text = escape(part)
    if "," in part or re.search(r"\band\b", part, re.IGNORECASE) or part != part.strip():
        return "{" + text + "}"
    return text


def citation_key(rec: Record) -> str:
    """``sergeev2022soviet``: first creator's surname, year, first significant title word (ASCII)."""
    last = ""
    for creator in rec.creators:
        last = creator.get("lastName") or creator.get("name", "")
        break
    word = ""
    for w in re.findall(r"\w+", rec.title):
        if w.casefold() not in _TITLE_STOP:
            word = w
            break
    key = ascii_slug(last.split()[-1] if last.split() else "") + rec.year + ascii_slug(word)
    return key or "ref"


def _fields(rec: Record) -> list[tuple[str, str]]:
    item_type = rec.item_type
    known = schema.is_item_type(item_type)

    def get(base: str) -> str:
        name = target(item_type, base) if known else base
        return rec.get(name or base)

    out: list[tuple[str, str]] = []
    if item_type in ("magazineArticle", "newspaperArticle"):
        out.append(("entrysubtype", item_type.removesuffix("Article")))
    elif item_type == "preprint":
        out.append(("entrysubtype", "preprint"))
    people: dict[str, list[str]] = {}
    primary = schema.primary_creator_type(item_type) if known else "author"
    for c in rec.creators:
        role = c.get("creatorType", "author")
        field = "author" if role == primary else {"editor": "editor", "translator": "translator", "bookAuthor": "bookauthor"}.get(role, "author")
        people.setdefault(field, []).append(_name(c))
    for field in ("author", "editor", "translator", "bookauthor"):
        if field in people:
            out.append((field, " and ".join(people[field])))
    if rec.title:
        out.append(("title", protect_title(rec.title)))
    container = get("publicationTitle")
    if container:
        out.append(("journal" if item_type.endswith("Article") else "booktitle", protect_title(container)))
    if rec.get("journalAbbreviation"):
        out.append(("shortjournal", escape(rec.get("journalAbbreviation"))))
    parsed = parse_date(rec.get("date"))
    if parsed.iso:
        parts = iso_parts(parsed.iso)
        out.append(("year", str(parts[0])))
        if len(parts) > 1:
            out.append(("month", str(parts[1])))
        if len(parts) > 2:
            out.append(("day", str(parts[2])))
    elif rec.get("date"):
        out.append(("year", escape(rec.get("date"))))
    simple = [
        ("series", "series"), ("volume", "volume"), ("edition", "edition"), ("address", "place"),
        ("type", "type"), ("language", "language"), ("issn", "ISSN"), ("isbn", "ISBN"),
        ("shorttitle", "shortTitle"), ("eventtitle", "conferenceName"), ("venue", "eventPlace"),
        ("pagetotal", "numPages"),
    ]  # fmt: skip
    publisher = get("publisher")
    if publisher:
        field = {"thesis": "school", "report": "institution"}.get(item_type, "publisher")
        out.append((field, escape(publisher)))
    for bib, base in simple:
        value = get(base)
        if value:
            out.append((bib, escape(value)))
    number = get("issue") or get("number") or get("seriesNumber")
    if number:
        out.append(("number", escape(number)))
    if rec.get("pages"):
        out.append(("pages", escape("--".join(p for p in split_pages(rec.get("pages")) if p))))
    if rec.get("DOI"):
        out.append(("doi", rec.get("DOI").replace("{", "").replace("}", "")))
    if rec.get("url"):
        out.append(("url", rec.get("url").replace("{", "%7B").replace("}", "%7D")))
    access = normalize_date(rec.get("accessDate"))
    if access:
        out.append(("urldate", access))
    if rec.get("abstractNote"):
        out.append(("abstract", escape(rec.get("abstractNote"))))
    if rec.tags:
        out.append(("keywords", escape(", ".join(rec.tag_names()))))
    if rec.get("extra"):
        out.append(("note", escape(rec.get("extra"))))
    return out


def _letters(n: int) -> str:
    """1 -> 'a', 26 -> 'z', 27 -> 'aa': a key suffix that stays a key character however many records share a base."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def entry_type(rec: Record) -> str:
    if rec.item_type == "thesis" and re.search(r"master|магистер", rec.get("thesisType"), re.IGNORECASE):
        return "mastersthesis"
    return EXPORT_TYPES.get(rec.item_type, "misc")


def write(records: list[Record]) -> str:
    """BibTeX text for the records; citation keys are unique within the file."""
    used: set[str] = set()
    tried: dict[str, int] = {}  # base key -> suffixes tried so far (a file of thousands stays linear)
    chunks = []
    for rec in records:
        base = rec.get("citationKey") or citation_key(rec)
        key = base
        while key in used:
            tried[base] = tried.get(base, 0) + 1
            key = base + _letters(tried[base])
        used.add(key)
        lines = [f"@{entry_type(rec)}{{{key},"]
        for name, value in _fields(rec):
            lines.append(f"  {name} = {{{value}}},")
        lines.append("}")
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + "\n"


def parse_entries(text: str) -> list[dict[str, Any]]:
    """bibtexparser's view of a text (for tests and tools)."""
    return list(_parse(text))
