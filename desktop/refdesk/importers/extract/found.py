"""What one metadata convention says about a page, before merging: candidate values with their language.

Every extractor returns a ``Found``; :mod:`.merge` picks among them. Field names
are Zotero base fields (``publicationTitle``, ``publisher``, ``number``...) so one
vocabulary serves all conventions; the merge maps them to the item type's own
fields (``university``, ``bookTitle``, ``reportNumber``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from refdesk import schema
from refdesk.dates import normalize_date
from refdesk.identifiers import find_doi, normalize_doi
from refdesk.model import Record
from refdesk.names import parse_name
from refdesk.text import clean, strip_tags


@dataclass(frozen=True)
class Value:
    text: str
    lang: str = ""


@dataclass
class Person:
    creator: dict[str, str]
    lang: str = ""
    affiliations: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        c = self.creator
        return c.get("name") or f"{c.get('lastName', '')} {c.get('firstName', '')}".strip()


@dataclass
class Found:
    """Candidates from one source (``highwire``, ``dublincore``, ``ris``...), in document order."""

    source: str
    item_type: str | None = None
    fields: dict[str, list[Value]] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)
    tags: list[Value] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pdf_url: str = ""
    extra: list[str] = field(default_factory=list)  # lines an export file kept in Zotero's ``extra``

    def add(self, name: str, text: str | None, lang: str = "") -> None:
        """Add one candidate (cleaned; abstracts lose their markup); empty and repeated values are skipped."""
        if text is None:
            return
        value = strip_tags(text) if name == "abstractNote" else clean(text)
        if name == "DOI":
            value = normalize_doi(value) or find_doi(value) or ""
        elif name == "date":
            value = normalize_date(value) or value
        if not value:
            return
        values = self.fields.setdefault(name, [])
        if all(v.text != value for v in values):
            values.append(Value(value, lang))

    def add_person(self, raw: str | None, lang: str = "", creator_type: str = "author") -> Person | None:
        text = clean(raw)
        if not text or not any(ch.isalpha() for ch in text):
            return None
        person = Person(parse_name(text, creator_type), lang)
        if any(p.creator == person.creator for p in self.people):
            return None
        self.people.append(person)
        return person

    def add_tags(self, raw: str | None, lang: str = "", *, split: bool = True) -> None:
        """Keywords, split on ';' (or on ',' when there is no ';'); ``split=False`` for one keyword (a list item)."""
        text = clean(raw)
        if not text:
            return
        parts = [text] if not split else text.split(";") if ";" in text else text.split(",") if "," in text else [text]
        for part in parts:
            tag = part.strip(" .")
            if tag and all(t.text.casefold() != tag.casefold() for t in self.tags):
                self.tags.append(Value(tag, lang))

    def first(self, name: str) -> str:
        values = self.fields.get(name)
        return values[0].text if values else ""

    def is_empty(self) -> bool:
        return not self.fields and not self.people and not self.tags

    def says_something(self) -> bool:
        """True when the source names the work (a title or a DOI), not just a site name or a date."""
        return bool(self.fields.get("title") or self.fields.get("DOI"))


def found_from_record(rec: Record, source: str) -> Found:
    """A record read from an export (RIS, BibTeX, CSL-JSON, MODS) as candidates for the merge."""
    found = Found(source, rec.item_type)
    base = schema.base_fields_for(rec.item_type) if schema.is_item_type(rec.item_type) else {}
    found.extra = [line for line in rec.get("extra").split("\n") if line.strip()]
    for name in rec.field_names():
        if name in ("extra", "accessDate", "libraryCatalog"):
            continue
        found.add(base.get(name, name), rec.get(name))
    for c in rec.creators:
        found.people.append(Person(dict(c)))
    for t in rec.tag_names():
        if t and all(v.text.casefold() != t.casefold() for v in found.tags):
            found.tags.append(Value(t))
    return found


def join_pages(first: str, last: str) -> str:
    first, last = clean(first), clean(last)
    if first and last and first != last:
        return f"{first}-{last}"
    return first or last
