"""Every row of a library, to prove two ways of writing leave the same library, or that a failure changed nothing."""

from __future__ import annotations

from typing import Any

from refdesk.library.store import Library


def library_rows(lib: Library) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows (in a stable order), and the search index's content as (term, item, column, offset) rows.

    The index's own tables are left out: how FTS5 lays out its segments depends on when it flushed, not on what it
    holds. ``fts5vocab`` in ``instance`` mode lists every indexed word of every item, which is what a search reads.
    """
    tables = [name for (name,) in lib.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'items_fts%'"
    )]  # fmt: skip
    out = {name: sorted((tuple(row) for row in lib.execute(f"SELECT * FROM {name}")), key=repr) for name in tables}
    lib.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.indexed_words USING fts5vocab(main, items_fts, instance)")
    out["items_fts"] = sorted((tuple(row) for row in lib.execute("SELECT * FROM temp.indexed_words")), key=repr)
    return out
