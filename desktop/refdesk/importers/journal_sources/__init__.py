"""The journal sources (Crossref, OpenAlex, DOAJ), one module each, and the merge of their answers."""

from refdesk.importers.journal_sources.types import (
    CROSSREF,
    DOAJ,
    OPENALEX,
    SOURCES,
    ArticleHit,
    JournalInfo,
    JournalLookup,
    JournalQuery,
    LookupCancelled,
    SourceFailure,
    SourceFormatError,
    WorksPage,
)

__all__ = [
    "CROSSREF",
    "DOAJ",
    "OPENALEX",
    "SOURCES",
    "ArticleHit",
    "JournalInfo",
    "JournalLookup",
    "JournalQuery",
    "LookupCancelled",
    "SourceFailure",
    "SourceFormatError",
    "WorksPage",
]
