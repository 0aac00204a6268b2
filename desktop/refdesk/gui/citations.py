"""Citations and bibliographies in APA and Chicago author-date, rendered by citeproc-py.

citeproc-py ships only a Harvard style, so refdesk carries compact APA and
Chicago author-date CSL files in ``gui/resources``. Records become CSL-JSON with
the core's ``record_to_csl`` (the same mapping as CSL-JSON export).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from refdesk.errors import RefdeskError
from refdesk.importers.csl import record_to_csl
from refdesk.model import Record

#: style id -> (menu label, CSL file in gui/resources)
STYLES: dict[str, tuple[str, str]] = {
    "apa": ("APA 7th edition", "apa.csl"),
    "chicago": ("Chicago author-date", "chicago-author-date.csl"),
}


@dataclass(frozen=True)
class Rendered:
    """The same text as plain text and as HTML (italics kept), for the clipboard."""

    text: str
    html: str


def style_path(style: str) -> Path:
    try:
        _label, filename = STYLES[style]
    except KeyError:
        raise RefdeskError(f"Unknown citation style '{style}' (known: {', '.join(STYLES)})") from None
    return Path(str(resources.files("refdesk.gui").joinpath("resources", filename)))


@cache
def _style(style: str) -> Any:
    from citeproc import CitationStylesStyle

    return CitationStylesStyle(str(style_path(style)), validate=False)


def _csl_items(records: list[Record]) -> list[dict[str, Any]]:
    items = []
    for rec in records:
        item = record_to_csl(rec)
        item["id"] = rec.key.lower()  # citeproc-py looks keys up lower-cased
        items.append(item)
    return items


def _bibliography(records: list[Record], style: str, fmt: Any) -> tuple[Any, Any]:
    from citeproc import Citation, CitationItem, CitationStylesBibliography
    from citeproc.source.json import CiteProcJSON

    if not records:
        raise RefdeskError("Select at least one item to cite")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns about CSL variables it does not know
        source = CiteProcJSON(_csl_items(records))
        bib = CitationStylesBibliography(_style(style), source, fmt)
        citation = Citation([CitationItem(rec.key.lower()) for rec in records])
        bib.register(citation)
    return bib, citation


def _render(records: list[Record], style: str, bibliography: bool) -> tuple[str, str]:
    from citeproc import formatter

    out: list[str] = []
    for fmt in (formatter.plain, formatter.html):
        bib, citation = _bibliography(records, style, fmt)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if bibliography:
                bib.sort()
                entries = [str(entry) for entry in bib.bibliography()]
                joiner = "\n" if fmt is formatter.plain else "<br>\n"
                out.append(joiner.join(entries))
            else:
                out.append(str(bib.cite(citation, lambda _item: None)))
    return out[0], out[1]


def citation(records: list[Record], style: str = "apa") -> Rendered:
    """An in-text citation of the records, e.g. '(Sergeev & Smith, 2020)'."""
    text, html = _render(records, style, bibliography=False)
    return Rendered(text, html)


def bibliography(records: list[Record], style: str = "apa") -> Rendered:
    """One reference-list entry per record, sorted as the style says."""
    text, html = _render(records, style, bibliography=True)
    return Rendered(text, html)
