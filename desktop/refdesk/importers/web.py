"""Import a journal article's landing page by URL (placeholder until the URL importer lands)."""

from __future__ import annotations

from refdesk.app import AppContext
from refdesk.errors import ImporterError
from refdesk.model import Record


def import_url(ctx: AppContext, url: str) -> list[Record]:
    raise ImporterError(f"Import by URL is not available yet ({url})")
