"""Versioned schema migrations, applied in order inside one transaction each.

``PRAGMA user_version`` holds the schema version and ``PRAGMA application_id``
marks the file as a refdesk library, so a foreign or newer file is refused
before anything is written to it.
"""

from __future__ import annotations

import sqlite3

APPLICATION_ID = 0x52454644  # "REFD"

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE items (
            id            INTEGER PRIMARY KEY,
            key           TEXT NOT NULL,
            library_id    TEXT NOT NULL DEFAULT 'user',
            item_type     TEXT NOT NULL,
            data          TEXT NOT NULL,          -- Zotero item data as JSON (no key/version)
            version       INTEGER NOT NULL DEFAULT 0,  -- last Zotero version seen
            synced_data   TEXT,                   -- data as last synced, base of 3-way merges
            dirty         INTEGER NOT NULL DEFAULT 1,  -- changed locally since last sync
            date_added    TEXT NOT NULL,
            date_modified TEXT NOT NULL,
            title         TEXT NOT NULL DEFAULT '',
            creators_text TEXT NOT NULL DEFAULT '',
            year          TEXT NOT NULL DEFAULT '',
            publication   TEXT NOT NULL DEFAULT '',
            doi           TEXT,                   -- lower-cased, for dedupe
            url           TEXT,                   -- normalised, for dedupe
            title_key     TEXT,                   -- normalised title|first author|year
            UNIQUE (library_id, key)
        );
        CREATE INDEX items_key ON items(key);
        CREATE INDEX items_doi ON items(doi) WHERE doi IS NOT NULL;
        CREATE INDEX items_url ON items(url) WHERE url IS NOT NULL;
        CREATE INDEX items_title_key ON items(title_key);
        CREATE INDEX items_added ON items(date_added);
        CREATE INDEX items_title ON items(title COLLATE NOCASE);
        CREATE INDEX items_dirty ON items(library_id) WHERE dirty = 1;

        CREATE VIRTUAL TABLE items_fts USING fts5(
            title, creators, publication, abstract, tags,
            tokenize = 'unicode61 remove_diacritics 2',
            prefix = '2 3'
        );

        CREATE TABLE provenance (
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            field   TEXT NOT NULL,
            source  TEXT NOT NULL,
            at      TEXT NOT NULL,
            PRIMARY KEY (item_id, field)
        ) WITHOUT ROWID;

        -- Every local change, in order: what sync uploads and what the GUI can show.
        CREATE TABLE changes (
            id         INTEGER PRIMARY KEY,
            library_id TEXT NOT NULL,
            item_key   TEXT NOT NULL,
            op         TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
            fields     TEXT NOT NULL DEFAULT '[]',
            source     TEXT NOT NULL,
            at         TEXT NOT NULL
        );
        CREATE INDEX changes_item ON changes(library_id, item_key);

        CREATE TABLE collections (
            id         INTEGER PRIMARY KEY,
            key        TEXT NOT NULL,
            library_id TEXT NOT NULL DEFAULT 'user',
            name       TEXT NOT NULL,
            parent_key TEXT,
            data       TEXT NOT NULL,
            version    INTEGER NOT NULL DEFAULT 0,
            synced_data TEXT,
            dirty      INTEGER NOT NULL DEFAULT 1,
            UNIQUE (library_id, key)
        );

        CREATE TABLE settings (
            name  TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    ),
    (
        2,
        """
        -- Zotero sync state (refdesk.zotero): one row per synced library ('user' or 'group:<id>').
        CREATE TABLE zotero_libraries (
            library_id    TEXT PRIMARY KEY,
            version       INTEGER NOT NULL DEFAULT 0,   -- Last-Modified-Version fully applied locally
            name          TEXT NOT NULL DEFAULT '',
            can_write     INTEGER NOT NULL DEFAULT 1,
            enabled       INTEGER NOT NULL DEFAULT 1,
            delete_cursor INTEGER NOT NULL DEFAULT 0,   -- last changes.id harvested into the delete log
            last_sync     TEXT,
            last_error    TEXT
        );
        -- Local deletions not yet confirmed by the server (Zotero's "delete log").
        CREATE TABLE zotero_delete_log (
            library_id  TEXT NOT NULL,
            object_type TEXT NOT NULL CHECK (object_type IN ('item', 'collection')),
            key         TEXT NOT NULL,
            at          TEXT NOT NULL,
            PRIMARY KEY (library_id, object_type, key)
        ) WITHOUT ROWID;
        -- A write batch is journaled (with its Zotero-Write-Token) before it is sent, so a
        -- sync killed mid-request resends the same batch with the same token.
        CREATE TABLE zotero_upload_journal (
            id           INTEGER PRIMARY KEY,
            library_id   TEXT NOT NULL,
            object_type  TEXT NOT NULL,
            token        TEXT NOT NULL,
            keys         TEXT NOT NULL,
            base_version INTEGER NOT NULL,
            created      TEXT NOT NULL
        );
        -- Fields changed on both sides; the local value stays pending until the user settles it.
        CREATE TABLE zotero_conflicts (
            id             INTEGER PRIMARY KEY,
            library_id     TEXT NOT NULL,
            item_key       TEXT NOT NULL,
            field          TEXT NOT NULL,
            base           TEXT,
            local          TEXT,
            remote         TEXT,
            remote_version INTEGER NOT NULL DEFAULT 0,
            created        TEXT NOT NULL,
            resolved       TEXT,
            resolution     TEXT
        );
        CREATE UNIQUE INDEX zotero_conflicts_open ON zotero_conflicts(library_id, item_key, field) WHERE resolved IS NULL;
        CREATE TABLE zotero_meta (
            name  TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    ),
    (
        3,
        """
        -- Values proposed by enrichment add-ons (refdesk.plugins), with provenance, kept for review.
        -- An accepted subject stays here as the provenance of its tag: Zotero tags have only tag and type.
        CREATE TABLE suggestions (
            id           INTEGER PRIMARY KEY,
            item_key     TEXT NOT NULL,
            plugin       TEXT NOT NULL,                -- the add-on's name
            field        TEXT NOT NULL,                -- a Zotero field name, or 'subject' (an automatic tag)
            value        TEXT NOT NULL,
            value_key    TEXT NOT NULL,                -- folded value, for dedupe
            source       TEXT NOT NULL,                -- the service the add-on read ('Crossref', 'OpenAlex')
            evidence_url TEXT NOT NULL DEFAULT '',
            confidence   REAL NOT NULL DEFAULT 0.5,
            status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected', 'present')),
            created      TEXT NOT NULL,
            decided      TEXT,
            decided_by   TEXT,                         -- 'policy' or 'user'
            UNIQUE (item_key, plugin, field, value_key)
        );
        CREATE INDEX suggestions_item ON suggestions(item_key, status);
        CREATE INDEX suggestions_pending ON suggestions(status) WHERE status = 'pending';
        """,
    ),
    (
        4,
        """
        -- What a journaled Zotero batch sent: after a crash, an object that comes back from the
        -- server equal to what we sent is our own write, the base of the merge, not a conflict.
        ALTER TABLE zotero_upload_journal ADD COLUMN payload TEXT NOT NULL DEFAULT '[]';
        """,
    ),
    (
        5,
        """
        -- Search index without its own copy of the text (content='') and without per-row sizes
        -- (columnsize=0; nothing ranks by bm25): a third less disk for the same search.
        -- The library deletes an entry with the 'delete' command and the old values (library/store.py).
        DROP TABLE items_fts;
        CREATE VIRTUAL TABLE items_fts USING fts5(
            title, creators, publication, abstract, tags,
            tokenize = 'unicode61 remove_diacritics 2',
            prefix = '2 3',
            content = '',
            columnsize = 0
        );
        -- Same tokens as Library._fts_values: title; 'Last, First' or name; publication; abstract; tags.
        INSERT INTO items_fts(rowid, title, creators, publication, abstract, tags)
        SELECT id, title,
            coalesce((SELECT group_concat(
                CASE WHEN json_type(c.value, '$.name') IS NOT NULL THEN json_extract(c.value, '$.name')
                     ELSE coalesce(json_extract(c.value, '$.lastName'), '') || ', ' || coalesce(json_extract(c.value, '$.firstName'), '')
                END, ' ; ') FROM json_each(items.data, '$.creators') AS c), ''),
            publication,
            coalesce(CASE WHEN json_type(data, '$.abstractNote') = 'text' THEN json_extract(data, '$.abstractNote') END, ''),
            coalesce((SELECT group_concat(json_extract(t.value, '$.tag'), ' ; ') FROM json_each(items.data, '$.tags') AS t), '')
        FROM items;
        """,
    ),
    (
        6,
        """
        -- 'hashsize' (32 MiB, default 1 MiB) is how many pending terms a transaction keeps in memory
        -- before it writes an index segment: fewer, larger segments, less merging in a bulk import
        -- (100,000 records: 1,150 -> 1,400 records/s). The '2 3' prefix index stays: see
        -- docs/architecture.md for why the cheaper '2' was measured and not kept.
        INSERT INTO items_fts(items_fts, rank) VALUES ('hashsize', 33554432);
        """,
    ),
    (
        7,
        """
        -- Indexes for the item table's other sort columns, so a page sorted by creator, year or
        -- publication walks an index instead of sorting every row (100,000 records: first page by
        -- creator 208 ms -> a few ms). Collations match Library.rows' ORDER BY.
        CREATE INDEX items_creators ON items(creators_text COLLATE NOCASE);
        CREATE INDEX items_year ON items(year);
        CREATE INDEX items_publication ON items(publication COLLATE NOCASE);
        """,
    ),
    (
        8,
        """
        -- Collection membership as rows, kept by triggers from each record's "collections" list, so
        -- every writer (the library, sync's direct UPDATEs) keeps it exact. Showing a collection
        -- of a 100,000-record library read every record's JSON: ~240 ms to count, ~240 ms a page.
        CREATE TABLE item_collections (
            library_id TEXT NOT NULL,
            collection TEXT NOT NULL,
            item_id INTEGER NOT NULL,
            PRIMARY KEY (library_id, collection, item_id)
        ) WITHOUT ROWID;
        CREATE INDEX item_collections_item ON item_collections(item_id);
        INSERT OR IGNORE INTO item_collections(library_id, collection, item_id)
            SELECT items.library_id, c.value, items.id FROM items, json_each(items.data, '$.collections') AS c
            WHERE json_type(items.data, '$.collections') = 'array' AND c.type = 'text';
        CREATE TRIGGER items_collections_insert AFTER INSERT ON items
        WHEN json_type(NEW.data, '$.collections') = 'array'
        BEGIN
            INSERT OR IGNORE INTO item_collections(library_id, collection, item_id)
                SELECT NEW.library_id, value, NEW.id FROM json_each(NEW.data, '$.collections') WHERE type = 'text';
        END;
        CREATE TRIGGER items_collections_update AFTER UPDATE OF data, library_id ON items
        BEGIN
            DELETE FROM item_collections WHERE item_id = OLD.id;
            INSERT OR IGNORE INTO item_collections(library_id, collection, item_id)
                SELECT NEW.library_id, value, NEW.id FROM json_each(NEW.data, '$.collections')
                WHERE json_type(NEW.data, '$.collections') = 'array' AND type = 'text';
        END;
        CREATE TRIGGER items_collections_delete AFTER DELETE ON items
        BEGIN
            DELETE FROM item_collections WHERE item_id = OLD.id;
        END;
        """,
    ),
    (
        9,
        """
        -- Whether ids follow date added (date_added never decreases as id grows): then a search's page
        -- in date-added order is the search index's own rowid order, read from the index as it streams
        -- instead of collecting every match and sorting (Library.rows; 100,000 records, the commonest
        -- words: 10-14 ms -> 2-3 ms). Kept by triggers that compare a written row with its two id
        -- neighbours; once false it stays false (a deletion cannot make it false, only a write can).
        CREATE TABLE library_state (
            name  TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO library_state(name, value) SELECT 'ids_follow_added', NOT EXISTS (
            SELECT 1 FROM (SELECT date_added < lag(date_added) OVER (ORDER BY id) AS down FROM items) WHERE down
        );
        """
        + "".join(
            f"""
        CREATE TRIGGER items_order_{name} AFTER {event} ON items
        WHEN (SELECT value FROM library_state WHERE name = 'ids_follow_added')
            AND (NEW.date_added < (SELECT date_added FROM items WHERE id < NEW.id ORDER BY id DESC LIMIT 1)
                 OR NEW.date_added > (SELECT date_added FROM items WHERE id > NEW.id ORDER BY id LIMIT 1))
        BEGIN
            UPDATE library_state SET value = 0 WHERE name = 'ids_follow_added';
        END;
            """
            for name, event in (("insert", "INSERT"), ("update", "UPDATE OF date_added, id"))
        ),
    ),
]

MIGRATIONS.append((
    10,
    """
    -- Zotero's Trash and child items as columns the library keeps from each record (Library._columns):
    -- trashed = the item's "deleted" flag, parent_key = its "parentItem". Items in the Trash leave the
    -- search index (a search never shows them, and the index's count stays the count a search shows);
    -- the partial index counts the Trash without reading every row. A note's title column becomes its
    -- first line (Record.title). The rows to change are rewritten by _trash_and_note_titles below.
    ALTER TABLE items ADD COLUMN trashed INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE items ADD COLUMN parent_key TEXT;
    CREATE INDEX items_parent ON items(parent_key) WHERE parent_key IS NOT NULL;
    CREATE INDEX items_trashed ON items(library_id) WHERE trashed = 1;
    """,
))

MIGRATIONS.append((
    11,
    """
    -- Tags as rows, kept by triggers from each record's "tags" list as item_collections is (migration 8):
    -- the tag selector counts the tags of the items shown, and filtering by a tag walks this table instead
    -- of reading every record's JSON. A tag is on an item once (Zotero's itemTags), type 1 = automatic.
    CREATE TABLE item_tags (
        tag     TEXT NOT NULL,
        item_id INTEGER NOT NULL,
        type    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tag, item_id)
    ) WITHOUT ROWID;
    CREATE INDEX item_tags_item ON item_tags(item_id);
    INSERT OR IGNORE INTO item_tags(tag, item_id, type)
        SELECT json_extract(t.value, '$.tag'), items.id, CAST(coalesce(json_extract(t.value, '$.type'), 0) AS INTEGER)
        FROM items, json_each(items.data, '$.tags') AS t
        WHERE json_type(items.data, '$.tags') = 'array'
            AND CASE WHEN t.type = 'object' THEN json_type(t.value, '$.tag') = 'text' AND json_extract(t.value, '$.tag') != '' END;
    CREATE TRIGGER items_tags_insert AFTER INSERT ON items
    WHEN json_type(NEW.data, '$.tags') = 'array'
    BEGIN
        INSERT OR IGNORE INTO item_tags(tag, item_id, type)
            SELECT json_extract(value, '$.tag'), NEW.id, CAST(coalesce(json_extract(value, '$.type'), 0) AS INTEGER)
            FROM json_each(NEW.data, '$.tags')
            WHERE CASE WHEN type = 'object' THEN json_type(value, '$.tag') = 'text' AND json_extract(value, '$.tag') != '' END;
    END;
    CREATE TRIGGER items_tags_update AFTER UPDATE OF data ON items
    WHEN json_extract(OLD.data, '$.tags') IS NOT json_extract(NEW.data, '$.tags')
    BEGIN
        DELETE FROM item_tags WHERE item_id = OLD.id;
        INSERT OR IGNORE INTO item_tags(tag, item_id, type)
            SELECT json_extract(value, '$.tag'), NEW.id, CAST(coalesce(json_extract(value, '$.type'), 0) AS INTEGER)
            FROM json_each(NEW.data, '$.tags')
            WHERE json_type(NEW.data, '$.tags') = 'array'
                AND CASE WHEN type = 'object' THEN json_type(value, '$.tag') = 'text' AND json_extract(value, '$.tag') != '' END;
    END;
    CREATE TRIGGER items_tags_delete AFTER DELETE ON items
    BEGIN
        DELETE FROM item_tags WHERE item_id = OLD.id;
    END;
    -- Child items (notes, attachments, annotations) outside and in the Trash, by library: a listing of
    -- top-level items is counted as everything minus this index's entries, without reading a row.
    CREATE INDEX items_children ON items(library_id, trashed, parent_key) WHERE parent_key IS NOT NULL;
    """,
))

MIGRATIONS.append((
    12,
    """
    -- The order indexes also hold the id (the tie-break of every order), the Trash flag, the parent and the library:
    -- since migration 10 a listing keeps "trashed = 0 AND parent_key IS NULL", and with only the sort column in the
    -- index a page at offset N read N table rows to test them (100,000 records: the last page by title 350 ms,
    -- by date added 140 ms, against 7 ms before the Trash). Now the rows an offset passes over are tested in the
    -- index, and a page read from an anchor (Library.rows) seeks on (sort column, id).
    DROP INDEX items_added;
    CREATE INDEX items_added ON items(date_added, id, trashed, parent_key, library_id);
    DROP INDEX items_title;
    CREATE INDEX items_title ON items(title COLLATE NOCASE, id, trashed, parent_key, library_id);
    DROP INDEX items_creators;
    CREATE INDEX items_creators ON items(creators_text COLLATE NOCASE, id, trashed, parent_key, library_id);
    DROP INDEX items_year;
    CREATE INDEX items_year ON items(year, id, trashed, parent_key, library_id);
    DROP INDEX items_publication;
    CREATE INDEX items_publication ON items(publication COLLATE NOCASE, id, trashed, parent_key, library_id);
    """,
))

SCHEMA_VERSION = MIGRATIONS[-1][0]


def _trash_and_note_titles(conn: sqlite3.Connection) -> None:
    """Migration 10's rows: trashed and parent columns, note titles, and the search index without the Trash.

    Written in Python so the index gets exactly the values ``Library`` writes (a contentless index
    can only forget an entry given the values it was made from).
    """
    import json
    from pathlib import Path

    from refdesk.library.store import Library
    from refdesk.model import Record

    lib = Library(conn, Path())
    rows = conn.execute(
        "SELECT id, key, data, version, title FROM items WHERE item_type IN ('note', 'annotation')"
        " OR instr(data, '\"deleted\"') OR instr(data, '\"parentItem\"')"
    ).fetchall()
    for item_id, key, data, version, old_title in rows:
        rec = Record(data=json.loads(data), key=key, version=version)
        cols = lib._columns(rec)
        if rec.trashed or cols["title"] != old_title:
            conn.execute(
                "INSERT INTO items_fts(items_fts, rowid, title, creators, publication, abstract, tags)"
                " VALUES ('delete', ?, ?, ?, ?, ?, ?)",
                (item_id, old_title, *lib._fts_values(rec)[1:]),
            )
            if not rec.trashed:
                lib._write_fts(item_id, rec)
        conn.execute(
            "UPDATE items SET title = ?, title_key = ?, trashed = ?, parent_key = ? WHERE id = ?",
            (cols["title"], cols["title_key"], cols["trashed"], cols["parent_key"], item_id),
        )


#: Steps a migration's SQL cannot do, run in the same transaction right after it.
_PYTHON_STEPS = {10: _trash_and_note_titles}


def apply(conn: sqlite3.Connection) -> None:
    """Bring the database to SCHEMA_VERSION; each step is atomic."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    for version, sql in sorted(MIGRATIONS):
        if version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                conn.execute(statement)
            if version in _PYTHON_STEPS:
                _PYTHON_STEPS[version](conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _statements(sql: str) -> list[str]:
    """Split a migration script on complete statements (sqlite3.complete_statement)."""
    out: list[str] = []
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
