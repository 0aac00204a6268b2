"""RIS files in and out (rispy does the tag handling; the item-type mapping follows Zotero's RIS translator).

rispy is lenient: it joins any odd line onto the previous tag and ignores a
missing ``ER``. A file with such damage is usually truncated or mangled, so the
reader checks the structure first and names the line, and only then lets rispy
read it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

import rispy

from refdesk import schema
from refdesk.dates import iso_parts, parse_date, store_form
from refdesk.errors import InvalidInputError
from refdesk.identifiers import normalize_doi, validate_isbn, validate_issn
from refdesk.importers.fileformat import (
    DATE_FIELDS,
    EntryError,
    add_extra,
    join_pages,
    put,
    split_pages,
    target,
)
from refdesk.importers.ris_tags import (
    CREATORS,
    EXPORT_ORDER,
    EXPORT_TYPES,
    FALLBACK_TAGS,
    FIELD_MAP,
    IMPORT_TYPES,
    PROCEEDINGS,
    SPECIAL,
    TABLE_TAGS,
    resolve,
    tag_target,
)
from refdesk.model import Creator, Record
from refdesk.names import parse_name
from refdesk.text import clean

#: Tags rispy keeps every line of (it keeps only the first of any other).
_LIST_TAGS = [*rispy.LIST_TYPE_TAGS, "C2", "TA"]
_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_KEY_TO_TAG = {name: tag for tag, name in rispy.TAG_KEY_MAPPING.items()}
_ISSN = re.compile(r"^\d{4}-?\d{3}[\dXx]$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")


def _lines(blocks: Iterable[str]) -> Iterator[str]:
    """The lines of the text the blocks make up, as ``str.splitlines`` would give them (every block but the last
    ends right after a ``\\n``, so no line and no ``\\r\\n`` is cut in two)."""
    for block in blocks:
        yield from block.splitlines()


class _Structure:
    """The structure check, one line at a time: names the line of the first problem (EntryError).

    A line that starts with white space continues the previous value (some writers wrap long abstracts); any
    other line must be ``XX  - value``; records open with ``TY`` and close with ``ER``.
    """

    def __init__(self) -> None:
        self.open_at: int | None = None
        self.records = 0

    def line(self, n: int, raw: str) -> bool:
        """Check line ``n``; True when it opens a record."""
        line = raw.rstrip()
        if not line:
            return False
        if raw[:1].isspace():
            if self.open_at is None:
                raise EntryError(f"line {n}: text outside a record: {line.strip()[:60]!r}")
            return False
        m = _TAG_LINE.match(line)
        if not m:
            raise EntryError(f"line {n}: not a RIS line of the form 'XX  - value': {line[:60]!r}")
        tag = m.group(1)
        if tag == "TY":
            if self.open_at is not None:
                raise EntryError(f"line {n}: new record (TY) before the record of line {self.open_at} was closed with ER")
            if not (m.group(2) or "").strip():
                raise EntryError(f"line {n}: TY without a reference type")
            self.open_at = n
            self.records += 1
            return True
        if self.open_at is None:
            raise EntryError(f"line {n}: {tag} outside a record (records start with 'TY  - ')")
        if tag == "ER":
            self.open_at = None
        return False

    def end(self) -> None:
        if self.open_at is not None:
            raise EntryError(f"line {self.open_at}: the record that starts here has no ER line (file truncated?)")
        if not self.records:
            raise EntryError("line 1: no RIS records (no 'TY  - ' line)")


class _Entries:
    """rispy's reading of RIS lines, fed one line at a time so records come out as they close.

    The steps are rispy's own ``RisParser.parse_lines`` (its ``parse_line`` and ``_add_tag``), so every tag reads as
    rispy reads it; only the loop is ours, because rispy returns the file's records all at once.
    """

    def __init__(self) -> None:
        self.parser = rispy.RisParser(list_tags=_LIST_TAGS)
        self.record: dict[str, Any] | None = None
        self.last_tag: str | None = None

    def line(self, line: str) -> dict[str, Any] | None:
        """Feed one (unwrapped) line; the record it closes, if it closes one."""
        parser = self.parser
        if self.record is None:
            if line.startswith(parser.START_TAG):
                self.record = {parser.mapping[parser.START_TAG]: parser.parse_line(line)[1]}
            return None
        tag, content = parser.parse_line(line)
        if tag is None:
            parser._add_tag(self.record, self.last_tag, content, extend_multiline=True)
        elif tag == parser.END_TAG:
            done, self.record = self.record, None
            return done
        elif tag not in parser.ignore:
            parser._add_tag(self.record, tag, content)
            self.last_tag = tag
        return None


def check_structure(text: str) -> list[int]:
    """Raise EntryError naming the line when the text is not well-formed RIS; returns each record's first line."""
    check = _Structure()
    starts = [n for n, raw in enumerate(text.splitlines(), 1) if check.line(n, raw)]
    check.end()
    return starts


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
    """RIS ``YYYY/MM/DD/other`` -> the stored date (the 'other' part kept when it says more; a time after a full
    date, as Zotero writes an access date, joins it: ``2024-01-15 10:00:00``)."""
    value = clean(value)
    parts = value.split("/")
    if len(parts) < 2 or not parts[0].strip().isdecimal():
        return store_form(value)
    nums = [p.strip() for p in parts[:3]]
    other = "/".join(parts[3:]).strip()
    iso = "-".join(f"{int(p):02d}" if i else p for i, p in enumerate(nums) if p.isdecimal())
    if other and _TIME.match(other) and len(iso) == 10:
        return store_form(f"{iso} {other}")
    if other:
        parsed = parse_date(other)
        if parsed.iso and parsed.iso[:4] == iso[:4]:
            return store_form(other)
        if not parsed.iso:  # "2022///Spring": a season or note without its year
            return f"{other} {iso}"
    return store_form(iso)


def _put_tag(rec: Record, tag: str, name: str, value: str, source: str) -> None:
    """``value`` into field ``name``, or into ``extra`` as ``TAG: value`` when the item type has no field for it."""
    if name:
        put(rec, name, value, source, tag)
    else:
        add_extra(rec, f"{tag}: {clean(value)}", source)


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
    container = first("T2", "JF", "JO")
    if container:
        name = tag_target("T2", item_type)
        if name == "conferenceName" and not first("C3") and PROCEEDINGS.search(clean(container)):
            name = "proceedingsTitle"
        _put_tag(rec, "T2", name, container, source)
    for tag in ("JF", "JO"):
        for value in tags.get(tag, []):
            if clean(value) != rec.get(target(item_type, "publicationTitle") or "publicationTitle"):
                put(rec, "journalAbbreviation", value, source, tag)
    for tag in ("JA", "J2"):
        for value in tags.get(tag, []):
            put(rec, "journalAbbreviation", value, source, tag)
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
    creators = []
    for tag in TABLE_TAGS:
        name = tag_target(tag, item_type)
        for value in tags.get(tag, []):
            if not clean(value):
                continue
            if name.startswith(CREATORS):
                creators.append(parse_name(value, name.removeprefix(CREATORS)))
            else:
                _put_tag(rec, tag, name, _ris_date(value) if name in DATE_FIELDS else value, source)
    if creators:
        rec.set("creators", creators, source)
    pages = join_pages(first("SP"), first("EP"))
    if "-" in first("SP") and not first("EP"):
        pages = join_pages(*split_pages(first("SP")))
    if pages:
        _put_tag(rec, "SP", tag_target("SP", item_type), pages, source)
    number_field = tag_target("SN", item_type)
    for value in tags.get("SN", []) if number_field not in ("", "ISSN", "ISBN") else []:
        number, standard = split_numbered(clean(value))
        put(rec, number_field, number, source, "SN")
        for one in standard:
            put(rec, _standard_number(one), one, source, "SN")
    for value in tags.get("SN", []) if number_field in ("", "ISSN", "ISBN") else []:
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
        if tag in SPECIAL or tag in TABLE_TAGS:
            continue
        for value in values:
            add_extra(rec, f"{tag}: {clean(value)}", source)
    return rec


def split_numbered(value: str) -> tuple[str, list[str]]:
    """A report's SN -> (its number, the ISSNs and ISBNs after it). The trailing ``;``-parts whose check digits make
    them ISSNs or ISBNs are those; an empty part ends them (the writer's mark that the number itself ends in what
    reads as one); the rest, ``;`` and all, is the number."""
    parts = value.split(";")
    standard: list[str] = []
    while len(parts) > 1 or (parts and _standard_number(parts[0].strip())):
        last = parts[-1].strip()
        if not last:
            parts.pop()
            break
        if not _standard_number(last):
            break
        standard.insert(0, parts.pop().strip())
    return ";".join(parts).strip(), standard


def join_numbered(number: str, standard: list[str]) -> str:
    """The SN line ``split_numbered`` reads back as ``number`` and ``standard``: ``R-12; 2076-7404``, with an empty
    part after a number whose last ``;``-part is empty or reads as an ISSN or ISBN (``00000000;``)."""
    tail = number.split(";")[-1].strip()
    if number and (not tail or _standard_number(tail)):
        number += ";"
    return "; ".join([number, *standard] if number else standard)


def _standard_number(text: str) -> str:
    """"ISSN" or "ISBN" when ``text`` is one (its check digit right), else "" (a report number, say)."""
    for field, check in (("ISSN", validate_issn), ("ISBN", validate_isbn)):
        try:
            check(text)
        except InvalidInputError:
            continue
        return field
    return ""


def iter_records(blocks: Iterable[str], source: str) -> Iterator[Record]:
    """The records of a RIS text given in blocks, each as soon as its ``ER`` line is read; EntryError names the line.

    One pass over the lines: the structure check, the unwrapping of indented continuation lines (folded onto the
    line before, which rispy would keep with their indentation) and rispy's reading go line by line together.
    """
    check, entries = _Structure(), _Entries()
    starts: deque[int] = deque()
    held: str | None = None  # the last line, until the next shows whether it continues
    count = 0

    def feed(line: str) -> Record | None:
        nonlocal count
        entry = entries.line(line)
        if entry is None:
            return None
        count += 1
        start = starts.popleft()
        try:
            return record_from_ris(entry, source)
        except (EntryError, ValueError, TypeError, KeyError) as exc:
            raise EntryError(f"line {start}: record {count}: {exc}") from None

    for n, raw in enumerate(_lines(blocks), 1):
        if check.line(n, raw):
            starts.append(n)
        if held is not None and raw[:1].isspace() and raw.strip():
            held = f"{held.rstrip()} {raw.strip()}"
            continue
        if held is not None and (rec := feed(held)) is not None:
            yield rec
        held = raw
    check.end()
    if held is not None and (rec := feed(held)) is not None:
        yield rec
    if count != check.records:
        raise EntryError(f"line 1: found {check.records} records but could read {count}")


def read(text: str, source: str) -> list[Record]:
    """Every record of a RIS text, or an EntryError naming the line."""
    return list(iter_records([text], source))


# -- export -------------------------------------------------------------------------------------------------
def _one_line(value: str) -> str:
    return " ".join(value.split())


def _date_tag(value: str) -> tuple[str, str]:
    """Stored date -> (PY, DA): ``2022`` and ``2022/11/01/`` (+ the original when it says more, or the time of
    ``2024-01-15 10:00:00`` as Zotero writes it: ``2024/01/15/10:00:00``)."""
    parsed = parse_date(value)
    if not parsed.iso:
        return "", f"///{_one_line(value)}"
    parts = [f"{p:02d}" if i else str(p) for i, p in enumerate(iso_parts(parsed.iso))]
    parts += [""] * (3 - len(parts))
    date, _, time = value.partition(" ")
    if time and _TIME.match(time) and date == parsed.iso and len(date) == 10:
        other = time
    else:
        other = _one_line(parsed.original) if parsed.carries_more else ""
    return parsed.iso[:4], "/".join(parts) + "/" + other


def _name(creator: Creator) -> str:
    if "name" in creator:
        return str(creator["name"])
    last, first = str(creator.get("lastName", "")), str(creator.get("firstName", ""))
    return f"{last}, {first}" if first else last


def _values(rec: Record, tag: str, name: str) -> list[str]:
    """The lines of ``tag`` holding field ``name`` (or ``creators/<type>``) of ``rec``."""
    if name.startswith(CREATORS):
        role = name.removeprefix(CREATORS)
        return [_name(c) for c in rec.creators if c.get("creatorType", "author") == role]
    value = rec.get(name)
    if tag == "SN":  # the type's own number first; the ISSN and ISBN after it are told apart by their check digits
        standard = [n for n in dict.fromkeys((rec.get("ISSN"), rec.get("ISBN"))) if n]
        if name in ("ISSN", "ISBN"):
            return ["; ".join(standard)] if standard else []
        return [join_numbered(_one_line(value), standard)] if value or standard else []
    if not value:
        return []
    if tag in ("DA", "PY", "Y2"):
        year, full = _date_tag(value)
        return [year if tag == "PY" else full]
    return [_one_line(value)]


def record_to_ris(rec: Record) -> dict[str, Any]:
    """The tags of one record (``TY`` a string, every other tag a list of lines), in Zotero's order.

    First every tag of Zotero's ``fieldMap`` for the item type; then a field or creator type that has none goes
    to the first of ``FALLBACK_TAGS`` that is free and reads back as it; a creator type with neither goes to AU.
    """
    item_type = rec.item_type
    out: dict[str, list[str]] = {}
    done: set[str] = set()
    for tag, rule in FIELD_MAP.items():
        name = resolve(item_type, rule.name_for(item_type))
        if name or tag == "SN":
            lines = _values(rec, tag, name)
            if name == "pages" and lines:
                out["SP"], out["EP"] = [[page] if page else [] for page in split_pages(lines[0])]
            elif any(lines):
                out[tag] = lines
            done.add(name)
    if "SN" in out:
        done.update(("ISSN", "ISBN"))
    roles = [CREATORS + str(c.get("creatorType", "author")) for c in rec.creators]
    for name in [*rec.field_names(), *dict.fromkeys(roles)]:
        if name in done or name == "extra":  # extra is written below, one N1 line each, never as a fallback tag
            continue
        tag = next((t for t in FALLBACK_TAGS if t not in out and tag_target(t, item_type) == name), "AU")
        out.setdefault(tag, []).extend(_values(rec, tag, name))
    if rec.get("extra"):
        out["N1"] = [line for line in rec.get("extra").split("\n") if line.strip()]
    if rec.tags:
        out["KW"] = rec.tag_names()
    return {"TY": EXPORT_TYPES.get(item_type, "GEN")} | {tag: out[tag] for tag in EXPORT_ORDER if out.get(tag)}


class _Writer(rispy.RisWriter):
    """rispy's writer without its '1.' numbering line."""

    def set_header(self, count: int) -> str:
        return ""


#: Tag codes as rispy's keys (lower case, as its writer looks them up), every tag a list of lines.
_WRITE_MAPPING = {"TY": "type_of_reference"} | {tag: tag.lower() for tag in EXPORT_ORDER}


def write(records: list[Record]) -> str:
    entries = []
    for rec in records:
        tags = record_to_ris(rec)
        entries.append({"type_of_reference": tags.pop("TY")} | {tag.lower(): lines for tag, lines in tags.items()})
    text: str = rispy.dumps(
        entries, implementation=_Writer, mapping=_WRITE_MAPPING, list_tags=list(EXPORT_ORDER), delimiter_tags_mapping={}
    )
    return text.lstrip("\n")
