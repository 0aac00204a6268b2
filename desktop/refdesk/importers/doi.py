"""Import by DOI through content negotiation (placeholder until the DOI importer lands)."""

from __future__ import annotations

from refdesk.app import AppContext
from refdesk.errors import ImporterError
from refdesk.model import Record


def import_doi(ctx: AppContext, doi: str) -> list[Record]:
    raise ImporterError(f"Import by DOI is not available yet ({doi})")
