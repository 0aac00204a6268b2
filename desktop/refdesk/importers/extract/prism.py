"""PRISM (Publishing Requirements for Industry Standard Metadata) tags: ``prism.publicationName`` and friends.

Publishers write them as ``prism.x`` or ``prism:x`` (name or property); both are read.
"""

from __future__ import annotations

from refdesk.importers.extract.found import Found, join_pages
from refdesk.importers.extract.page import Page

SOURCE = "prism"

_FIELDS = {
    "publicationname": "publicationTitle", "issn": "ISSN", "eissn": "ISSN", "volume": "volume",
    "number": "issue", "issueidentifier": "issue", "doi": "DOI", "isbn": "ISBN", "section": "section",
    "publicationdate": "date", "coverdate": "date", "coverdisplaydate": "date", "pagerange": "pages",
    "copyright": "rights", "url": "url",
}  # fmt: skip


def extract(page: Page) -> Found | None:
    found = Found(SOURCE)
    first_page = last_page = ""
    for m in page.metas:
        key = m.key
        if not key.startswith(("prism.", "prism:")) or not m.content:
            continue
        rest = key[6:]
        if rest == "startingpage":
            first_page = first_page or m.content
        elif rest == "endingpage":
            last_page = last_page or m.content
        elif rest == "keyword":
            found.add_tags(m.content, m.lang)
        elif rest == "url":
            continue  # the page's own address is used
        elif rest in _FIELDS:
            found.add(_FIELDS[rest], m.content, m.lang)
    if not found.fields.get("pages"):
        found.add("pages", join_pages(first_page, last_page))
    if found.fields.get("publicationTitle"):
        found.item_type = "journalArticle"
    return None if found.is_empty() else found
