"""The page body, when the head does not say it: the abstract section, and authors given only as links.

Many publishers put the abstract only in the article's markup (no ``citation_abstract``),
or only a cut-short one in the meta tags. The abstract is the element marked as such:
``role="doc-abstract"`` (DPUB-ARIA), or an ``id``/``class`` naming it (``<section
class="abstract">``, JATS-like ``<div class="article-abstract">``, ``#abstract``), its
heading left out; one per language when the page gives several (``lang``).

Authors only in the body are the author links of the article header: ``rel="author"``,
microdata ``itemprop="author"``, or links whose class, or whose list's class, names
authors (``<a class="author-name">``, ``<ul class="authors">``). Navigation, footers,
sidebars and "related articles" lists are not the article's.

Provenance ``web:body``. The merge takes the body's abstract when the meta tags give
none or only a cut-short one (ending in "…" or "...").
"""

from __future__ import annotations

import re

from lxml import html

from refdesk.importers.extract.found import Found
from refdesk.importers.extract.page import Page, text_of

SOURCE = "body"

_CONTAINERS = ("section", "div", "article", "blockquote", "aside", "p", "span")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6", "header", "strong", "b", "label")
_ABSTRACT_WORD = re.compile(r"(?:^|[\s_-])(?:abstract|abstracts|abstract-content|abstractsection|article-abstract)(?:$|[\s_-])", re.IGNORECASE)
_NOT_ABSTRACT = re.compile(r"graphical|graphic|video|audio|toggle|link|button|btn|nav|menu|tab\b|trigger|teaser", re.IGNORECASE)
_HEADING_TEXT = re.compile(r"^\s*(?:abstract|summary|аннотация|résumé|resumen|resumo|zusammenfassung)\s*[.:]?\s*", re.IGNORECASE)
_RELATED = re.compile(r"related|recommend|similar|more-by|also-read|sidebar|footer|nav|cited|citing|references|comment", re.IGNORECASE)
_AUTHOR_CLASS = re.compile(r"(?:^|[\s_-])(?:author|authors|author-name|contrib|contributor|byline)(?:$|[\s_-])", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"\d|@|https?:|\bet al\b|\b(?:view|show|more|all|less|see|hide|author information|affiliations?|orcid|email|corresponding)\b", re.IGNORECASE)
#: Shorter than this, a marked element is a label or a link ("Abstract", "View abstract"), not the abstract.
MIN_ABSTRACT = 80


def _marks(el: html.HtmlElement) -> str:
    return f"{el.get('id') or ''} {el.get('class') or ''}"


def _lang(el: html.HtmlElement) -> str:
    for node in (el, *el.iterancestors()):
        lang = node.get("lang") or node.get("{http://www.w3.org/XML/1998/namespace}lang") or node.get("xml:lang")
        if lang:
            return lang.strip() if node is el or node.tag != "html" else ""
    return ""


def _abstract_text(el: html.HtmlElement) -> str:
    """The element's text without its heading ("Abstract", "Summary:")."""
    parts = []
    for child in el:
        if not isinstance(child, html.HtmlElement) or child.tag in ("script", "style", "button"):
            continue
        if child.tag in _HEADINGS and len(text_of(child)) < 40:
            continue
        parts.append(text_of(child))
    if el.text and el.text.strip():
        parts.insert(0, el.text.strip())
    text = " ".join(p for p in parts if p) or text_of(el)
    return _HEADING_TEXT.sub("", text, count=1).strip()


def _headed_abstract(el: html.HtmlElement) -> bool:
    """A section whose own heading says "Abstract" (``data-title``, ``aria-labelledby``, or its first heading), and
    that holds no other heading: Springer Nature's ``<section data-title="Abstract">`` and many CMS templates."""
    if _HEADING_TEXT.fullmatch(el.get("data-title") or ""):
        return True
    headings = [h for h in el.iterdescendants("h1", "h2", "h3", "h4") if isinstance(h, html.HtmlElement)]
    if not headings or any(h.getparent() is not el and h.getparent().getparent() is not el for h in headings[:1]):
        return False
    return len(headings) == 1 and bool(_HEADING_TEXT.fullmatch(text_of(headings[0])))


_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4"})


def _candidates(page: Page) -> tuple[list[html.HtmlElement], list[html.HtmlElement]]:
    """(elements that may be the abstract, elements that may name an author), in document order, from one walk
    over the tree with cheap attribute tests (XPath with case folding costs several times more on a 300 KB page)."""
    abstracts: list[html.HtmlElement] = []
    authors: list[html.HtmlElement] = []
    seen: set[int] = set()

    def add(target: list[html.HtmlElement], el: html.HtmlElement) -> None:
        if id(el) not in seen or target is authors:
            target.append(el)
            seen.add(id(el))

    for el in page.tree.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        marks = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
        if tag in _CONTAINERS and ("abstract" in marks or el.get("role") == "doc-abstract" or el.get("data-title")):
            add(abstracts, el)
        elif tag in _HEADING_TAGS and len(el.text_content()) < 40:
            for up in (el.getparent(), el.getparent().getparent() if el.getparent() is not None else None):
                if up is not None and up.tag in _CONTAINERS and id(up) not in seen:
                    add(abstracts, up)
        if "author" in (el.get("itemprop") or ""):
            authors.append(el)
        elif "author" in marks or "contrib" in marks or "byline" in marks:
            if tag == "a":
                authors.append(el)
            else:
                authors.extend(a for a in el.iterdescendants("a") if isinstance(a, html.HtmlElement))
        elif tag == "a" and "author" in (el.get("rel") or ""):
            authors.append(el)
    return abstracts, authors


def _abstracts(candidates: list[html.HtmlElement]) -> list[tuple[str, str]]:
    """(text, language) of each abstract element, outermost first, one per language."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    taken: list[html.HtmlElement] = []
    for el in candidates:
        role = (el.get("role") or "").lower()
        marks = _marks(el)
        marked = role == "doc-abstract" or (_ABSTRACT_WORD.search(marks) and not _NOT_ABSTRACT.search(marks))
        if not marked and not (el.tag in ("section", "div") and _headed_abstract(el)):
            continue
        if any(t in el.iterancestors() for t in taken):
            continue  # inside an abstract already taken
        text = _abstract_text(el)
        if len(text) < MIN_ABSTRACT:
            continue
        lang = _lang(el)
        if text in seen or (lang or "?") in {x[1] or "?" for x in out}:
            continue
        taken.append(el)
        seen.add(text)
        out.append((text, lang))
    return out


def _outside_article(el: html.HtmlElement) -> bool:
    return any(node.tag in ("nav", "footer", "aside") or _RELATED.search(_marks(node)) for node in (el, *el.iterancestors()))


def _name(text: str) -> str:
    name = text.strip(" ,;*†‡§¹²³⁴⁵⁶⁷⁸⁹⁰").strip()
    words = name.split()
    if not 2 <= len(words) <= 6 or len(name) > 60 or _NOT_A_NAME.search(name) or not any(ch.isupper() for ch in name):
        return ""
    return name


def _author_links(candidates: list[html.HtmlElement]) -> list[str]:
    """Names of the article's authors given only as links (or microdata) in the body."""
    names: list[str] = []
    for el in candidates:
        rel = (el.get("rel") or "").lower().split()
        itemprop = (el.get("itemprop") or "").lower().split()
        if "author" in itemprop:
            inner = el.find(".//*[@itemprop='name']")
            text = text_of(inner) if inner is not None else text_of(el)
        elif el.tag == "a" and ("author" in rel or _AUTHOR_CLASS.search(_marks(el)) or _in_author_list(el)):
            text = text_of(el)
        else:
            continue
        name = _name(text)
        if name and name not in names and not _outside_article(el):
            names.append(name)
    return names[:100]


def _in_author_list(a: html.HtmlElement) -> bool:
    """A link in a list or block whose class or id names authors (``<ul class="authors">``), a few levels up."""
    for depth, node in enumerate(a.iterancestors()):
        if depth > 3 or node.tag in ("body", "main", "article"):
            return False
        if _AUTHOR_CLASS.search(_marks(node)):
            return True
    return False


def extract(page: Page) -> Found | None:
    found = Found(SOURCE)
    abstracts, authors = _candidates(page)
    for text, lang in _abstracts(abstracts):
        found.add("abstractNote", text, lang)
    for name in _author_links(authors):
        found.add_person(name)
    return None if found.is_empty() else found
