"""Exports the page points to: ``<link rel="alternate">`` to RIS, BibTeX, MODS or CSL-JSON, and unAPI.

These are pointers, not metadata: :mod:`refdesk.importers.web` fetches them and
reads them with the file readers (RIS, BibTeX, CSL-JSON) or :mod:`.mods`. The
publisher's own export is usually the most complete record it has, so it ranks
right after the Highwire tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from lxml import etree

from refdesk.errors import ImporterError
from refdesk.importers.extract.page import Page
from refdesk.model import Record

#: MIME type -> export format name.
FORMAT_TYPES = {
    "application/x-research-info-systems": "ris", "application/x-ris": "ris", "text/x-ris": "ris",
    "application/ris": "ris", "application/x-bibtex": "bibtex", "text/x-bibtex": "bibtex",
    "application/x-bibtex-text-file": "bibtex", "application/bibtex": "bibtex", "text/bibtex": "bibtex",
    "application/mods+xml": "mods", "application/vnd.citationstyles.csl+json": "csljson",
    "application/citeproc+json": "csljson", "application/x-csl+json": "csljson",
}  # fmt: skip
#: Accept header for each format.
ACCEPT = {
    "ris": "application/x-research-info-systems, text/plain;q=0.5, */*;q=0.1",
    "bibtex": "application/x-bibtex, text/plain;q=0.5, */*;q=0.1",
    "mods": "application/mods+xml, application/xml;q=0.5, */*;q=0.1",
    "csljson": "application/vnd.citationstyles.csl+json, application/json;q=0.5, */*;q=0.1",
    "unapi": "application/xml, text/xml;q=0.9, */*;q=0.1",
}
#: Preference when a page or unAPI server offers several.
ORDER = ("ris", "csljson", "bibtex", "mods")


@dataclass(frozen=True)
class ExportLink:
    url: str
    fmt: str  # ris | bibtex | csljson | mods | unapi
    via: str  # links | unapi | vufind | ojs


def export_links(page: Page) -> list[ExportLink]:
    """Alternates first (best format first), then one unAPI request per unAPI id on the page."""
    found: list[ExportLink] = []
    for link in page.links:
        rels = link.rel.split()
        if ("alternate" in rels or "meta" in rels or "describedby" in rels) and link.type in FORMAT_TYPES:
            found.append(ExportLink(link.href, FORMAT_TYPES[link.type], "links"))
    found.sort(key=lambda e: ORDER.index(e.fmt))
    server = next((ln.href for ln in page.links if "unapi-server" in ln.rel.split()), "")
    if server:
        ids = [el.get("title", "") for el in page.tree.iter("abbr", "span") if "unapi-id" in (el.get("class") or "").split()]
        for ident in [i for i in ids if i][:1]:
            sep = "&" if "?" in server else "?"
            found.append(ExportLink(f"{server}{sep}{urlencode({'id': ident})}", "unapi", "unapi"))
    return found


def unapi_choice(xml: bytes, link: ExportLink) -> ExportLink | None:
    """From an unAPI ``<formats>`` answer, the request for the best format it offers (None if none fits)."""
    try:
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise ImporterError(f"the unAPI server's format list is not XML ({exc})") from None
    offered: dict[str, str] = {}
    for fmt in root.iter("{*}format", "format"):
        name, mime = (fmt.get("name") or ""), (fmt.get("type") or "").lower()
        kind = FORMAT_TYPES.get(mime) or {"ris": "ris", "bibtex": "bibtex", "mods": "mods", "csl": "csljson"}.get(name.lower())
        if kind and name:
            offered.setdefault(kind, name)
    for kind in ORDER:
        if kind in offered:
            return ExportLink(f"{link.url}&{urlencode({'format': offered[kind]})}", kind, "unapi")
    return None


def sniff_format(text: str) -> str | None:
    """ris / bibtex / csljson / mods by content, when a server labels its export text/plain or octet-stream."""
    head = text.lstrip()[:2000]
    if head.startswith("TY  -") or "\nTY  -" in head[:400]:
        return "ris"
    if head.startswith("@"):
        return "bibtex"
    if head.startswith(("[", "{")):
        return "csljson"
    if "<mods" in head or "<mods:mods" in head or "<modsCollection" in head:
        return "mods"
    return None


def parse_export(data: bytes, text: str, fmt: str, source: str) -> list[Record]:
    """Records of an export; ImporterError (the reader's own message) on bad content."""
    from refdesk.importers.extract import mods
    from refdesk.importers.files import parse_text

    if fmt == "mods":
        return mods.read(data, source)
    return parse_text(text, fmt, source)
