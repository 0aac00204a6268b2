"""Files read as a stream: the same records and errors whatever the blocks, lines counted right deep in a file,
and BibTeX entries exactly as bibtexparser 1.x (the reference) reads them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from refdesk.errors import ImporterError
from refdesk.importers import bibtex, csljson, files, ris
from refdesk.model import Record

DATA = Path(__file__).resolve().parent / "data" / "files"
READERS = {"ris": ris, "bibtex": bibtex, "csljson": csljson}


def blocks_of(text: str, every: int) -> list[str]:
    """The text cut after every ``every``-th line break (as ``RecordFile`` cuts a file)."""
    lines = text.splitlines(keepends=True)
    out = []
    for n in range(0, len(lines), every):
        out.append("".join(lines[n : n + every]))
    return out


def article(n: int) -> Record:
    rec = Record.new("journalArticle", title=f"Article number {n}", publicationTitle="Journal", date="2020")
    rec.set("creators", [{"creatorType": "author", "lastName": "Smith", "firstName": "Anna"}])
    rec.set("abstractNote", "A first line of the abstract and more words " * 3)
    rec.set("DOI", f"10.1000/x.{n}")
    return rec


@pytest.mark.parametrize("name", ["mixed.ris", "zotero-export.ris", "mixed.bib", "mixed.json"])
@pytest.mark.parametrize("every", [1, 2, 7])
def test_blocks_read_as_the_whole_text(name: str, every: int) -> None:
    text = (DATA / name).read_text(encoding="utf-8-sig")
    module = READERS[files.detect_format(DATA / name, text)]
    whole = [r.data for r in module.read(text, "t")]
    streamed = [r.data for r in module.iter_records(blocks_of(text, every), "t")]
    assert streamed == whole


@pytest.mark.parametrize(
    ("fmt", "damage", "expected"),
    [
        ("ris", lambda t: t.replace("TI  - Article number 2500\n", "TI - Article number 2500\n"), "RIS: line {line}: not a RIS line"),
        ("bibtex", lambda t: t.replace("Article number 2500}", "Article number 2500"), "BibTeX: entry '{key}' (line {line}): unbalanced braces"),
        ("csljson", lambda t: t.replace('"Article number 2500",', '"Article number 2500"'), "CSL-JSON: line {line}, column"),
    ],
)
def test_an_error_deep_in_a_large_file_names_its_line(tmp_path: Path, fmt: str, damage: object, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "BLOCK", 4096)  # many blocks: the count goes on across them
    text = files.write([article(n) for n in range(3000)], fmt)
    bad = damage(text)  # type: ignore[operator]
    assert bad != text
    path = tmp_path / f"big.{ {'ris': 'ris', 'bibtex': 'bib', 'csljson': 'json'}[fmt] }"
    path.write_text(bad, encoding="utf-8")
    lines = bad.splitlines()
    marker = next(n for n, line in enumerate(lines, 1) if "Article number 2500" in line)
    line = marker
    key = ""
    if fmt == "bibtex":
        line = max(n for n, text_line in enumerate(lines[:marker], 1) if text_line.startswith("@"))
        key = lines[line - 1].split("{", 1)[1].rstrip(",")
    elif fmt == "csljson":
        line = marker + 1  # the next property is where the missing comma is noticed
    with pytest.raises(ImporterError) as info:
        files.read_file(path)
    assert expected.format(line=line, key=key) in str(info.value)


def test_a_large_file_streams_the_same_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "BLOCK", 1000)
    records = [article(n) for n in range(300)]
    for fmt, suffix in (("ris", ".ris"), ("bibtex", ".bib"), ("csljson", ".json")):
        path = tmp_path / f"f{suffix}"
        path.write_text(files.write(records, fmt), encoding="utf-8")
        opened = files.open_file(path)
        back = list(opened.records())
        assert [r.title for r in back] == [r.title for r in records]
        assert opened.done == opened.size == path.stat().st_size


# -- BibTeX: bibtexparser 1.x is the reference for every entry its grammar reads ----------------------------
EDGE_CASES = [
    "@string{A = {Alpha}}\n@article{k, journal = a # { x}, month = nov}",
    "@article{k, title={x}, title={y}, note={n1}, zzz={1}, aaa={2}}",
    "@article{k, title={a\n   b\n  c\n}, abstract = \"q {\"} r\"}",
    "@article{k, title={}, subtitle={{}}, year = 2020, note = {x} # \" y\" # nov}",
    "@ARTICLE{K, TITLE={Upper}, Field-Name.x+1 = {odd name}}",
    "@article(k, title={paren})\n\ntext between\n@comment{x}\n@preamble{\"p\"}\n@book{b, title = \"B\",}",
    "@article{k, title={x\r\n  y}}\r\n@article{j, title={z}}",
    "@string{s = \"one\" # {two}}\n@string{t = s # { three}}\n@misc{m, note = t}",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_bibtex_entries_are_what_bibtexparser_1_reads(text: str) -> None:
    assert [entry for _info, entry in bibtex.iter_entries([text])] == bibtex.parse_entries(text)


def test_mixed_bib_entries_are_what_bibtexparser_1_reads() -> None:
    text = (DATA / "mixed.bib").read_text(encoding="utf-8")
    assert [entry for _info, entry in bibtex.iter_entries([text])] == bibtex.parse_entries(text)


VALUE = st.text(alphabet=st.sampled_from(list("abc XYZ012,.;:-АБВ\\\"'éü\n\t{}")), max_size=20)
BRACED = VALUE.filter(bibtex._balanced_inside).map(lambda v: "{" + v + "}")
FIELD = st.tuples(st.sampled_from(["title", "note", "Journal", "year", "x-y", "abstract"]), st.one_of(BRACED, st.from_regex(r"[0-9]{1,4}", fullmatch=True), st.sampled_from(["jan", "dec"])))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(FIELD, min_size=1, max_size=5), min_size=1, max_size=4))
def test_bibtex_entries_match_bibtexparser_1_on_generated_files(entries: list[list[tuple[str, str]]]) -> None:
    text = "\n\n".join(
        f"@article{{k{n},\n" + ",\n".join(f"  {name} = {value}" for name, value in fields) + "\n}" for n, fields in enumerate(entries)
    )
    assert [entry for _info, entry in bibtex.iter_entries(blocks_of(text, 3))] == bibtex.parse_entries(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("@article{k, journal = nomacro}", "entry 'k' (line 1): field 'journal' uses @string 'nomacro', which is not defined before it"),
        ("@article{k, journal = later}\n@string{later = {L}}", "uses @string 'later', which is not defined before it"),
        ("@article{k, year = 20 # {22}}", "entry 'k' (line 1): could not be read"),
        ("@article{k,}", "entry 'k' (line 1): could not be read"),
    ],
)
def test_bibtex_what_1_x_could_not_read_is_named(text: str, fragment: str) -> None:
    with pytest.raises(ImporterError) as info:
        bibtex.read(text, "t")
    assert fragment in str(info.value)
