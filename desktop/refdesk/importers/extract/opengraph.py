"""OpenGraph (``og:*``, ``article:*``, ``book:*``): what blogs and news sites give social networks.

Weakest of the conventions: ``og:title`` is often the page headline with the
site name glued on, so it only fills what nothing better states. An OpenGraph
``article`` is a web page (Zotero's ``webpage``) unless a stronger source says
it belongs to a journal.
"""

from __future__ import annotations

from refdesk.importers.extract.found import Found
from refdesk.importers.extract.page import Page

SOURCE = "opengraph"

_TYPES = {"book": "book", "video.movie": "film", "video.episode": "tvBroadcast", "music.song": "audioRecording", "article": "webpage", "website": "webpage", "blog": "webpage"}


def extract(page: Page) -> Found | None:
    metas = [m for m in page.metas if m.key.startswith(("og:", "article:", "book:"))]
    if not metas:
        return None
    found = Found(SOURCE)
    for m in metas:
        key, value = m.key, m.content
        if not value:
            continue
        if key == "og:title":
            found.add("title", value, m.lang)
        elif key == "og:description":
            found.add("abstractNote", value, m.lang)
        elif key == "og:site_name":
            found.add("websiteTitle", value, m.lang)
        elif key == "og:locale":
            found.add("language", value.replace("_", "-"))
        elif key == "og:type":
            found.item_type = found.item_type or _TYPES.get(value.lower(), "webpage")
        elif key in ("article:published_time", "book:release_date"):
            found.add("date", value)
        elif key in ("article:author", "book:author") and not value.lower().startswith(("http://", "https://")):
            found.add_person(value, m.lang)
        elif key in ("article:tag", "book:tag"):
            found.add_tags(value, m.lang)
        elif key == "book:isbn":
            found.add("ISBN", value)
    return None if found.is_empty() else found
