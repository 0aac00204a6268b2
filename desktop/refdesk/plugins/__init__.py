"""Enrichment add-ons: the public API (``api``), discovery (``host``), running (``runner``),
suggestions (``suggestions``), installing (``install``) and the facade the CLI and GUI use
(``manager``). Add-ons import ``refdesk.plugins.api`` only."""
