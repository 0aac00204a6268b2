"""refdesk.importing.import_inputs, the one import of the CLI and the app: a file is one transaction stored in
batches; a damaged or cancelled file leaves the library as it was; outcomes are those of one record at a time."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from refdesk import importing
from refdesk.app import AppContext
from refdesk.importers import files
from refdesk.importing import ImportCancelled, import_inputs
from refdesk.model import Record

DATA = Path(__file__).resolve().parent / "data" / "files"


def article(n: int, doi: str | None = None) -> Record:
    rec = Record.new("journalArticle", title=f"Article number {n}", publicationTitle="Journal", date="2020")
    rec.set("creators", [{"creatorType": "author", "lastName": "Smith", "firstName": "Anna"}])
    rec.set("DOI", doi or f"10.1000/x.{n}")
    return rec


def test_a_damaged_file_stores_nothing_and_names_the_line(ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "BATCH", 10)  # the damage comes after many batches were stored
    text = files.write([article(n) for n in range(100)], "ris").replace("TI  - Article number 90\n", "TI -  broken\n")
    path = tmp_path / "damaged.ris"
    path.write_text(text, encoding="utf-8")
    summary = import_inputs(ctx, [str(path)])
    assert summary.failed and "RIS: line " in summary.failed[0][1] and "not a RIS line" in summary.failed[0][1]
    assert summary.added == 0 and summary.keys == []
    assert ctx.library.count() == 0


def test_cancel_rolls_the_file_back_and_keeps_the_inputs_before(ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "BATCH", 10)
    first, big = tmp_path / "first.json", tmp_path / "big.bib"
    first.write_text(files.write([article(1000)], "csljson"), encoding="utf-8")
    big.write_text(files.write([article(n) for n in range(60)], "bibtex"), encoding="utf-8")
    cancel = threading.Event()
    seen: list[tuple[int, int, str]] = []

    def progress(done: int, total: int, message: str) -> None:
        seen.append((done, total, message))
        if "big.bib" in message and "20 records" in message:
            cancel.set()  # the user presses Cancel part way through the second file

    with pytest.raises(ImportCancelled) as info:
        import_inputs(ctx, [str(first), str(big)], progress=progress, cancel=cancel)
    assert info.value.summary.added == 1
    assert [r.title for r in ctx.library.records()] == ["Article number 1000"]


def test_progress_of_a_file_runs_to_its_size(ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "BATCH", 7)
    monkeypatch.setattr(files, "BLOCK", 512)
    path = tmp_path / "f.ris"
    path.write_text(files.write([article(n) for n in range(50)], "ris"), encoding="utf-8")
    seen: list[tuple[int, int]] = []
    summary = import_inputs(ctx, [str(path)], progress=lambda done, total, _m: seen.append((done, total)))
    assert summary.added == 50 and len(summary.keys) == 50
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)


def test_outcomes_are_those_of_one_record_at_a_time(ctx: AppContext, tmp_path: Path) -> None:
    """Duplicates within a batch and of stored works: batches give import_record's outcomes and library."""
    records = [article(1), article(2), article(3, doi="10.1000/x.1"), article(4), article(2), article(5)]
    records[2].set("volume", "7")  # same DOI as the first, with something new
    path = tmp_path / "dups.json"
    path.write_text(files.write(records, "csljson"), encoding="utf-8")
    one_by_one = AppContext(library_path=tmp_path / "one-by-one.sqlite")
    for lib in (ctx.library, one_by_one.library):
        lib.import_record(article(9, doi="10.1000/x.4"), "import:file")
    outcomes: list[Any] = []
    import_inputs(ctx, [str(path)], on_outcome=outcomes.append)
    expected = [one_by_one.library.import_record(rec, "import:file") for rec in files.read_file(path)]
    assert [(o.status, o.matched_by) for o in outcomes] == [(o.status, o.matched_by) for o in expected]
    assert {o.status for o in outcomes} == {"added", "updated", "unchanged"}

    def stored(lib: Any) -> list[tuple[str, str, str]]:
        return sorted((r.title, r.get("DOI"), r.get("volume")) for r in lib.records())

    assert stored(ctx.library) == stored(one_by_one.library)
    one_by_one.close()


def test_cli_import_draws_no_progress_bar_when_piped(cli: Any) -> None:
    result = cli("import", str(DATA / "mixed.bib"))
    assert result.code == 0, result.err
    assert "\r" not in result.err and "\x1b[" not in result.err
    assert result.out.count("Added ") == 10


def test_cli_json_is_one_array_of_what_was_stored(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.bib"
    bad.write_text("@article{ok, title = {Fine}}\n@article{broken, title = {x}\n", encoding="utf-8")
    result = cli("import", str(DATA / "mixed.json"), str(bad), "--json")
    assert result.code == 1
    titles = [r["title"] for r in result.json()]
    assert "Fine" not in titles and len(titles) == 3
    assert "entry 'broken' (line 2): unbalanced braces" in result.err
