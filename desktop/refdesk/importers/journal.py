"""Import articles of a journal by ISSN (placeholder until the journal importer lands)."""

from __future__ import annotations

from collections.abc import Callable

from refdesk.app import AppContext
from refdesk.errors import ImporterError
from refdesk.model import Record


def import_issn(
    ctx: AppContext,
    issn: str,
    query: str | None,
    limit: int,
    year: int | None = None,
    refresh: bool = False,
    say: Callable[[str], None] = print,
) -> list[Record]:
    raise ImporterError(f"Import by ISSN is not available yet ({issn})")
