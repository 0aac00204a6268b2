"""The local library: SQLite with WAL, FTS5 search, provenance and a change journal."""

from refdesk.library.store import Change, ImportOutcome, Library, Row

__all__ = ["Change", "ImportOutcome", "Library", "Row"]
