"""Two-way Zotero sync through the Web API v3 (pyzotero); the API key lives only in the OS keyring.

Public entry points for the CLI and the GUI (see docs/zotero-sync.md):
``account.login`` / ``account.verify``, ``sync.sync``, ``status.status``, ``conflicts.list_conflicts`` /
``conflicts.resolve``.
"""
