"""VuFind library-catalogue record pages: follow the record's own RIS (or BibTeX) export.

A VuFind record page (``/Record/<id>``) carries little embedded metadata (a
COinS span at best) but links ``/Record/<id>/Export?style=RIS``, the catalogue's
full record; that export is what Zotero's VuFind support reads too.
"""

from __future__ import annotations

import re

from refdesk.importers.extract.links import ExportLink
from refdesk.importers.extract.page import Page

_EXPORT = re.compile(r"/(?:Record|EdsRecord|Search2Record|PrimoRecord)/[^/?#]+/Export\?(?:[^#]*&)?style=(RIS|BibTeX)\b", re.IGNORECASE)


def is_vufind(page: Page) -> bool:
    generator = page.first("generator").lower()
    return "vufind" in generator or bool(_EXPORT.search(page.url)) or any(
        _EXPORT.search(a.get("href") or "") for a in page.tree.iter("a")
    )


def export_links(page: Page) -> list[ExportLink]:
    """The record's RIS export first, then BibTeX; nothing on pages that are not VuFind records."""
    if "vufind" not in page.first("generator").lower() and "/record/" not in page.url.lower():
        return []
    links: dict[str, ExportLink] = {}
    for a in page.tree.iter("a"):
        href = a.get("href") or ""
        m = _EXPORT.search(href)
        if m and page.absolute(href):
            fmt = "ris" if m.group(1).lower() == "ris" else "bibtex"
            links.setdefault(fmt, ExportLink(page.absolute(href), fmt, "vufind"))
    if not links and "/record/" in page.url.lower():
        # VuFind renders the export menu with JavaScript on some themes; the address is fixed.
        base = page.url.split("?")[0].split("#")[0].rstrip("/")
        if re.search(r"/Record/[^/]+$", base):
            links["ris"] = ExportLink(f"{base}/Export?style=RIS", "ris", "vufind")
    return [links[f] for f in ("ris", "bibtex") if f in links]
