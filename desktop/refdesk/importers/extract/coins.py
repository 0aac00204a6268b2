"""COinS: an OpenURL ContextObject (Z39.88-2004 KEV) in the ``title`` of a ``<span class="Z3988">``.

Library catalogues and older repositories embed one per record. A page listing
many records carries many spans; the record page's own is the first.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from refdesk.importers.extract.found import Found, Person, join_pages
from refdesk.importers.extract.page import Page
from refdesk.text import clean

SOURCE = "coins"

_GENRES = {
    "article": "journalArticle", "journal": "journalArticle", "issue": "journalArticle", "preprint": "preprint",
    "book": "book", "bookitem": "bookSection", "proceeding": "conferencePaper", "conference": "conferencePaper",
    "report": "report", "document": "document", "dissertation": "thesis", "unknown": None,
}  # fmt: skip
_FIELDS = {
    "rft.atitle": "title", "rft.btitle": "title", "rft.title": "title", "rft.jtitle": "publicationTitle",
    "rft.stitle": "journalAbbreviation", "rft.volume": "volume", "rft.issue": "issue", "rft.pages": "pages",
    "rft.issn": "ISSN", "rft.eissn": "ISSN", "rft.isbn": "ISBN", "rft.pub": "publisher", "rft.publisher": "publisher",
    "rft.place": "place", "rft.date": "date", "rft.language": "language", "rft.edition": "edition",
    "rft.series": "series", "rft.description": "abstractNote", "rft.inst": "publisher", "rft.degree": "type",
}  # fmt: skip


def _item_type(pairs: dict[str, str]) -> str | None:
    fmt = pairs.get("rft_val_fmt", "").lower()
    genre = pairs.get("rft.genre", "").lower()
    if "dissertation" in fmt:
        return "thesis"
    if genre in _GENRES:
        t = _GENRES[genre]
        if t == "journalArticle" and "book" in fmt:
            return "bookSection"
        return t
    if fmt.endswith(":journal"):
        return "journalArticle"
    if fmt.endswith(":book"):
        return "bookSection" if pairs.get("rft.atitle") else "book"
    if fmt.endswith(":dc"):
        return "document"
    return None


def extract(page: Page) -> Found | None:
    spans = [s for s in page.tree.iter("span") if "z3988" in (s.get("class") or "").lower().split()]
    title = next((s.get("title") or "" for s in spans if s.get("title")), "")
    if not title:
        return None
    items = parse_qsl(title.replace("&amp;", "&"), keep_blank_values=False)
    pairs: dict[str, str] = {}
    found = Found(SOURCE)
    first_page = last_page = ""
    authors: dict[str, str] = {}
    for key, value in items:
        key = key.strip().lower()
        pairs.setdefault(key, value)
        if key in ("rft.au", "rft.creator"):
            found.add_person(value)
        elif key in ("rft.aulast", "rft.aufirst", "rft.auinit"):
            authors.setdefault(key, value)
        elif key == "rft.aucorp" and clean(value):
            found.people.append(Person({"creatorType": "author", "name": clean(value)}))
        elif key == "rft.spage":
            first_page = first_page or value
        elif key == "rft.epage":
            last_page = last_page or value
        elif key == "rft_id" and ("doi" in value.lower() or "10." in value):
            found.add("DOI", value.removeprefix("info:doi/"))
        elif key in ("rft.subject", "rft.keyword"):
            found.add_tags(value)
        elif key in _FIELDS:
            found.add(_FIELDS[key], value)
    last = clean(authors.get("rft.aulast"))
    if last and not any(last.casefold() in p.text.casefold() for p in found.people):
        first = authors.get("rft.aufirst") or authors.get("rft.auinit", "")
        person = found.add_person(f"{last}, {first}" if first.strip() else last)
        if person is not None:  # rft.aulast/aufirst name the first author
            found.people.insert(0, found.people.pop())
    if not found.fields.get("pages"):
        found.add("pages", join_pages(first_page, last_page))
    found.item_type = _item_type(pairs)
    if len(spans) > 1:
        found.problems.append(f"the page has {len(spans)} COinS records; the first was read")
    return None if found.is_empty() else found
