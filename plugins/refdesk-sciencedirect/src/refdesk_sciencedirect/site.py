"""ScienceDirect article pages: the article as the page's embedded JSON state holds it.

The state (``<script type="application/json" data-iso-key="_0">``) keeps the article's bibliographic
facts under ``article`` and its authors, abstracts and keywords as Elsevier's XML-as-JSON: every
element an object with ``#name`` (the element), ``$`` (its attributes), ``$$`` (its children) and
``_`` (its text).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from refdesk.plugins.api import PluginContext, SitePage

REFDESK_API_VERSION = "1.4"

_HOSTS = re.compile(r"(?:^|\.)sciencedirect\.com$", re.IGNORECASE)
_ARTICLE = re.compile(r"^/science/article/(?:abs/)?pii/S?[\dX]{16,17}", re.IGNORECASE)


def match(url: str) -> bool:
    """ScienceDirect article addresses (``/science/article/pii/S…``, ``/science/article/abs/pii/S…``)."""
    parts = urlsplit(url)
    return bool(_HOSTS.search(parts.hostname or "")) and bool(_ARTICLE.match(parts.path))


def _nodes(node: Any, name: str) -> Iterator[dict[str, Any]]:
    """Every element called ``name`` under ``node``, in document order."""
    if isinstance(node, dict):
        if node.get("#name") == name:
            yield node
        for child in node.get("$$", []) if isinstance(node.get("$$"), list) else []:
            yield from _nodes(child, name)
        for key in ("content",):
            for child in node.get(key, []) if isinstance(node.get(key), list) else []:
                yield from _nodes(child, name)
    elif isinstance(node, list):
        for child in node:
            yield from _nodes(child, name)


def _text(node: Any) -> str:
    """An element's text, its children's included, whitespace collapsed."""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict):
        return ""
    parts = [node.get("_", "")] if isinstance(node.get("_"), str) else []
    parts += [_text(c) for c in node.get("$$", []) if isinstance(node.get("$$"), list)]
    return " ".join(" ".join(parts).split())


def _child(node: dict[str, Any], name: str) -> str:
    return next((_text(c) for c in node.get("$$", []) if isinstance(c, dict) and c.get("#name") == name), "")


def _state(page: SitePage) -> dict[str, Any] | None:
    for data in page.json_scripts():
        if isinstance(data, dict) and isinstance(data.get("article"), dict) and "authors" in data:
            return data
    return None


def extract(page: SitePage, context: PluginContext) -> dict[str, Any] | None:
    state = _state(page)
    if state is None:
        return None  # a page of another kind (an issue's contents, a search): the generic extractors read it
    article = state["article"]
    creators = []
    for author in _nodes(state.get("authors"), "author"):
        surname, given = _child(author, "surname"), _child(author, "given-name")
        if surname:
            creators.append({"lastName": surname, "firstName": given} if given else {"lastName": surname})
    abstract = ""
    for node in _nodes(state.get("abstracts"), "abstract"):
        if (node.get("$") or {}).get("class", "author") == "author":  # not the graphical abstract or the highlights
            abstract = " ".join(_text(p) for p in _nodes(node, "simple-para"))
            break
    tags = [_child(k, "text") for k in _nodes(state.get("combinedContentItems"), "keyword")]
    first, last = str(article.get("first-fp") or ""), str(article.get("last-lp") or "")
    issn = str(article.get("issn") or "")
    return {
        "itemType": "journalArticle",
        "title": str(article.get("titleString") or ""),
        "creators": creators,
        "publicationTitle": str(article.get("srctitle") or ""),
        "volume": str(article.get("vol-first") or ""),
        "issue": str(article.get("iss-first") or ""),
        "pages": f"{first}-{last}" if first and last and first != last else first,
        "date": str(article.get("cover-date-start") or ""),
        "DOI": str(article.get("doi") or ""),
        "ISSN": f"{issn[:4]}-{issn[4:]}" if len(issn) == 8 else issn,
        "abstractNote": abstract,
        "tags": [t for t in tags if t],
    }
