"""Route each input to its importer by what ``identifiers.classify`` says it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from refdesk.app import AppContext
from refdesk.errors import ImporterError
from refdesk.identifiers import Identifier, Kind, classify
from refdesk.model import Record


@dataclass
class ImportOptions:
    query: str | None = None
    limit: int = 20
    year: int | None = None
    refresh: bool = False


def records_for(
    ctx: AppContext, ident: Identifier, options: ImportOptions, say: Callable[[str], None] = print
) -> list[Record]:
    """Records for one classified input; nothing is stored here."""
    if ident.kind is Kind.FILE:
        from refdesk.importers.files import read_file
        from refdesk.library.connection import is_library_file

        if is_library_file(ident.value, ctx.library_path):
            raise ImporterError(f"{ident.value} is the library itself, not a file to import; it was left untouched")
        return read_file(ident.value)
    if ident.kind is Kind.URL:
        from refdesk.importers.web import import_url

        return import_url(ctx, ident.value, refresh=options.refresh)
    if ident.kind is Kind.DOI:
        from refdesk.importers.doi import import_doi

        return import_doi(ctx, ident.value, refresh=options.refresh)
    if ident.kind is Kind.ISSN:
        from refdesk.importers.journal import import_issn

        return import_issn(ctx, ident.value, options.query, options.limit, options.year, options.refresh, say)
    raise ImporterError(not_importable(ident) or f"Cannot import {ident.kind.value} {ident.value}")


def not_importable(ident: Identifier) -> str | None:
    """Why ``ident``, a well-formed identifier, cannot be imported (yet), or None when it can."""
    if ident.kind is Kind.ISBN:
        return f"Import by ISBN is not supported yet ({ident.value}); import the book by its URL or a RIS/BibTeX file"
    return None


def classify_input(text: str) -> Identifier:
    return classify(text)


__all__ = ["ImportOptions", "Kind", "classify_input", "not_importable", "records_for"]
