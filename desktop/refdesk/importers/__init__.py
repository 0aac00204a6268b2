"""Importers: each turns one kind of input (file, URL, DOI, ISSN) into Records."""

from refdesk.model import Provenance, Record

#: Provenance key of the record as a whole: how an import reached it ("the page refused the request (403); from the
#: DOI in the address via the DOI resolver"), beside the per-field sources. ``refdesk show`` prints it as "Imported".
IMPORT_NOTE = "import"


def add_note(rec: Record, text: str) -> None:
    """Add to the record's import note (``IMPORT_NOTE``): what the import did that its fields do not show."""
    current = rec.provenance.get(IMPORT_NOTE)
    rec.provenance[IMPORT_NOTE] = Provenance(f"{current.source}; {text}" if current else text)
