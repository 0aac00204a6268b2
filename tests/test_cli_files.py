"""refdesk import FILE... / refdesk export: end to end through the CLI, including bad files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from refdesk.errors import InvalidInputError

from tests.library_rows import library_rows

DATA = Path(__file__).resolve().parent / "data" / "files"


def test_import_each_format_then_export_each_format(cli: Any) -> None:
    result = cli("import", str(DATA / "mixed.ris"), str(DATA / "mixed.bib"), str(DATA / "mixed.json"), "--json")
    assert result.code == 0, result.err
    listed = cli("list", "--json").json()
    # the same Cyrillic article is in all three files (same DOI): one record, updated twice
    dois = [r.get("DOI") for r in listed if r.get("DOI")]
    assert dois == ["10.48015/2076-7404-2022-14-3-7-25"]
    for fmt, marker in (("ris", "TY  - JOUR"), ("bibtex", "@article{"), ("csljson", '"type": "article-journal"')):
        out = cli("export", "--format", fmt)
        assert out.code == 0, out.err
        assert marker in out.out
        assert "Советская и британская дипломатия" in out.out


def test_reimport_says_which_record_and_why(cli: Any, tmp_path: Path) -> None:
    first = cli("import", str(DATA / "mixed.ris"))
    assert first.code == 0, first.err
    assert first.out.count("Added ") == 11
    again = cli("import", str(DATA / "mixed.ris"))
    assert again.code == 0
    assert "Added" not in again.out
    assert "Already in the library (same DOI)" in again.out
    assert "Already in the library (same URL)" in again.out
    assert "(same title, first author and year)" in again.out
    changed = tmp_path / "changed.ris"
    changed.write_text(
        "TY  - JOUR\nAU  - Sergeev, E. Yu.\nTI  - Other title\nDO  - 10.48015/2076-7404-2022-14-3-7-25\nVL  - 15\nER  - \n",
        encoding="utf-8",
    )
    updated = cli("import", str(changed))
    key = cli("list", "--search", "Other title", "--json").json()[0]["key"]
    assert f"Updated (same DOI): {key}" in updated.out
    assert len(cli("list", "--json").json()) == 11


def test_export_selected_keys_to_a_file(cli: Any, tmp_path: Path) -> None:
    imported = cli("import", str(DATA / "mixed.json"), "--json").json()
    out = tmp_path / "out.bib"
    result = cli("export", "--format", "bibtex", "--output", str(out), imported[1]["key"])
    assert result.code == 0, result.err
    text = out.read_text(encoding="utf-8")
    assert text.startswith("@book{vanbeethoven1998letters,") or text.startswith("@book{beethoven1998letters,")
    assert text.count("@") == 1


def test_export_a_key_given_twice_writes_it_once(cli: Any) -> None:
    key = cli("import", str(DATA / "mixed.json"), "--json").json()[0]["key"]
    result = cli("export", "--format", "csljson", key, key)
    assert result.code == 0, result.err
    assert len(json.loads(result.out)) == 1


@pytest.mark.parametrize("name", ["bad-line.ris", "missing-er.ris", "unbalanced.bib", "missing-comma.bib", "bad-syntax.json", "not-object.json"])
def test_malformed_file_writes_nothing(cli: Any, name: str) -> None:
    result = cli("import", str(DATA / name))
    assert result.code != 0
    assert name in result.err and ("line" in result.err or "entry" in result.err)
    assert "Traceback" not in result.err
    assert cli("list", "--json").json() == []


def test_good_files_are_kept_when_another_input_is_bad(cli: Any) -> None:
    result = cli("import", str(DATA / "mixed.json"), str(DATA / "unbalanced.bib"))
    assert result.code == 1
    assert "unbalanced.bib" in result.err
    titles = {r["title"] for r in cli("list", "--json").json()}
    assert len(titles) == 3 and "Fine" not in titles  # nothing from the bad file, even its good first entry


def test_a_failure_while_storing_rolls_the_whole_file_back(cli: Any, monkeypatch: pytest.MonkeyPatch, library_path: Path) -> None:
    """Storing the third record fails after two were written in the file's transaction: the library is as before.

    The file's records are stored a batch at a time (``Library.import_many``); here each goes to the real store alone,
    so the first two are written before the third fails, whatever the batch size."""
    from refdesk.library.store import Library

    assert cli("import", str(DATA / "mixed.json")).code == 0  # the library is not empty: "as before" is not "empty"
    with Library.open(library_path) as lib:
        before = library_rows(lib)
    real = Library.import_many
    stored = {"n": 0}

    def failing(self: Library, records: Any, source: str, library_id: str = "user") -> Any:
        out = []
        for record in records:
            stored["n"] += 1
            if stored["n"] == 3:
                raise InvalidInputError("simulated failure on the third record")
            out += real(self, [record], source, library_id)
        return out

    monkeypatch.setattr(Library, "import_many", failing)
    result = cli("import", str(DATA / "mixed.ris"))
    assert result.code != 0 and "simulated failure" in result.err
    monkeypatch.setattr(Library, "import_many", real)
    with Library.open(library_path) as lib:
        assert library_rows(lib) == before


def test_a_database_failure_inside_a_batch_rolls_the_whole_file_back(cli: Any, library_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The library refuses the third record's journal row, in the file's second batch, part way through its writes
    (its items, index and provenance rows written, nothing in refdesk patched): the library is as before."""
    from refdesk import importing
    from refdesk.library.store import Library

    monkeypatch.setattr(importing, "BATCH", 2)

    assert cli("import", str(DATA / "mixed.json")).code == 0
    with Library.open(library_path) as lib:
        before = library_rows(lib)
        journaled = len(before["changes"])
        lib.execute(f"CREATE TRIGGER fail_third BEFORE INSERT ON changes WHEN (SELECT count(*) FROM changes) >= {journaled + 2}"
                    " BEGIN SELECT RAISE(ABORT, 'simulated failure on the third record'); END")  # fmt: skip
    result = cli("import", str(DATA / "mixed.ris"))
    assert result.code != 0 and "simulated failure" in result.err
    with Library.open(library_path) as lib:
        lib.execute("DROP TRIGGER fail_third")
        assert library_rows(lib) == before


def test_unknown_file_kind_is_a_plain_error(cli: Any, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("just some notes\n", encoding="utf-8")
    result = cli("import", str(notes))
    assert result.code != 0
    assert "not a RIS, BibTeX or CSL-JSON file" in result.err
    missing = cli("import", str(tmp_path / "nope.ris"))
    assert "no such file" in missing.err


def test_export_json_is_utf8_not_escaped(cli: Any) -> None:
    cli("import", str(DATA / "mixed.json"))
    out = cli("export").out
    assert "\\u04" not in out
    assert json.loads(out)[0]["title"]
