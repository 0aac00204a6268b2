"""Dublin Core ``DC.*`` and ``DCTERMS.*`` meta tags (OJS, DSpace, EPrints, many CMSs).

OJS writes ``DC.Creator.PersonalName`` per author, ``DC.Description`` and
``DC.Title.Alternative`` once per locale with ``xml:lang``, the journal as
``DC.Source`` with ``DC.Source.ISSN``/``.Volume``/``.Issue``, and the DOI as
``DC.Identifier.DOI``.
"""

from __future__ import annotations

import re

from refdesk.importers.extract.found import Found, join_pages
from refdesk.importers.extract.page import Page

SOURCE = "dublincore"

_ISSN = re.compile(r"^\d{4}-?\d{3}[\dXx]$")
#: A DC.Source that is a citation ("Journal 2021 18:4", "Journal; Vol 14, No 4 (2022)"): the journal is the head.
_SOURCE_CITATION = re.compile(r"^(.+?)[;,.]?\s+(?:Vol\.?\s*\d+|Т\.\s*\d+|\(?\d{4}\)?[\s,;:]+\d+).*$", re.IGNORECASE)
#: A DC.Source that is an address (Atypon writes the article's doi.org link there).
_ADDRESS = re.compile(r"^(?:https?://|doi:|urn:|info:)\S*$", re.IGNORECASE)
_FIELDS = {
    "title": "title", "title.alternative": "title", "alternative": "title",
    "description": "abstractNote", "abstract": "abstractNote",
    "publisher": "publisher", "language": "language", "rights": "rights",
    "source": "publicationTitle", "ispartof": "publicationTitle", "relation.ispartof": "publicationTitle",
    "source.issn": "ISSN", "source.volume": "volume", "source.issue": "issue",
    "identifier.doi": "DOI", "identifier.issn": "ISSN", "identifier.isbn": "ISBN",
    "citation.volume": "volume", "citation.issue": "issue", "citation.jtitle": "publicationTitle",
    "citation.issn": "ISSN", "identifier.pagenumber": "pages",
}  # fmt: skip
_DATES = ("date.issued", "issued", "date.created", "created", "date", "date.available", "date.datesubmitted")
_CREATORS = ("creator.personalname", "creator", "creator.corporatename")
_TYPES = {
    "text.serial.journal": "journalArticle", "article": "journalArticle", "journalarticle": "journalArticle",
    "info:eu-repo/semantics/article": "journalArticle", "text.serial.newspaper": "newspaperArticle",
    "book": "book", "info:eu-repo/semantics/book": "book", "booksection": "bookSection",
    "info:eu-repo/semantics/bookpart": "bookSection", "thesis": "thesis", "info:eu-repo/semantics/doctoralthesis": "thesis",
    "info:eu-repo/semantics/masterthesis": "thesis", "report": "report", "info:eu-repo/semantics/report": "report",
    "conferencepaper": "conferencePaper", "info:eu-repo/semantics/conferenceobject": "conferencePaper",
    "dataset": "dataset", "preprint": "preprint", "info:eu-repo/semantics/preprint": "preprint",
}  # fmt: skip


def _suffix(key: str) -> str | None:
    for prefix in ("dcterms.", "dc.", "dcterms:", "dc:"):
        if key.startswith(prefix):
            return key[len(prefix) :]
    return None


def extract(page: Page) -> Found | None:
    found = Found(SOURCE)
    dates: dict[str, str] = {}
    first_page = last_page = ""
    for m in page.metas:
        rest = _suffix(m.key)
        if rest is None or not m.content:
            continue
        if rest in _CREATORS:
            found.add_person(m.content, m.lang)
        elif rest in ("contributor", "contributor.personalname"):
            found.add_person(m.content, m.lang, "contributor")
        elif rest == "subject":
            found.add_tags(m.content, m.lang)
        elif rest in _DATES:
            dates.setdefault(rest, m.content)
        elif rest in ("identifier", "identifier.uri", "identifier.url", "source.uri"):
            value = m.content
            if "10." in value and ("doi" in value.lower() or value.startswith("10.")):
                found.add("DOI", value)
            elif _ISSN.match(value):
                found.add("ISSN", value)
        elif rest == "type":
            found.item_type = found.item_type or _TYPES.get(m.content.lower().replace(" ", ""))
        elif rest in ("citation.spage", "citation.startpage"):
            first_page = first_page or m.content
        elif rest in ("citation.epage", "citation.endpage"):
            last_page = last_page or m.content
        elif rest in _FIELDS:
            target = _FIELDS[rest]
            if target == "publicationTitle" and _ISSN.match(m.content):
                found.add("ISSN", m.content)  # OAI-style DC.Source holding the ISSN
            elif target == "publicationTitle" and _ADDRESS.match(m.content):
                found.add("DOI", m.content)  # Atypon's DC.Source is the work's doi.org address, not a container (kept only as a DOI)
            elif target == "publicationTitle":
                cited = _SOURCE_CITATION.match(m.content)
                found.add(target, cited.group(1) if cited else m.content, m.lang)
            else:
                found.add(target, m.content, m.lang)
    for name in _DATES:
        if name in dates:
            found.add("date", dates[name])
            break
    found.add("pages", join_pages(first_page, last_page))
    if found.item_type is None and found.fields.get("publicationTitle") and found.fields.get("title"):
        found.item_type = "journalArticle"
    return None if found.is_empty() else found
