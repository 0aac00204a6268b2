from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def test_import_invalid_issn_names_expected_digit(cli: Any) -> None:
    result = cli("import", "2076-7405")
    assert result.code != 0
    assert "expected 4" in result.err
    assert "Traceback" not in result.err


def test_csljson_import_list_show_edit(cli: Any, tmp_path: Path) -> None:
    src = tmp_path / "one.json"
    src.write_text(
        json.dumps(
            [
                {
                    "type": "article-journal",
                    "title": "Soviet and British diplomacy at international conferences on the eve of the formation of the USSR",
                    "author": [{"family": "Sergeev", "given": "E. Yu."}],
                    "container-title": "Вестник Московского Университета. Серия XXV: Международные отношения и мировая политика",
                    "ISSN": "2076-7404",
                    "issued": {"date-parts": [[2022, 11, 1]]},
                }
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    result = cli("import", str(src), "--json")
    assert result.code == 0, result.err
    [rec] = result.json()
    assert rec["itemType"] == "journalArticle"
    assert rec["date"] == "2022-11-01"
    assert rec["creators"] == [{"creatorType": "author", "lastName": "Sergeev", "firstName": "E. Yu."}]
    key = rec["key"]

    listed = cli("list", "--search", "Вестник", "--json").json()
    assert [r["key"] for r in listed] == [key]

    edited = cli("edit", key, "--set", "volume=5", "--add-tag", "diplomacy", "--json")
    assert edited.code == 0, edited.err
    assert edited.json()["volume"] == "5"
    assert edited.json()["tags"] == [{"tag": "diplomacy"}]

    bad = cli("edit", key, "--set", "university=MSU")
    assert bad.code != 0
    assert "Field 'university' is not valid for item type 'journalArticle'" in bad.err

    again = cli("import", str(src))
    assert "Already in the library" in again.out or "Updated" in again.out
    assert len(cli("list", "--json").json()) == 1


def test_not_a_refdesk_database_is_left_untouched(cli: Any, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    other.write_bytes(b"hello, this is not sqlite at all" * 10)
    before = other.read_bytes()
    result = cli("--library", str(other), "list")
    assert result.code != 0
    assert "not a refdesk library" in result.err
    assert other.read_bytes() == before
