"""An ArticleHit -> a full journalArticle Record (Zotero field names), provenance per field."""

from __future__ import annotations

from refdesk.importers.journal_sources.types import ArticleHit
from refdesk.model import Record

#: ArticleHit attribute -> Zotero field.
_FIELDS = (
    ("title", "title"),
    ("date", "date"),
    ("journal_title", "publicationTitle"),
    ("journal_abbreviation", "journalAbbreviation"),
    ("publisher", "publisher"),
    ("volume", "volume"),
    ("issue", "issue"),
    ("pages", "pages"),
    ("doi", "DOI"),
    ("url", "url"),
    ("language", "language"),
    ("abstract", "abstractNote"),
)


def record_from_hit(hit: ArticleHit) -> Record:
    """A journalArticle with every field the merged hit has (``lookup_journal`` already
    filled the journal's title and ISSNs into its hits; ISSNs are joined as Zotero writes them)."""
    rec = Record.new("journalArticle")
    first = hit.sources[0] if hit.sources else "journal"
    default = f"import:issn:{first}"
    for attr, name in _FIELDS:
        rec.fill(name, getattr(hit, attr), f"import:issn:{hit.origin.get(attr, first)}")
    if hit.creators:
        rec.set("creators", [dict(c) for c in hit.creators], f"import:issn:{hit.origin.get('creators', first)}")
    rec.fill("ISSN", ", ".join(dict.fromkeys(hit.issns)), default)
    if not rec.get("url") and hit.doi:
        rec.fill("url", f"https://doi.org/{hit.doi}", default)
    rec.fill("libraryCatalog", ", ".join(hit.sources), default)
    return rec
