"""Moving a collection: into another, to the top, and the moves refused with nothing changed (issue 14)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from refdesk.app import AppContext
from refdesk.errors import InvalidInputError
from refdesk.library import Library
from refdesk.library.collections import create_collection, list_collections, move_collection


def test_move_into_another_and_to_the_top(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib.sqlite")
    a = create_collection(lib, "A")
    b = create_collection(lib, "B")
    lib.execute("UPDATE collections SET dirty = 0")
    moved = move_collection(lib, b.key, a.key)
    assert moved.parent == a.key
    assert [(c.name, c.depth) for c in list_collections(lib)] == [("A", 0), ("B", 1)]
    assert [tuple(r) for r in lib.execute("SELECT key, dirty FROM collections WHERE dirty = 1")] == [(b.key, 1)]
    assert move_collection(lib, b.key, None).parent is None
    assert [(c.name, c.depth) for c in list_collections(lib)] == [("A", 0), ("B", 0)]
    lib.close()


def test_a_loop_is_refused_with_a_clear_sentence(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib.sqlite")
    a = create_collection(lib, "Diplomacy")
    b = create_collection(lib, "Genoa", parent=a.key)
    c = create_collection(lib, "Sessions", parent=b.key)
    before = list_collections(lib)
    with pytest.raises(InvalidInputError, match="“Diplomacy” cannot go into “Sessions”: that is one of its own"):
        move_collection(lib, a.key, c.key)
    with pytest.raises(InvalidInputError, match="cannot go inside itself"):
        move_collection(lib, a.key, a.key)
    assert list_collections(lib) == before
    lib.close()


def test_cli_collections_move(cli: Any, tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "lib.sqlite"
    monkeypatch.setenv("REFDESK_LIBRARY", str(path))
    ctx = AppContext(library_path=path)
    a = create_collection(ctx.library, "Diplomacy")
    b = create_collection(ctx.library, "Genoa")
    ctx.close()
    moved = cli("collections", "move", b.key, "--parent", a.key)
    assert moved.code == 0 and moved.out.strip().startswith(f"Moved {b.key}  Genoa into {a.key}")
    loop = cli("collections", "move", a.key, "--parent", b.key)
    assert loop.code != 0 and "one of its own subcollections" in loop.err
    assert cli("collections", "move", b.key, "--top", "--json").json()["parentCollection"] is False
    with pytest.raises(SystemExit):  # --parent or --top is required (argparse says so and exits 2)
        cli("collections", "move", b.key)
