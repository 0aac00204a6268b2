"""Importers: each turns one kind of input (file, URL, DOI, ISSN) into Records."""

#: Provenance key of the record as a whole: how an import reached it ("the page refused the request (403); from the
#: DOI in the address via the DOI resolver"), beside the per-field sources. ``refdesk show`` prints it as "Imported".
IMPORT_NOTE = "import"
