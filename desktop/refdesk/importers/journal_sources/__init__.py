"""The journal sources (Crossref, OpenAlex, DOAJ), one module each, and the merge of their answers.

Callers use ``refdesk.importers.journal`` (the lookup and its vocabulary); the shared dataclasses
live in ``journal_sources.types``.
"""
