"""Library.import_many, the batched store of a file import, leaves exactly the library one record at a time leaves.

The same generated files (duplicates within the file, of stored works, of a work in the Trash, an update that
changes a stored work's DOI, a field the user typed) are imported both ways: ``import_record`` for each record in
one transaction (how files were stored before), and ``import_inputs`` (batches through ``import_many``). Keys and
clocks are made the same for both, and the libraries are compared row by row, search index included.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from refdesk import importing, model
from refdesk.app import AppContext
from refdesk.errors import RefdeskError
from refdesk.importers import files
from refdesk.library.store import ImportOutcome, Library
from refdesk.model import Provenance, Record

from tests.library_rows import library_rows

SOURCE = "import:file"
SUFFIX = {"ris": "ris", "bibtex": "bib", "csljson": "json"}
WORDS = ["permafrost", "carbon", "thaw", "arctic", "treaty", "soviet", "empire", "дипломатия", "договор", "история"]


class _Frozen(datetime):
    """A clock stopped at one second, so both ways stamp the same dates (and so make the same item ids)."""

    @classmethod
    def now(cls, tz: Any = None) -> _Frozen:
        return cls(2026, 12, 5, 10, 0, 0, tzinfo=UTC)


@pytest.fixture
def same_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``reset(n)`` makes the keys made from then on the same sequence again for the same ``n``; the clock is stopped."""
    monkeypatch.setattr(model, "datetime", _Frozen)
    state = {"rnd": random.Random(0)}

    class Secrets:
        @staticmethod
        def token_bytes(n: int) -> bytes:
            return state["rnd"].randbytes(n)

    def reset(n: int) -> None:
        state["rnd"] = random.Random(n)

    monkeypatch.setattr(model, "secrets", Secrets)
    yield reset


def work(rnd: random.Random, n: int) -> Record:
    rec = Record.new("journalArticle", title=f"{' '.join(rnd.choices(WORDS, k=4)).capitalize()} {n}",
                     publicationTitle=rnd.choice(["Polar Research", "Вопросы истории"]), date=str(rnd.randint(1990, 2024)))  # fmt: skip
    rec.set("creators", [{"creatorType": "author", "lastName": rnd.choice(["Smith", "Сергеев", "Müller"]), "firstName": "Anna"}])
    if rnd.random() < 0.7:
        rec.set("DOI", f"10.1000/w.{n}")
    if rnd.random() < 0.5:
        rec.set("url", f"https://example.org/w/{n}")
    rec.set("abstractNote", " ".join(rnd.choices(WORDS, k=20)))
    for tag in rnd.sample(WORDS, 2):
        rec.add_tag(tag)
    return rec


def same_work(rnd: random.Random, earlier: Record, n: int) -> Record:
    """Another copy of an earlier work, found by its DOI, its URL or its title, first author and year."""
    rec = copy.deepcopy(earlier)
    how = rnd.choice(["doi", "url", "title"])
    if how == "doi" and earlier.get("DOI"):
        rec.set("DOI", earlier.get("DOI").upper())
        rec.set("url", "")
    elif how == "url" and earlier.get("url"):
        rec.set("DOI", "")
        rec.set("url", earlier.get("url").replace("https://", "http://www.") + "/")
    else:
        rec.set("DOI", "")
        rec.set("url", "")
        rec.set("title", earlier.get("title").upper() + ".")
    if rnd.random() < 0.6:
        rec.set("volume", str(n))  # something new: updated, else unchanged
    return rec


def make_file(rnd: random.Random, stored: list[Record]) -> list[Record]:
    """Works, some of them copies of earlier ones or of stored ones, and two that test a DOI changed on the way."""
    out: list[Record] = []
    for n in range(160):
        if out and rnd.random() < 0.25:
            out.append(same_work(rnd, rnd.choice(out), n))
        elif rnd.random() < 0.1:
            out.append(same_work(rnd, rnd.choice(stored), n))
        else:
            out.append(work(rnd, n))
    moved = copy.deepcopy(stored[0])  # found by its URL, it gives the stored work a new DOI...
    moved.set("DOI", "10.1000/moved")
    out.insert(40, moved)
    old = work(rnd, 900)  # ...so a later record with the old DOI is a new work, and one with the new DOI is not
    old.set("DOI", stored[0].get("DOI"))
    new = work(rnd, 901)
    new.set("DOI", "10.1000/MOVED")
    out[120:120] = [old, new]
    return out


def seed(lib: Library) -> list[Record]:
    """Works stored before the import: one in the Trash, one whose volume the user typed."""
    rnd = random.Random(5)
    stored = [work(rnd, 500 + n) for n in range(12)]
    stored[0].set("url", "https://example.org/moved")
    stored[0].set("DOI", "10.1000/before")
    for rec in stored:  # imported from a file before, so a new copy may change them...
        rec.provenance = {name: Provenance("file:earlier.ris", p.at) for name, p in rec.provenance.items()}
    stored[1].set("volume", "typed by hand", "user")  # ...but not what the user typed
    with lib.transaction():
        for rec in stored:
            lib.import_record(copy.deepcopy(rec), SOURCE)
    lib.trash([stored[2].key])
    return stored


def summary_of(outcomes: list[ImportOutcome]) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [(o.status, o.matched_by, o.record.key, o.record.data) for o in outcomes]


@pytest.mark.parametrize("fmt", ["ris", "bibtex", "csljson"])
@pytest.mark.parametrize("batch", [1, 7, 500])
def test_a_file_stored_in_batches_leaves_the_library_one_at_a_time_leaves(
    fmt: str, batch: int, tmp_path: Path, same_keys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH", batch)
    one, batched = AppContext(library_path=tmp_path / "one.sqlite"), AppContext(library_path=tmp_path / "batched.sqlite")
    for ctx in (one, batched):
        same_keys(1)
        stored = seed(ctx.library)
    path = tmp_path / f"works.{SUFFIX[fmt]}"
    path.write_text(files.write(make_file(random.Random(fmt), stored), fmt), encoding="utf-8")

    same_keys(2)
    with one.library.transaction():  # how a file was stored before: one import_record a record, one transaction
        expected = [one.library.import_record(rec, SOURCE) for rec in files.read_file(path)]
    same_keys(2)
    outcomes: list[ImportOutcome] = []
    summary = importing.import_inputs(batched, [str(path)], on_outcome=outcomes.append)

    assert not summary.failed
    assert summary_of(outcomes) == summary_of(expected)
    assert {o.status for o in outcomes} >= {"added", "updated"} | ({"unchanged"} if fmt != "bibtex" else set())
    assert {o.matched_by for o in outcomes} >= {"DOI", "URL", "title, first author and year"}
    assert library_rows(batched.library) == library_rows(one.library)
    for words in ("permafrost", "дипломатия carbon", "moved", "typed"):
        assert batched.library.rows(search=words) == one.library.rows(search=words)
    one.close()
    batched.close()


def test_the_outcome_of_each_path_through_a_batch(tmp_path: Path, same_keys: Any) -> None:
    """New works, a copy of one stored, a copy of one earlier in the batch, a stored work in the Trash."""
    lib = Library.open(tmp_path / "lib.sqlite")
    stored = seed(lib)
    first = work(random.Random(1), 1)
    first.set("DOI", "10.1000/first")
    records = [first, same_work(random.Random(2), stored[3], 2), copy.deepcopy(first), copy.deepcopy(stored[2]),
               work(random.Random(3), 3)]  # fmt: skip
    for rec in records[1:4]:
        rec.key = model.new_key()  # another copy of the work, as a file gives
    with lib.transaction():
        outcomes = lib.import_many(records, SOURCE)
    assert [o.status for o in outcomes] == ["added", outcomes[1].status, "unchanged", "added", "added"]
    assert outcomes[1].record.key == stored[3].key and outcomes[1].status in ("updated", "unchanged")
    assert outcomes[2].record.key == first.key
    assert outcomes[3].record.key != stored[2].key  # the work in the Trash is not matched: a new item, as in Zotero
    lib.close()


@pytest.mark.parametrize("fault", ["key taken", "field the type lacks"])
def test_a_record_that_cannot_be_stored_fails_as_it_does_one_at_a_time(tmp_path: Path, fault: str) -> None:
    def attempt(store: Any) -> str:
        lib = Library.open(tmp_path / f"{store.__name__}.sqlite")
        taken = lib.add(Record(data={"itemType": "book", "title": "Already here"}, key="TAKEN234"))
        records = [work(random.Random(n), n) for n in range(5)]
        if fault == "key taken":
            records[3].key = taken.key
        else:
            records[3].data["bookTitle"] = "not a field of a journal article"
        before = library_rows(lib)
        with pytest.raises(RefdeskError) as info:
            store(lib, records)
        assert library_rows(lib) == before
        lib.close()
        return str(info.value)

    def one_at_a_time(lib: Library, records: list[Record]) -> None:
        with lib.transaction():
            for rec in records:
                lib.import_record(rec, SOURCE)

    def batched(lib: Library, records: list[Record]) -> None:
        with lib.transaction():
            lib.import_many(records, SOURCE)

    assert attempt(batched) == attempt(one_at_a_time)
