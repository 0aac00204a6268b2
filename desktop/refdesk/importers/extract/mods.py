"""MODS XML (Library of Congress) -> Record: the format unAPI servers and catalogues offer besides RIS/BibTeX.

Only what a citation needs: title/subtitle, personal and corporate names with
roles, originInfo (date, publisher, place), the host item (journal or book:
title, volume, issue, pages, ISSN/ISBN), identifiers, abstract, subjects and
language. Namespaced (``mods:``) and plain documents are both read.
"""

from __future__ import annotations

from lxml import etree

from refdesk.dates import normalize_date
from refdesk.errors import ImporterError
from refdesk.importers.fileformat import put
from refdesk.model import Record
from refdesk.names import parse_name
from refdesk.text import clean

_GENRES = {
    "journal article": "journalArticle", "article": "journalArticle", "academic journal": "journalArticle",
    "book": "book", "book chapter": "bookSection", "chapter": "bookSection", "thesis": "thesis",
    "conference publication": "conferencePaper", "conference paper": "conferencePaper", "report": "report",
    "technical report": "report", "web site": "webpage", "webpage": "webpage",
}  # fmt: skip
_ROLES = {"aut": "author", "author": "author", "edt": "editor", "editor": "editor", "trl": "translator", "translator": "translator"}


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name]


def _child(el: etree._Element, *path: str) -> etree._Element | None:
    cur: etree._Element | None = el
    for name in path:
        if cur is None:
            return None
        kids = _children(cur, name)
        cur = kids[0] if kids else None
    return cur


def _text(el: etree._Element | None) -> str:
    return clean("".join(str(t) for t in el.itertext())) if el is not None else ""


def _title(el: etree._Element) -> str:
    info = _child(el, "titleInfo")
    if info is None:
        return ""
    title = _text(_child(info, "title"))
    sub = _text(_child(info, "subTitle"))
    return f"{title}: {sub}" if title and sub else title


def _names(rec: Record, el: etree._Element, source: str) -> None:
    for name in _children(el, "name"):
        role_term = _text(_child(name, "role", "roleTerm")).lower() or "author"
        role = _ROLES.get(role_term, "contributor")
        parts = {p.get("type", ""): _text(p) for p in _children(name, "namePart")}
        if name.get("type") == "corporate":
            if parts.get(""):
                rec.creators.append({"creatorType": role, "name": parts[""]})
        elif parts.get("family"):
            rec.creators.append({"creatorType": role, "lastName": parts["family"], "firstName": parts.get("given", "")})
        elif parts.get(""):
            rec.creators.append(parse_name(parts[""], role))
    if rec.creators:
        rec.set("creators", rec.creators, source)


def _mods_root(data: bytes) -> etree._Element:
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError as exc:
        raise ImporterError(f"not well-formed MODS XML ({exc})") from None
    if _local(root) == "modsCollection":
        first = _children(root, "mods")
        if not first:
            raise ImporterError("the MODS collection is empty")
        root = first[0]
    if _local(root) != "mods":
        raise ImporterError(f"not a MODS document (root element <{_local(root)}>)")
    return root


def read(data: bytes, source: str) -> list[Record]:
    root = _mods_root(data)
    genre = _text(_child(root, "genre")).lower()
    host = next((h for h in _children(root, "relatedItem") if h.get("type") == "host"), None)
    host_genre = _text(_child(host, "genre")).lower() if host is not None else ""
    item_type = _GENRES.get(genre) or ("journalArticle" if host_genre in ("journal", "periodical", "academic journal") else None)
    if item_type is None:
        item_type = "bookSection" if host is not None and host_genre == "book" else "journalArticle" if host is not None else "book"
    rec = Record.new(item_type)
    put(rec, "title", _title(root), source)
    _names(rec, root, source)
    origin = _child(root, "originInfo")
    if origin is not None:
        date = _text(_child(origin, "dateIssued")) or _text(_child(origin, "copyrightDate"))
        put(rec, "date", normalize_date(date) or date, source)
        put(rec, "publisher", _text(_child(origin, "publisher")), source)
        put(rec, "place", _text(_child(origin, "place", "placeTerm")), source)
    if host is not None:
        put(rec, "publicationTitle", _title(host), source)
        part = _child(host, "part") or _child(root, "part")
        if part is not None:
            for detail in _children(part, "detail"):
                kind = detail.get("type", "")
                if kind in ("volume", "issue"):
                    put(rec, kind, _text(_child(detail, "number")), source)
            extent = _child(part, "extent")
            if extent is not None:
                start, end = _text(_child(extent, "start")), _text(_child(extent, "end"))
                put(rec, "pages", f"{start}-{end}" if start and end else start, source)
            if origin is None or not rec.get("date"):
                put(rec, "date", normalize_date(_text(_child(part, "date"))), source)
        for ident in _children(host, "identifier"):
            if ident.get("type") in ("issn", "isbn"):
                put(rec, ident.get("type", "").upper(), _text(ident), source)
    for ident in _children(root, "identifier"):
        kind = (ident.get("type") or "").lower()
        if kind in ("doi", "isbn", "issn"):
            put(rec, kind.upper() if kind != "doi" else "DOI", _text(ident), source)
        elif kind == "uri":
            put(rec, "url", _text(ident), source)
    put(rec, "abstractNote", _text(_child(root, "abstract")), source)
    put(rec, "language", _text(_child(root, "language", "languageTerm")), source)
    for subject in _children(root, "subject"):
        for topic in _children(subject, "topic"):
            rec.add_tag(_text(topic), automatic=True)
    if not rec.title:
        raise ImporterError("the MODS record has no title")
    return [rec]
