"""The page itself: ``<title>``, ``meta name=description/keywords/author``, and a lone DOI link.

Last in precedence and never enough alone: a page with only a title is "no
metadata". A DOI, though, is enough: the resolver can describe the work.
"""

from __future__ import annotations

from refdesk.identifiers import find_doi
from refdesk.importers.extract.found import Found
from refdesk.importers.extract.page import Page

SOURCE = "html"  # provenance "web:html"


def lone_doi(page: Page) -> str:
    """The DOI of ``<meta name="doi">``, or of the only doi.org link on the page (a reference list has many)."""
    meta = page.first("doi", "citation.doi", "bepress_citation_doi", "eprints.id_number")
    if meta and find_doi(meta):
        return find_doi(meta) or ""
    dois: dict[str, str] = {}
    for a in page.tree.iter("a"):
        href = a.get("href") or ""
        doi = find_doi(href) if "doi.org/10." in href else None
        if doi:
            dois.setdefault(doi.lower(), doi)
            if len(dois) > 1:
                return ""
    return next(iter(dois.values()), "")


def extract(page: Page) -> Found | None:
    found = Found(SOURCE)
    found.add("title", page.title, page.lang)
    found.add("abstractNote", page.first("description"), page.lang)
    for m in page.meta("author"):
        found.add_person(m.content, m.lang)
    found.add_tags(page.first("keywords"), page.lang)
    found.add("DOI", lone_doi(page))
    return None if found.is_empty() else found
