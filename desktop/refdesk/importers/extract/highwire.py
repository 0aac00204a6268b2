"""Highwire Press / Google Scholar ``citation_*`` tags: the convention most journal platforms emit.

bepress (Digital Commons) writes the same tags as ``bepress_citation_*``; both are read.

A page with ``citation_arxiv_id`` and no container (arXiv's abstract pages) is a
preprint in repository arXiv with archive ID ``arXiv:<id>``, as Zotero's arXiv
translator files it.

Authors keep their order; ``citation_author_institution`` (and ``_email``,
``_orcid``) belong to the author just before them, as Google Scholar's
inclusion guidelines specify.
"""

from __future__ import annotations

from refdesk.importers.extract.found import Found, Person, join_pages
from refdesk.importers.extract.page import Page

SOURCE = "highwire"

_SIMPLE = {
    "citation_title": "title",
    "citation_abstract": "abstractNote",
    "citation_journal_title": "publicationTitle",
    "citation_journal_abbrev": "journalAbbreviation",
    "citation_conference_title": "conferenceName",
    "citation_book_title": "publicationTitle",
    "citation_inbook_title": "publicationTitle",
    "citation_series_title": "series",
    "citation_volume": "volume",
    "citation_issue": "issue",
    "citation_doi": "DOI",
    "citation_issn": "ISSN",
    "citation_eissn": "ISSN",
    "citation_isbn": "ISBN",
    "citation_language": "language",
    "citation_publisher": "publisher",
    "citation_dissertation_institution": "publisher",
    "citation_technical_report_institution": "publisher",
    "citation_technical_report_number": "number",
    "citation_dissertation_name": "type",
    "citation_edition": "edition",
    "citation_public_url": "url",
}
_DATES = ("citation_publication_date", "citation_date", "citation_cover_date", "citation_online_date", "citation_year")


def _first(page: Page, name: str) -> str:
    """``citation_x`` or bepress's ``bepress_citation_x`` (Digital Commons repositories)."""
    return page.first(name, f"bepress_{name}")


def _item_type(page: Page) -> str | None:
    if _first(page, "citation_journal_title"):
        return "journalArticle"
    if _first(page, "citation_conference_title") or _first(page, "citation_conference"):
        return "conferencePaper"
    if _first(page, "citation_dissertation_institution"):
        return "thesis"
    if _first(page, "citation_technical_report_institution") or _first(page, "citation_technical_report_number"):
        return "report"
    if _first(page, "citation_book_title") or _first(page, "citation_inbook_title"):
        return "bookSection"
    if _first(page, "citation_isbn"):
        return "book"
    if _first(page, "citation_arxiv_id"):
        return "preprint"
    return None


def extract(page: Page) -> Found | None:
    metas = [m for m in page.metas if m.key.startswith(("citation_", "bepress_citation_"))]
    if not metas:
        return None
    found = Found(SOURCE, _item_type(page))
    current: Person | None = None
    for m in metas:
        key = m.key.removeprefix("bepress_")
        if key == "citation_author":
            current = found.add_person(m.content, m.lang) or current
        elif key == "citation_authors":
            for name in m.content.split(";"):
                current = found.add_person(name, m.lang) or current
        elif key == "citation_editor":
            found.add_person(m.content, m.lang, "editor")
        elif key == "citation_author_institution" and current is not None and m.content:
            current.affiliations.append(m.content)
        elif key in ("citation_keywords", "citation_keyword"):
            found.add_tags(m.content, m.lang)
        elif key in _SIMPLE:
            found.add(_SIMPLE[key], m.content, m.lang)
        elif key == "citation_pdf_url" and not found.pdf_url:
            found.pdf_url = page.absolute(m.content)
    for name in _DATES:
        if found.fields.get("date"):
            break
        found.add("date", _first(page, name))
    pages = join_pages(_first(page, "citation_firstpage"), _first(page, "citation_lastpage"))
    found.add("pages", pages)
    arxiv = _first(page, "citation_arxiv_id").strip().removeprefix("arXiv:")
    if arxiv and found.item_type == "preprint":  # as Zotero's arXiv translator: repository and archive ID
        found.add("publisher", "arXiv")
        found.add("number", f"arXiv:{arxiv}")
    if found.fields.get("conferenceName") and not found.fields.get("publicationTitle"):
        found.add("publicationTitle", found.first("conferenceName"))
    return None if found.is_empty() else found
