"""RIS files in and out (rispy does the tag handling; the item-type mapping follows Zotero's RIS translator).

rispy is lenient: it joins any odd line onto the previous tag and ignores a
missing ``ER``. A file with such damage is usually truncated or mangled, so the
reader checks the structure first and names the line, and only then lets rispy
read it.
"""

from __future__ import annotations

import re
from typing import Any

import rispy

from refdesk import schema
from refdesk.dates import iso_parts, parse_date, store_form
from refdesk.errors import InvalidInputError
from refdesk.identifiers import normalize_doi, validate_isbn, validate_issn
from refdesk.importers.fileformat import EntryError, add_extra, creator_role, join_pages, put, split_pages, target
from refdesk.model import Record
from refdesk.names import parse_name
from refdesk.text import clean

#: RIS type -> Zotero item type (import). Unknown types become ``document``.
IMPORT_TYPES = {
    "JOUR": "journalArticle", "JFULL": "journalArticle", "EJOUR": "journalArticle", "ABST": "journalArticle",
    "INPR": "journalArticle", "BOOK": "book", "EBOOK": "book", "EDBOOK": "book", "WHOLE": "book",
    "CHAP": "bookSection", "ECHAP": "bookSection", "CONF": "conferencePaper", "CPAPER": "conferencePaper",
    "THES": "thesis", "RPRT": "report", "ELEC": "webpage", "WEB": "webpage", "UNPB": "preprint",
    "MGZN": "magazineArticle", "NEWS": "newspaperArticle", "GEN": "document", "BLOG": "blogPost",
    "ART": "artwork", "SOUND": "audioRecording", "MUSIC": "audioRecording", "BILL": "bill", "CASE": "case",
    "COMP": "computerProgram", "DICT": "dictionaryEntry", "ENCYC": "encyclopediaArticle", "ICOMM": "email",
    "MPCT": "film", "HEAR": "hearing", "PCOMM": "letter", "MANSCPT": "manuscript", "MAP": "map",
    "PAT": "patent", "SLIDE": "presentation", "STAT": "statute", "VIDEO": "videoRecording", "DATA": "dataset",
    "STAND": "standard",
}  # fmt: skip
#: Zotero item type -> RIS type (export); the default is GEN.
EXPORT_TYPES = {
    "journalArticle": "JOUR", "book": "BOOK", "bookSection": "CHAP", "conferencePaper": "CONF", "thesis": "THES",
    "report": "RPRT", "webpage": "ELEC", "preprint": "UNPB", "magazineArticle": "MGZN", "newspaperArticle": "NEWS",
    "document": "GEN", "blogPost": "BLOG", "artwork": "ART", "audioRecording": "SOUND", "bill": "BILL",
    "case": "CASE", "computerProgram": "COMP", "dictionaryEntry": "DICT", "encyclopediaArticle": "ENCYC",
    "email": "ICOMM", "film": "MPCT", "hearing": "HEAR", "letter": "PCOMM", "manuscript": "MANSCPT", "map": "MAP",
    "patent": "PAT", "presentation": "SLIDE", "statute": "STAT", "videoRecording": "VIDEO", "dataset": "DATA",
    "standard": "STAND",
}  # fmt: skip
#: One-to-one tags: RIS tag -> Zotero (base) field.
SIMPLE_TAGS = {
    "VL": "volume", "IS": "issue", "PB": "publisher", "CY": "place", "ET": "edition", "ST": "shortTitle",
    "M3": "type", "LA": "language", "DB": "libraryCatalog", "DP": "libraryCatalog", "CN": "callNumber",
    "SE": "section", "NV": "numberOfVolumes", "Y2": "accessDate", "T3": "series",
}  # fmt: skip
#: Creator tags -> Zotero creator type wanted.
CREATOR_TAGS = {"AU": "author", "A1": "author", "A2": "editor", "A3": "seriesEditor", "A4": "translator", "TA": "translator"}
#: Where Zotero's RIS translator departs from the tags above for one item type: tag -> field or creator type.
#: A report's T2 is its series title, SN its number and A2 its series editor (T3, which some writers use for the
#: series, is read as the series title too when T2 is absent).
TYPE_TAGS: dict[str, dict[str, str]] = {
    "report": {"T2": "seriesTitle", "T3": "seriesTitle", "SN": "reportNumber", "A2": "seriesEditor"},
    "computerProgram": {"T2": "seriesTitle", "T3": "seriesTitle"},
    "map": {"T2": "seriesTitle", "T3": "seriesTitle"},
}
_SKIP = {"TY", "ER", "ID"}
_HANDLED = {"TI", "T1", "T2", "JO", "JF", "JA", "J2", "PY", "Y1", "DA", "SP", "EP", "SN", "DO", "UR", "AB", "N2", "N1", "KW"}

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_KEY_TO_TAG = {name: tag for tag, name in rispy.TAG_KEY_MAPPING.items()}
_ISSN = re.compile(r"^\d{4}-?\d{3}[\dXx]$")


def check_structure(text: str) -> list[int]:
    """Raise EntryError naming the line when the text is not well-formed RIS; returns each record's first line.

    A line that starts with white space continues the previous value (some writers wrap
    long abstracts); any other line must be ``XX  - value``; records open with ``TY``
    and close with ``ER``.
    """
    starts: list[int] = []
    open_at: int | None = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line:
            continue
        if raw[:1].isspace():
            if open_at is None:
                raise EntryError(f"line {n}: text outside a record: {line.strip()[:60]!r}")
            continue
        m = _TAG_LINE.match(line)
        if not m:
            raise EntryError(f"line {n}: not a RIS line of the form 'XX  - value': {line[:60]!r}")
        tag = m.group(1)
        if tag == "TY":
            if open_at is not None:
                raise EntryError(f"line {n}: new record (TY) before the record of line {open_at} was closed with ER")
            if not (m.group(2) or "").strip():
                raise EntryError(f"line {n}: TY without a reference type")
            open_at = n
            starts.append(n)
        elif open_at is None:
            raise EntryError(f"line {n}: {tag} outside a record (records start with 'TY  - ')")
        elif tag == "ER":
            open_at = None
    if open_at is not None:
        raise EntryError(f"line {open_at}: the record that starts here has no ER line (file truncated?)")
    if not starts:
        raise EntryError("line 1: no RIS records (no 'TY  - ' line)")
    return starts


def _join_wrapped(text: str) -> str:
    """Fold indented continuation lines onto their tag line (rispy would keep the indentation)."""
    out: list[str] = []
    for raw in text.splitlines():
        if raw[:1].isspace() and raw.strip() and out:
            out[-1] = f"{out[-1].rstrip()} {raw.strip()}"
        else:
            out.append(raw)
    return "\n".join(out) + "\n"


def _as_tags(entry: dict[str, Any]) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for name, value in entry.items():
        if name == "unknown_tag":
            for tag, values in value.items():
                tags.setdefault(tag, []).extend(str(v) for v in values)
            continue
        tag = _KEY_TO_TAG.get(name, name)
        values = value if isinstance(value, list) else [value]
        tags.setdefault(tag, []).extend(str(v) for v in values if v is not None)
    return tags


def _ris_date(value: str) -> str:
    """RIS ``YYYY/MM/DD/other`` -> the stored date (the 'other' part kept when it says more)."""
    value = clean(value)
    parts = value.split("/")
    if len(parts) < 2 or not parts[0].strip().isdecimal():
        return store_form(value)
    nums = [p.strip() for p in parts[:3]]
    other = "/".join(parts[3:]).strip()
    iso = "-".join(f"{int(p):02d}" if i else p for i, p in enumerate(nums) if p.isdecimal())
    if other:
        parsed = parse_date(other)
        if parsed.iso and parsed.iso[:4] == iso[:4]:
            return store_form(other)
        if not parsed.iso:  # "2022///Spring": a season or note without its year
            return f"{other} {iso}"
    return store_form(iso)


def record_from_ris(entry: dict[str, Any], source: str) -> Record:
    """A Record from one rispy entry; a tag with no field lands in ``extra`` as ``XX: value``."""
    tags = _as_tags(entry)
    ris_type = (tags.pop("TY", ["GEN"])[0] or "GEN").strip().upper()
    item_type = IMPORT_TYPES.get(ris_type, "document")
    if not schema.is_item_type(item_type):
        item_type = "document"
    rec = Record.new(item_type)

    def first(*names: str) -> str:
        for name in names:
            for value in tags.get(name, []):
                if value.strip():
                    return value
        return ""

    put(rec, "title", first("TI", "T1"), source, "TI")
    for extra_title in [v for t in ("TI", "T1") for v in tags.get(t, [])][1:]:
        put(rec, "title", extra_title, source, "TI")
    special = TYPE_TAGS.get(item_type, {})
    container = first("T2", "JF", "JO")
    if container:
        if "T2" in special:
            put(rec, special["T2"], container, source, "T2")
        elif target(item_type, "publicationTitle"):
            put(rec, "publicationTitle", container, source, "T2")
        else:
            put(rec, "series", container, source, "T2")
    for tag in ("JF", "JO"):
        for value in tags.get(tag, []):
            if clean(value) != rec.get(target(item_type, "publicationTitle") or "publicationTitle"):
                put(rec, "journalAbbreviation", value, source, tag)
    for tag in ("JA", "J2"):
        for value in tags.get(tag, []):
            put(rec, "journalAbbreviation", value, source, tag)
    creators = []
    for tag, wanted in CREATOR_TAGS.items():
        for value in tags.get(tag, []):
            if clean(value):
                creators.append(parse_name(value, creator_role(item_type, special.get(tag, wanted))))
    if creators:
        rec.set("creators", creators, source)
    date = first("DA") or first("PY", "Y1")
    if date:
        put(rec, "date", _ris_date(date), source, "DA")
    if first("DA"):  # a PY that disagrees with DA is kept, not silently dropped
        year = (parse_date(rec.get("date")).iso or "")[:4]
        for tag in ("PY", "Y1"):
            for value in tags.get(tag, []):
                iso = parse_date(_ris_date(value)).iso
                if iso and iso[:4] != year:
                    add_extra(rec, f"{tag}: {clean(value)}", source)
    for tag, field in SIMPLE_TAGS.items():
        field = special.get(tag, field)
        for value in tags.get(tag, []):
            if field == "accessDate":
                value = _ris_date(value)
            if field == "issue" and not target(item_type, "issue"):
                field = "number"  # a report's or preprint's number
            put(rec, field, value, source, tag)
    pages = join_pages(first("SP"), first("EP"))
    if "-" in first("SP") and not first("EP"):
        pages = join_pages(*split_pages(first("SP")))
    put(rec, "pages", pages, source, "SP")
    for value in tags.get("SN", []) if "SN" in special else []:
        for number in re.split(r";\s*", clean(value)):  # a report number may hold commas and spaces
            put(rec, _standard_number(number) or special["SN"], number, source, "SN")
    for value in tags.get("SN", []) if "SN" not in special else []:
        for number in re.split(r"[;,]\s*|\s+(?=\d)", clean(value)):
            number = number.strip()
            if not number:
                continue
            field = "ISSN" if _ISSN.match(number) and schema.has_field(item_type, "ISSN") else "ISBN"
            if not schema.has_field(item_type, field):
                field = "ISSN" if schema.has_field(item_type, "ISSN") else "ISBN"
            current = rec.get(field)
            if current and number not in current and schema.has_field(item_type, field):
                rec.set(field, f"{current} {number}", source)
            else:
                put(rec, field, number, source, "SN")
    for value in tags.get("DO", []):
        put(rec, "DOI", normalize_doi(value) or clean(value), source, "DO")
    for value in tags.get("UR", []):
        put(rec, "url", value, source, "UR")
    put(rec, "abstractNote", first("AB", "N2"), source, "AB")
    for tag in ("AB", "N2"):
        for value in tags.get(tag, [])[0 if tag == "N2" and first("AB") else 1 :]:
            if clean(value) and clean(value) != clean(rec.get("abstractNote")):
                add_extra(rec, f"{tag}: {clean(value)}", source)
    notes = [v.strip() for v in tags.get("N1", []) if v.strip()]
    for note in notes:
        add_extra(rec, note, source)
    for value in tags.get("KW", []):
        rec.add_tag(value)
    for tag, values in tags.items():
        if tag in _SKIP or tag in _HANDLED or tag in SIMPLE_TAGS or tag in CREATOR_TAGS:
            continue
        for value in values:
            add_extra(rec, f"{tag}: {clean(value)}", source)
    return rec


def _standard_number(text: str) -> str:
    """"ISSN" or "ISBN" when ``text`` is one (its check digit right), else "" (a report number, say)."""
    for field, check in (("ISSN", validate_issn), ("ISBN", validate_isbn)):
        try:
            check(text)
        except InvalidInputError:
            continue
        return field
    return ""


def read(text: str, source: str) -> list[Record]:
    """Every record of a RIS text, or an EntryError naming the line."""
    starts = check_structure(text)
    entries = rispy.loads(_join_wrapped(text))
    if len(entries) != len(starts):
        raise EntryError(f"line {starts[0]}: found {len(starts)} records but could read {len(entries)}")
    records = []
    for line, entry in zip(starts, entries, strict=True):
        try:
            records.append(record_from_ris(entry, source))
        except (EntryError, ValueError, TypeError, KeyError) as exc:
            raise EntryError(f"line {line}: record {len(records) + 1}: {exc}") from None
    return records


# -- export -------------------------------------------------------------------------------------------------
_EXPORT_FIELDS = [
    ("series", "T3"), ("volume", "VL"), ("issue", "IS"), ("edition", "ET"), ("publisher", "PB"), ("place", "CY"),
    ("type", "M3"), ("section", "SE"), ("numberOfVolumes", "NV"), ("shortTitle", "ST"), ("language", "LA"),
    ("libraryCatalog", "DB"), ("callNumber", "CN"),
]  # fmt: skip
_EXPORT_CREATORS = {"author": "AU", "editor": "A2", "seriesEditor": "A3", "translator": "A4"}


def _field(rec: Record, base: str) -> str:
    name = target(rec.item_type, base) if schema.is_item_type(rec.item_type) else base
    return rec.get(name or base)


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _date_tag(value: str) -> tuple[str, str]:
    """Stored date -> (PY, DA): ``2022`` and ``2022/11/01/`` (+ the original when it says more)."""
    parsed = parse_date(value)
    if not parsed.iso:
        return "", f"///{_one_line(value)}"
    parts = [f"{p:02d}" if i else str(p) for i, p in enumerate(iso_parts(parsed.iso))]
    parts += [""] * (3 - len(parts))
    other = _one_line(parsed.original) if parsed.carries_more else ""
    return parsed.iso[:4], "/".join(parts) + "/" + other


def record_to_ris(rec: Record) -> dict[str, Any]:
    """A rispy entry (tag codes as keys) for one record."""
    out: dict[str, Any] = {"TY": EXPORT_TYPES.get(rec.item_type, "GEN")}
    special = {value: tag for tag, value in reversed(TYPE_TAGS.get(rec.item_type, {}).items())}  # field -> its first tag
    primary = schema.primary_creator_type(rec.item_type) if schema.is_item_type(rec.item_type) else "author"
    for creator in rec.creators:
        role = creator.get("creatorType", "author")
        tag = "AU" if role == primary else special.get(role) or _EXPORT_CREATORS.get(role, "AU")
        if "name" in creator:
            text = creator["name"]
        else:
            last, first = creator.get("lastName", ""), creator.get("firstName", "")
            text = f"{last}, {first}" if first else last
        out.setdefault(tag, []).append(text)
    if rec.title:
        out["TI"] = _one_line(rec.title)
    container = rec.get("seriesTitle") if special.get("seriesTitle") == "T2" else _field(rec, "publicationTitle")
    if container:
        out["T2"] = _one_line(container)
    if rec.get("journalAbbreviation"):
        out["J2"] = rec.get("journalAbbreviation")
    date = rec.get("date")
    if date:
        py, da = _date_tag(date)
        if py:
            out["PY"] = py
        out["DA"] = da
    if rec.get("accessDate"):
        out["Y2"] = rec.get("accessDate")
    for base, tag in _EXPORT_FIELDS:
        value = _field(rec, base)
        if value:
            out[tag] = _one_line(value)
    number = _field(rec, "number")
    if number and special.get("reportNumber") == "SN":
        out["SN"] = _one_line(number)  # its ISSN and ISBN follow: read back by their check digits
    elif number and "IS" not in out:
        out["IS"] = number
    pages = rec.get("pages")
    if pages:
        sp, ep = split_pages(pages)
        out["SP"] = sp
        if ep:
            out["EP"] = ep
    numbers = [out.get("SN", ""), rec.get("ISSN"), rec.get("ISBN")]
    if any(numbers):
        out["SN"] = "; ".join(n for n in numbers if n)
    if rec.get("DOI"):
        out["DO"] = rec.get("DOI")
    if rec.get("url"):
        out["UR"] = [rec.get("url")]
    if rec.get("abstractNote"):
        out["AB"] = _one_line(rec.get("abstractNote"))
    if rec.get("extra"):
        out["N1"] = [line for line in rec.get("extra").split("\n") if line.strip()]
    if rec.tags:
        out["KW"] = rec.tag_names()
    return out


class _Writer(rispy.RisWriter):
    """rispy's writer without its '1.' numbering line, with tag codes as keys."""

    def set_header(self, count: int) -> str:
        return ""


def write(records: list[Record]) -> str:
    entries = [{rispy.TAG_KEY_MAPPING[tag]: value for tag, value in record_to_ris(rec).items()} for rec in records]
    text: str = rispy.dumps(
        entries, implementation=_Writer, list_tags=["AU", "A2", "A3", "A4", "KW", "N1", "UR"], delimiter_tags_mapping={}
    )
    return text.lstrip("\n")
