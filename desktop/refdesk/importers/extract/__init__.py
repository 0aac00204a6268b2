"""One module per metadata convention a journal page may use; :mod:`.merge` combines them.

Pure functions of a parsed :class:`~.page.Page` (no network): each returns a
:class:`~.found.Found` or None. Pointers to exports (RIS/BibTeX/MODS/CSL-JSON
alternates, unAPI, VuFind and OJS export links) are fetched by
:mod:`refdesk.importers.web`.
"""

from __future__ import annotations

from collections.abc import Callable

from refdesk.importers.extract import body, coins, dublincore, generic, highwire, jsonld, ojs, opengraph, prism, state
from refdesk.importers.extract.found import Found
from refdesk.importers.extract.page import Page

#: Every embedded-metadata extractor, with the name used in provenance ("web:<name>") and messages.
EXTRACTORS: tuple[tuple[str, str, Callable[[Page], Found | None]], ...] = (
    ("highwire", "Highwire/Google Scholar citation_* tags", highwire.extract),
    ("dublincore", "Dublin Core DC.*/DCTERMS.* tags", dublincore.extract),
    ("prism", "PRISM tags", prism.extract),
    ("jsonld", "schema.org JSON-LD", jsonld.extract),
    ("state", "the JSON state object the page embeds for its scripts", state.extract),
    ("coins", "COinS (Z3988)", coins.extract),
    ("ojs", "Open Journal Systems page markup", ojs.extract),
    ("body", "the abstract section and author links of the page body", body.extract),
    ("opengraph", "OpenGraph og:* tags", opengraph.extract),
    ("html", "the page title and description", generic.extract),
)


def run_all(page: Page) -> list[Found]:
    """Every extractor's findings (the embedded ones; exports are fetched separately)."""
    out = []
    for _, _, fn in EXTRACTORS:
        found = fn(page)
        if found is not None:
            out.append(found)
    return out
