"""schema.org JSON-LD: ScholarlyArticle/Article/CreativeWork, ``@graph`` documents, author objects, ``@id`` references.

Each ``<script type="application/ld+json">`` is read on its own (a broken block
does not hide a good one); JSON with comments or trailing commas, as some CMSs
write, is read with jstyleson (the lenient reader extruct itself falls back
to). The main work is the node of the most specific creative-work type.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jstyleson

from refdesk.identifiers import find_doi
from refdesk.importers.extract.found import Found, join_pages
from refdesk.importers.extract.page import Page

SOURCE = "jsonld"

#: schema.org type -> (rank, Zotero item type); the lowest rank is the page's main work.
_WORKS = {
    "scholarlyarticle": (0, "journalArticle"), "medicalscholarlyarticle": (0, "journalArticle"),
    "chapter": (1, "bookSection"), "book": (1, "book"), "thesis": (1, "thesis"), "report": (1, "report"),
    "dataset": (1, "dataset"), "newsarticle": (2, "newspaperArticle"), "blogposting": (2, "blogPost"),
    "techarticle": (2, "webpage"), "article": (3, "webpage"), "socialmediaposting": (3, "webpage"),
    "creativework": (4, "document"), "webpage": (5, "webpage"), "itempage": (5, "webpage"),
}  # fmt: skip
_CONTAINERS = {"periodical", "publicationissue", "publicationvolume", "newspaper", "book", "blog", "website", "webpage"}
_COMMENT = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$")


def _types(node: dict[str, Any]) -> list[str]:
    t = node.get("@type", [])
    items = t if isinstance(t, list) else [t]
    return [str(x).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for x in items if isinstance(x, str)]


def _load(text: str) -> Any:
    body = _COMMENT.sub("", text.strip())
    try:
        return json.loads(body, strict=False)
    except ValueError:
        return jstyleson.loads(body)


def _nodes(data: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    """Every object in the document (top level, ``@graph`` members and nested ones)."""
    if depth > 20:
        return
    if isinstance(data, list):
        for item in data[:500]:
            _nodes(item, out, depth + 1)
    elif isinstance(data, dict):
        out.append(data)
        for value in data.values():
            if isinstance(value, dict | list):
                _nodes(value, out, depth + 1)


def _text(value: Any) -> str:
    """A plain string from a string, a number, a list (first) or a {"@value"/"name"} object."""
    if isinstance(value, list):
        return next((t for t in (_text(v) for v in value) if t), "")
    if isinstance(value, dict):
        return _text(value.get("@value") or value.get("name") or value.get("value") or "")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _lang(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("@language") or value.get("inLanguage") or "")
    return ""


def _all(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value not in (None, "") else []


class _Graph:
    def __init__(self, nodes: list[dict[str, Any]]) -> None:
        self.by_id = {str(n["@id"]): n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 1}

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and isinstance(value.get("@id"), str):
            return self.by_id.get(value["@id"], value)
        return value


def _add_person(found: Found, graph: _Graph, raw: Any, creator_type: str = "author") -> None:
    node = graph.resolve(raw)
    if isinstance(node, str):
        found.add_person(node, creator_type=creator_type)
        return
    if not isinstance(node, dict):
        return
    types = _types(node)
    given, family = _text(node.get("givenName")), _text(node.get("familyName"))
    if given and family and "organization" not in types:
        found.add_person(f"{family}, {given}", creator_type=creator_type)
        return
    name = _text(node.get("name"))
    if not name:
        return
    if "organization" in types:
        before = len(found.people)
        found.add_person(name, creator_type=creator_type)
        if len(found.people) > before:
            found.people[-1].creator = {"creatorType": creator_type, "name": name.strip()}
    else:
        found.add_person(name, creator_type=creator_type)


def _containers(found: Found, graph: _Graph, node: dict[str, Any]) -> None:
    """isPartOf chains: PublicationIssue -> PublicationVolume -> Periodical."""
    part = graph.resolve(node.get("isPartOf"))
    seen = 0
    while isinstance(part, dict) and seen < 5:
        seen += 1
        types = _types(part)
        if "publicationissue" in types:
            found.add("issue", _text(part.get("issueNumber")))
            found.add("date", _text(part.get("datePublished")))
        elif "publicationvolume" in types:
            found.add("volume", _text(part.get("volumeNumber")))
        else:
            target = "websiteTitle" if ({"website", "webpage", "blog"} & set(types)) else "publicationTitle"
            found.add(target, _text(part.get("name")), _lang(part.get("name")))
            for issn in _all(part.get("issn")):
                found.add("ISSN", _text(issn))
            if not found.fields.get("publisher") and part.get("publisher"):
                found.add("publisher", _text(graph.resolve(part.get("publisher"))))
        part = graph.resolve(part.get("isPartOf"))


def _map(found: Found, graph: _Graph, node: dict[str, Any]) -> None:
    lang = _text(node.get("inLanguage"))
    if isinstance(node.get("inLanguage"), dict):
        lang = _text(node["inLanguage"].get("alternateName")) or _text(node["inLanguage"].get("name"))
    found.add("language", lang)
    for key in ("headline", "name"):
        for title in _all(node.get(key)):
            found.add("title", _text(title), _lang(title) or lang)
    for key in ("abstract", "description"):
        for abstract in _all(node.get(key)):
            found.add("abstractNote", _text(abstract), _lang(abstract) or lang)
    for role, ztype in (("author", "author"), ("creator", "author"), ("editor", "editor"), ("translator", "translator")):
        for person in _all(node.get(role))[:200]:
            _add_person(found, graph, person, ztype)
    for key in ("datePublished", "dateCreated", "publicationDate", "dateModified"):
        if node.get(key):
            found.add("date", _text(node[key]))
            break
    publisher = graph.resolve(node.get("publisher"))
    found.add("publisher", _text(publisher) if not isinstance(publisher, str) else publisher)
    found.add("volume", _text(node.get("volumeNumber")))
    found.add("issue", _text(node.get("issueNumber")))
    found.add("pages", _text(node.get("pagination")) or join_pages(_text(node.get("pageStart")), _text(node.get("pageEnd"))))
    for isbn in _all(node.get("isbn")):
        found.add("ISBN", _text(isbn))
    for issn in _all(node.get("issn")):
        found.add("ISSN", _text(issn))
    for ident in [*_all(node.get("identifier")), *_all(node.get("sameAs")), node.get("@id"), node.get("url")]:
        text = _text(ident)
        if isinstance(ident, dict) and str(ident.get("propertyID", "")).lower() == "doi":
            found.add("DOI", text)
        elif "doi" in text.lower() or text.startswith("10."):
            found.add("DOI", find_doi(text) or "")
    keywords = node.get("keywords")
    for kw in _all(keywords):  # a list holds one keyword an item ("Life Sciences, general"); a string is a list
        found.add_tags(_text(kw), lang, split=not isinstance(keywords, list))
    _containers(found, graph, node)


def extract(page: Page) -> Found | None:
    scripts = [s for s in page.tree.iter("script") if (s.get("type") or "").strip().lower() == "application/ld+json"]
    if not scripts:
        return None
    found = Found(SOURCE)
    nodes: list[dict[str, Any]] = []
    for n, script in enumerate(scripts, 1):
        text = script.text or ""
        if not text.strip():
            continue
        try:
            _nodes(_load(text), nodes)
        except (ValueError, TypeError, RecursionError) as exc:
            found.problems.append(f"JSON-LD block {n} is not valid JSON ({str(exc)[:80]})")
    graph = _Graph(nodes)
    works = sorted(
        (_WORKS[t][0], i, _WORKS[t][1], node) for i, node in enumerate(nodes) for t in _types(node) if t in _WORKS
    )
    if not works:
        if nodes:
            found.problems.append("JSON-LD has no schema.org creative work (ScholarlyArticle, Article, CreativeWork...)")
        return found if found.problems else None
    _, _, item_type, main = works[0]
    found.item_type = item_type
    _map(found, graph, main)
    if item_type == "webpage" and found.fields.get("publicationTitle"):
        found.item_type = "journalArticle"
    if item_type in ("webpage", "blogPost") and not found.fields.get("websiteTitle"):
        for node in nodes:
            if {"website", "blog"} & set(_types(node)) and node is not main:
                found.add("websiteTitle", _text(node.get("name")))
                break
    return found
