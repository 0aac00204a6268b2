"""A fetched HTML page, parsed once, with the lookups every extractor needs (meta tags, links, language).

Extractors never parse HTML themselves: one lxml tree and one list of ``<meta>``
tags serve them all, which keeps a 300 KB page well under the 30 ms budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree, html

from refdesk.errors import ImporterError
from refdesk.text import clean

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_REFRESH = re.compile(r"^\s*\d*(?:\.\d+)?\s*[;,]\s*url\s*=\s*(\S.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Meta:
    """One ``<meta>``: its name (or property), content, language and scheme; ``key`` is the lower-cased name."""

    name: str
    content: str
    lang: str = ""
    scheme: str = ""

    @property
    def key(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Link:
    rel: str
    href: str
    type: str = ""
    title: str = ""


@dataclass
class Page:
    url: str
    tree: html.HtmlElement
    base: str = ""
    metas: list[Meta] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    lang: str = ""
    title: str = ""
    refresh: str = ""  # target of <meta http-equiv="refresh" content="0; url=..."> (absolute), if any
    text: str = field(default="", repr=False)  # the decoded page, as site add-ons receive it
    _by_key: dict[str, list[Meta]] = field(default_factory=dict, repr=False)

    def meta(self, *names: str) -> list[Meta]:
        """Meta tags with any of these names (case-insensitive), in document order."""
        if len(names) == 1:
            return list(self._by_key.get(names[0].lower(), ()))
        wanted = {n.lower() for n in names}
        return [m for m in self.metas if m.key in wanted]

    def first(self, *names: str) -> str:
        for m in self.meta(*names):
            if m.content:
                return m.content
        return ""

    def with_prefix(self, prefix: str) -> list[Meta]:
        p = prefix.lower()
        return [m for m in self.metas if m.key.startswith(p)]

    def absolute(self, href: str) -> str:
        """``href`` resolved against the page; "" for one no URL parser accepts (``https://[x``)."""
        return join_url(self.base or self.url, href)


def join_url(base: str, href: str) -> str:
    """``urljoin``, but "" instead of the ValueError it raises for a malformed address (an unclosed IPv6 bracket)."""
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return ""


def _lang_of(el: html.HtmlElement) -> str:
    return (el.get("xml:lang") or el.get(_XML_LANG) or el.get("lang") or "").strip()


def parse_page(text: str, url: str) -> Page:
    """Parse ``text`` leniently (as browsers do); ImporterError when there is no document at all."""
    data = text.replace("\x00", "").encode("utf-8", "surrogatepass")
    if not data.strip():
        raise ImporterError(f"{url}: the page is empty")
    try:
        parser = html.HTMLParser(encoding="utf-8", recover=True, remove_comments=True)
        tree = html.document_fromstring(data, parser=parser, base_url=url)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ImporterError(f"{url}: the page is not readable HTML ({exc})") from None
    if tree is None:
        raise ImporterError(f"{url}: the page is not readable HTML")
    base = url
    for b in tree.iterfind(".//base[@href]"):
        base = join_url(url, b.get("href", "")) or url
        break
    page = Page(url=url, tree=tree, base=base, text=text)
    for el in tree.iter("meta"):
        if (el.get("http-equiv") or "").strip().lower() == "refresh" and not page.refresh:
            m = _REFRESH.match(el.get("content") or "")
            if m:
                page.refresh = join_url(base, m.group(1).strip().strip("'\""))
        name = el.get("name") or el.get("property") or el.get("itemprop") or ""
        content = el.get("content")
        if not name or content is None:
            continue
        meta = Meta(name.strip(), clean(content), _lang_of(el), (el.get("scheme") or "").strip())
        page.metas.append(meta)
        page._by_key.setdefault(meta.key, []).append(meta)
    for el in tree.iter("link"):
        href = join_url(base, el.get("href") or "") if el.get("href") else ""
        if href:
            page.links.append(Link((el.get("rel") or "").lower().strip(), href, (el.get("type") or "").lower().strip(), el.get("title") or ""))
    page.lang = _lang_of(tree)
    for title_el in tree.iter("title"):
        page.title = clean("".join(str(t) for t in title_el.itertext()))
        break
    return page


def text_of(el: html.HtmlElement) -> str:
    """Visible text of an element, whitespace collapsed."""
    return clean(el.text_content())
