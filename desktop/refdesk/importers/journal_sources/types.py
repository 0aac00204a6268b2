"""What each journal source answers, in one vocabulary shared by the sources, the merge and the GUI.

Crossref, OpenAlex and DOAJ each describe a journal and its articles in their own
JSON; every source module translates its answer into these plain dataclasses so
the merge, the CLI and the GUI's journal picker never look at source JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from refdesk.dates import year_of
from refdesk.errors import RefdeskError
from refdesk.names import Creator, creator_display

#: The three sources, in the order their values win when they disagree.
CROSSREF = "Crossref"
OPENALEX = "OpenAlex"
DOAJ = "DOAJ"
SOURCES = (CROSSREF, OPENALEX, DOAJ)


class SourceFormatError(RefdeskError):
    """A source answered, but not in the shape its documentation describes."""


class LookupCancelled(RefdeskError):
    """The caller (the GUI's cancel button) asked to stop."""


@dataclass
class JournalQuery:
    """One lookup: which journal, which of its articles, how many, and how to page."""

    issn: str
    query: str | None = None
    year: int | None = None
    limit: int = 50
    page_size: int = 100
    refresh: bool = False
    cancel: Callable[[], bool] | None = None

    def cancelled(self) -> bool:
        return bool(self.cancel and self.cancel())


@dataclass
class JournalInfo:
    """The journal as one source (or the merge of all) describes it."""

    title: str = ""
    original_title: str = ""  # the title in its own (non-Latin) script, when a source has one
    other_titles: list[str] = field(default_factory=list)
    abbreviation: str = ""
    publisher: str = ""
    issn_print: str = ""
    issn_electronic: str = ""
    issn_linking: str = ""
    issns: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    homepage: str = ""
    open_access: bool | None = None
    languages: list[str] = field(default_factory=list)
    country: str = ""
    works_count: int | None = None
    sources: list[str] = field(default_factory=list)

    def all_issns(self) -> list[str]:
        """Every ISSN named, print and electronic first, without repeats."""
        out: list[str] = []
        for value in (self.issn_print, self.issn_electronic, self.issn_linking, *self.issns):
            if value and value not in out:
                out.append(value)
        return out


@dataclass
class ArticleHit:
    """One article of the journal, as found (and after the merge, as found by every source that has it)."""

    title: str = ""
    creators: list[Creator] = field(default_factory=list)
    date: str = ""  # ISO 8601, as precise as the best source has it
    doi: str = ""
    url: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    abstract: str = ""
    language: str = ""
    journal_title: str = ""
    journal_abbreviation: str = ""
    publisher: str = ""
    issns: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    #: Position in each source's own ranking (0 = its best match or newest).
    ranks: dict[str, int] = field(default_factory=dict)
    #: Which source gave each field (provenance of the record made from this hit).
    origin: dict[str, str] = field(default_factory=dict)

    @property
    def year(self) -> str:
        return year_of(self.date)

    @property
    def authors(self) -> list[str]:
        """Display names ('Sergeev, E. Yu.'), in order."""
        return [creator_display(c) for c in self.creators]


@dataclass
class SourceFailure:
    """A source that could not answer, and why (shown to the user next to what the others found)."""

    source: str
    reason: str


@dataclass
class WorksPage:
    """A source's list of articles for a query, and how many it says exist in all."""

    hits: list[ArticleHit] = field(default_factory=list)
    total: int | None = None


@dataclass
class JournalLookup:
    """Everything a lookup found: the merged journal, merged articles, and the sources that failed."""

    issn: str
    query: str | None = None
    year: int | None = None
    journal: JournalInfo | None = None
    articles: list[ArticleHit] = field(default_factory=list)
    failures: list[SourceFailure] = field(default_factory=list)
    #: Number of matching articles each source says it holds (not all are fetched).
    totals: dict[str, int] = field(default_factory=dict)
