"""The JSON state object large platforms embed for their JavaScript (``<script type="application/json">``,
Next.js ``__NEXT_DATA__``, Nuxt, Angular's transfer state): the article's authors, title, DOI and date.

Such pages render the author list in the browser, so neither the meta tags nor the static
markup name the authors. The state object does, somewhere in a tree of page props. The
article is the object that has both a list of people under an author key (``authors``,
``author``, ``contributors``, ``creators``) and a title; when the page names its title
elsewhere (``citation_title``, ``og:title``, ``<title>``), the object whose title matches
it best, so the authors of "related articles" in the same state are never taken.

People are read from the usual shapes: ``givenName``/``familyName``, ``given``/``family``,
``firstName``/``lastName`` (any case or separator), ``name``/``fullName``/``displayName``,
or plain strings. Provenance ``web:state``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from refdesk.importers.extract.found import Found
from refdesk.importers.extract.page import Page
from refdesk.text import fold

SOURCE = "state"

_AUTHOR_KEYS = ("authors", "author", "contributors", "contributor", "creators", "creator", "authorlist", "authorsList")
_TITLE_KEYS = ("title", "articletitle", "headline", "name", "displaytitle")
_GIVEN = ("givenname", "given", "firstname", "forename", "first", "givennames")
_FAMILY = ("familyname", "family", "lastname", "surname", "last")
_FULL = ("name", "fullname", "displayname", "creditname", "preferredname", "text", "value")
_DOI_KEYS = ("doi",)
_DATE_KEYS = ("publicationdate", "datepublished", "publisheddate", "published", "pubdate", "coverdate", "onlinedate", "date")
_ABSTRACT_KEYS = ("abstract", "abstracttext")
_WORD = re.compile(r"\w+", re.UNICODE)
#: A state larger than this is not parsed (a few MB of product catalogue is not an article).
MAX_STATE = 5_000_000


def _norm(key: str) -> str:
    return re.sub(r"[\s_-]", "", key).lower()


def _get(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for k, v in obj.items():
        if _norm(k) in keys and v not in (None, "", [], {}):
            return v
    return None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _text(_get(value, ("value", "text", "en", "default", "#text", "title")))
    if isinstance(value, list) and value:
        return _text(value[0])
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _person(value: Any) -> str:
    """One person as "Family, Given" or a full name; "" for anything else."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return ""
    nested = _get(value, ("person", "profile", "author", "contributor"))
    if isinstance(nested, dict):
        value = {**value, **nested}
    given, family = _text(_get(value, _GIVEN)), _text(_get(value, _FAMILY))
    if family:
        return f"{family}, {given}" if given else family
    return _text(_get(value, _FULL))


def _people(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    names = [_person(v) for v in items[:500]]
    return [n for n in names if n.strip()]


def _walk(data: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    if depth > 40:
        return
    if isinstance(data, dict):
        if _get(data, _AUTHOR_KEYS) is not None and _text(_get(data, _TITLE_KEYS)):
            out.append(data)
        for v in data.values():
            if isinstance(v, dict | list):
                _walk(v, out, depth + 1)
    elif isinstance(data, list):
        for v in data[:2000]:
            if isinstance(v, dict | list):
                _walk(v, out, depth + 1)


def _similarity(a: str, b: str) -> float:
    wa, wb = set(_WORD.findall(fold(a))), set(_WORD.findall(fold(b)))
    return len(wa & wb) / max(len(wa | wb), 1)


def _page_title(page: Page) -> str:
    return page.first("citation_title", "dc.title", "og:title", "twitter:title") or page.title


def extract(page: Page) -> Found | None:
    candidates: list[dict[str, Any]] = []
    for script in page.tree.iter("script"):
        kind = (script.get("type") or "").strip().lower()
        if kind not in ("application/json", "text/json") and script.get("id") not in ("__NEXT_DATA__", "__NUXT_DATA__"):
            continue
        text = script.text or ""
        if not text.strip() or len(text) > MAX_STATE:
            continue
        try:
            data = json.loads(text)
        except ValueError:
            continue  # not JSON after all (a template, a config in JavaScript)
        _walk(data, candidates)
    candidates = [c for c in candidates if _people(_get(c, _AUTHOR_KEYS))]
    if not candidates:
        return None
    title = _page_title(page)
    best = max(candidates, key=lambda c: _similarity(_text(_get(c, _TITLE_KEYS)), title)) if title else candidates[0]
    if title and _similarity(_text(_get(best, _TITLE_KEYS)), title) < 0.5:
        return None  # no object in the state is this page's article
    found = Found(SOURCE)
    found.add("title", _text(_get(best, _TITLE_KEYS)))
    for name in _people(_get(best, _AUTHOR_KEYS)):
        found.add_person(name)
    found.add("DOI", _text(_get(best, _DOI_KEYS)))
    found.add("date", _text(_get(best, _DATE_KEYS))[:10])
    found.add("abstractNote", _text(_get(best, _ABSTRACT_KEYS)))
    return found
