"""CSL variables in Zotero's ``extra`` field ("cheater syntax"): ``original-title: …``, ``original-author: Family || Given``.

Zotero users (and refdesk's own URL import) keep what an item type has no field for as
``variable: value`` lines in ``extra``; Zotero's citation processor reads them from
there. Each export writer must carry these lines through untouched (RIS as ``N1``, BibTeX
in ``note``, CSL-JSON in ``note``), and CSL-JSON also gives them as real variables to
processors that do not read ``note`` (citeproc-py in the app, pandoc).

The list is every variable of CSL 1.0.2 that an item can carry (Appendix IV), which is
what Zotero and citeproc-js accept in ``extra``; the variables a processor computes
itself (``citation-number``, ``locator``, ``year-suffix``…) are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from refdesk.dates import parse_date

TEXT_VARIABLES = (
    "abstract", "annote", "archive", "archive_collection", "archive_location", "archive-place", "authority",
    "call-number", "chapter-number", "citation-key", "collection-number", "collection-title", "container-title",
    "container-title-short", "dimensions", "division", "DOI", "edition", "event-place", "event-title", "genre",
    "ISBN", "ISSN", "issue", "jurisdiction", "keyword", "language", "license", "medium", "note", "number",
    "number-of-pages", "number-of-volumes", "original-publisher", "original-publisher-place", "original-title",
    "page", "page-first", "part-number", "part-title", "PMCID", "PMID", "printing-number", "publisher",
    "publisher-place", "references", "reviewed-genre", "reviewed-title", "scale", "section", "source", "status",
    "supplement-number", "title", "title-short", "URL", "version", "volume", "volume-title", "volume-title-short",
)  # fmt: skip
DATE_VARIABLES = ("accessed", "available-date", "event-date", "issued", "original-date", "submitted")
NAME_VARIABLES = (
    "author", "chair", "collection-editor", "compiler", "composer", "container-author", "contributor", "curator",
    "director", "editor", "editorial-director", "editor-translator", "executive-producer", "guest", "host",
    "illustrator", "interviewer", "narrator", "organizer", "original-author", "performer", "producer", "recipient",
    "reviewed-author", "script-writer", "series-creator", "translator",
)  # fmt: skip
KINDS: dict[str, str] = {v: "text" for v in TEXT_VARIABLES} | {v: "date" for v in DATE_VARIABLES} | {v: "name" for v in NAME_VARIABLES}

_LINE = re.compile(r"^([A-Za-z][A-Za-z_-]*):\s*(\S.*)$")


@dataclass(frozen=True)
class ExtraVariable:
    name: str  # the CSL variable, as CSL spells it
    kind: str  # text | date | name
    value: str
    line: str  # the whole line as it stands in extra


def variables(extra: str) -> list[ExtraVariable]:
    """The lines of ``extra`` that set a CSL variable, spelled as CSL spells it (``original-title: …``), in order."""
    out = []
    for line in extra.split("\n"):
        m = _LINE.match(line.strip())
        if m and m.group(1) in KINDS:
            out.append(ExtraVariable(m.group(1), KINDS[m.group(1)], m.group(2).strip(), line.strip()))
    return out


def csl_name(value: str) -> dict[str, str]:
    """``Family || Given`` (Zotero's two-field form) or a single-field name, as a CSL name object."""
    family, sep, given = value.partition("||")
    if sep and family.strip():
        return {"family": family.strip(), "given": given.strip()} if given.strip() else {"family": family.strip()}
    return {"literal": value.strip()}


def name_text(name: dict[str, str]) -> str:
    """A CSL name object back in the form ``csl_name`` reads."""
    if name.get("literal"):
        return name["literal"]
    family, given = name.get("family", ""), name.get("given", "")
    return f"{family} || {given}" if given else family


def csl_date(value: str) -> dict[str, object]:
    """A date for CSL: ``date-parts`` when the value is an ISO date (``1922``, ``1922-11``, ``1922-11-01``), else ``raw``."""
    iso = parse_date(value).iso
    if iso and iso == value:
        return {"date-parts": [[int(p) for p in iso.split("-")]]}
    return {"raw": value}
