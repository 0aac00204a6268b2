"""Every CSL variable Zotero reads from ``extra`` survives export and re-import in RIS, BibTeX and CSL-JSON (issue 15).

A line such as ``original-title: Советская…`` was written by the RIS writer as an author (``AU  - original-title…``),
and CSL-JSON import ran the lines of ``note`` together into one.
"""

from __future__ import annotations

import json
from types import ModuleType

import pytest
from refdesk.importers import bibtex, csljson, extra, ris
from refdesk.model import Record

from tests.ris_zotero import ZOTERO_RECORDS, full_record

FORMATS = [ris, bibtex, csljson]
IDS = ["ris", "bibtex", "csljson"]


def sample(name: str, kind: str) -> str:
    """A realistic value for the variable: names in Zotero's two-field form, ISO dates, text with LaTeX/RIS specials."""
    if kind == "name":
        return "Сергеев || Евгений Юрьевич" if name.startswith("original") else "O'Neil-Smith || Anna"
    if kind == "date":
        return "1922-11-01" if name != "available-date" else "1923"
    return f"Советская и британская {name} & 50% {{x}} $y_z ~ #1"


def extra_with_every_variable() -> str:
    lines = [f"{name}: {sample(name, kind)}" for name, kind in extra.KINDS.items()]
    lines.append("original-author: Иванова || Мария Петровна")  # a second name of the same variable
    lines.append("A plain note line, not a variable")
    return "\n".join(lines)


def with_extra(item_type: str) -> Record:
    rec = full_record(item_type)
    rec.set("extra", extra_with_every_variable())
    return rec


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
@pytest.mark.parametrize("item_type", list(ZOTERO_RECORDS))
def test_every_csl_extra_variable_round_trips(fmt: ModuleType, item_type: str) -> None:
    rec = with_extra(item_type)
    [back] = fmt.read(fmt.write([rec]), "t")
    assert back.get("extra") == rec.get("extra")
    assert [c for c in back.creators if "original" in str(c)] == []


@pytest.mark.parametrize("item_type", list(ZOTERO_RECORDS))
def test_ris_writes_extra_only_as_notes(item_type: str) -> None:
    text = ris.write([with_extra(item_type)])
    assert not any(line.startswith(("AU  - original", "A2  - original", "A3  - original")) for line in text.splitlines())
    notes = [line.removeprefix("N1  - ") for line in text.splitlines() if line.startswith("N1  - ")]
    assert notes == extra_with_every_variable().split("\n")


def test_the_issue_example_exports_one_author() -> None:
    rec = Record.new("journalArticle", title="Soviet and British diplomacy", extra="original-title: Советская и британская дипломатия")
    rec.set("creators", [{"creatorType": "author", "lastName": "Sergeev", "firstName": "E. Yu."}])
    text = ris.write([rec])
    assert [line for line in text.splitlines() if line.startswith("AU")] == ["AU  - Sergeev, E. Yu."]
    assert "N1  - original-title: Советская и британская дипломатия" in text.splitlines()


def test_csl_json_gives_extra_variables_without_a_field_as_variables() -> None:
    rec = Record.new("journalArticle", title="Soviet and British diplomacy")
    rec.set("extra", "original-title: Советская дипломатия\noriginal-author: Сергеев || Е. Ю.\noriginal-date: 1922\n"
                     "event-date: spring 1922\nvolume: 5\nfree text")  # fmt: skip
    [item] = json.loads(csljson.write([rec]))
    assert item["original-title"] == "Советская дипломатия"
    assert item["original-author"] == [{"family": "Сергеев", "given": "Е. Ю."}]
    assert item["original-date"] == {"date-parts": [[1922]]}
    assert item["event-date"] == {"raw": "spring 1922"}
    assert "volume" not in item  # the type has a volume field: an import would move the line into it
    assert item["note"] == rec.get("extra")
