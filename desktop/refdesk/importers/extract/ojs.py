"""Open Journal Systems (PKP) article pages, 2.x and 3.x.

OJS already emits Highwire and Dublin Core tags; this module adds what they
miss: the item type (an OJS article page is a journal article), the abstract
and keywords from the page body when the tags lack them (OJS 2 themes, elpub's
OJS), the title and authors as a last resort, and OJS 3's RIS export link
(Citation Style Language plugin).
"""

from __future__ import annotations

import re

from lxml import html

from refdesk.importers.extract.found import Found
from refdesk.importers.extract.links import ExportLink
from refdesk.importers.extract.page import Page, text_of

SOURCE = "ojs"

_ARTICLE_URL = re.compile(r"/article/view(?:Article)?/\d+")
_CSL_DOWNLOAD = re.compile(r"/citationstylelanguage/download/(ris|bibtex)\b", re.IGNORECASE)


def is_ojs(page: Page) -> bool:
    generator = page.first("generator").lower()
    if "open journal systems" in generator or generator.startswith("ojs"):
        return True
    return bool(_ARTICLE_URL.search(page.url)) and any("pkp" in (el.get("class") or "") for el in page.tree.iter("body", "div"))


def _find(page: Page, xpath: str) -> list[html.HtmlElement]:
    return [el for el in page.tree.xpath(xpath) if isinstance(el, html.HtmlElement)]


def _section_text(el: html.HtmlElement) -> str:
    """The section's text without its heading ("Abstract", "Keywords:")."""
    parts = [text_of(c) for c in el if c.tag not in ("h1", "h2", "h3", "h4", "h5", "br") and isinstance(c, html.HtmlElement)]
    body = " ".join(p for p in parts if p)
    if not body:
        body = text_of(el)
        for h in el.iter("h1", "h2", "h3", "h4", "h5"):
            body = body.removeprefix(text_of(h)).strip()
    return body


def extract(page: Page) -> Found | None:
    if not is_ojs(page):
        return None
    found = Found(SOURCE, "journalArticle")
    for el in _find(page, '//*[contains(concat(" ", normalize-space(@class), " "), " page_title ")] | //*[@id="articleTitle"]'):
        found.add("title", text_of(el))
        break
    for el in _find(page, '//section[contains(@class, "abstract")] | //div[@id="articleAbstract"]'):
        found.add("abstractNote", _section_text(el))
        break
    for el in _find(page, '//section[contains(@class, "keywords")]//*[@class="value"] | //div[@id="articleSubject"]/div'):
        found.add_tags(text_of(el))
        break
    for el in _find(page, '//ul[contains(@class, "authors")]//*[contains(@class, "name")] | //div[@id="authorString"]//em'):
        names = text_of(el)
        for name in names.split(",") if "authorString" in (el.getparent().get("id") or "") else [names]:
            found.add_person(name)
    return found


def export_links(page: Page) -> list[ExportLink]:
    if not is_ojs(page):
        return []
    out: dict[str, ExportLink] = {}
    for a in page.tree.iter("a"):
        m = _CSL_DOWNLOAD.search(a.get("href") or "")
        href = page.absolute(a.get("href") or "") if m else ""
        if m and href:
            out.setdefault(m.group(1).lower(), ExportLink(href, m.group(1).lower(), "ojs"))
    return [out[f] for f in ("ris", "bibtex") if f in out]
