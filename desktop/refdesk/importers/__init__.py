"""Importers: each turns one kind of input (file, URL, DOI, ISSN) into Records."""
