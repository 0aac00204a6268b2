"""RIS, BibTeX and CSL-JSON readers and writers: mapping, Cyrillic, round trips, malformed input."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from refdesk.errors import ImporterError
from refdesk.importers import bibtex, csljson, ris
from refdesk.importers.files import FORMATS, detect_format, read_file, write
from refdesk.model import Record

from tests.ris_zotero import ZOTERO_EXPORT, ZOTERO_RECORDS, person, zotero_blocks, zotero_record

DATA = Path(__file__).resolve().parent / "data" / "files"
CYRILLIC_TITLE = "Советская и британская дипломатия на международных конференциях накануне образования СССР"


def by_title(records: list[Record]) -> dict[str, Record]:
    return {r.title: r for r in records}


def test_ris_maps_every_core_item_type() -> None:
    records = read_file(DATA / "mixed.ris")
    assert [r.item_type for r in records] == [
        "journalArticle", "book", "bookSection", "conferencePaper", "thesis", "report", "webpage", "preprint",
        "magazineArticle", "newspaperArticle", "document",
    ]  # fmt: skip
    art = records[0]
    assert art.title == CYRILLIC_TITLE
    assert art.creators == [{"creatorType": "author", "lastName": "Сергеев", "firstName": "Е. Ю."}]
    assert art.get("publicationTitle").startswith("Вестник Московского университета")
    assert art.get("journalAbbreviation") == "Вестн. Моск. ун-та. Сер. XXV"
    assert (art.get("date"), art.get("volume"), art.get("issue"), art.get("pages")) == ("2022-11-01", "14", "3", "7-25")
    assert art.get("ISSN") == "2076-7404"
    assert art.get("DOI") == "10.48015/2076-7404-2022-14-3-7-25"
    assert art.tag_names() == ["дипломатия", "СССР"]
    assert art.provenance["title"].source == "file:mixed.ris"
    book = records[1]
    assert book.get("ISBN") == "978-0-19-882655-4"
    assert [c["creatorType"] for c in book.creators] == ["author", "seriesEditor"]  # a book's A2 (Zotero's RIS.js)
    chapter = records[2]
    assert chapter.get("bookTitle") == "Russia and Britain in Central Asia"
    assert chapter.get("date") == "Spring 2020"  # the season is kept, the year still reads
    assert chapter.year == "2020"
    assert chapter.creators[0] == {"creatorType": "author", "lastName": "Sergeev", "firstName": "E. Yu."}
    assert records[3].creators[0] == {"creatorType": "author", "lastName": "Иванова", "firstName": "Мария Петровна"}
    assert records[3].get("proceedingsTitle") == "Труды конференции «Архивы-2021»"  # T2 saying "Proceedings"
    thesis = records[4]
    assert (thesis.get("university"), thesis.get("thesisType")) == ("Moscow State University", "PhD thesis")
    report = records[5]
    assert report.creators == [{"creatorType": "author", "name": "World Health Organization"}]
    assert report.get("reportNumber") == "WHO/HIS/2023.1"
    assert records[6].get("websiteTitle") == "Refdesk" and records[6].get("accessDate") == "2024-01-15"


REPORT_RIS = "".join(
    f"{line}\n"
    for line in [
        "TY  - RPRT", "AU  - Doe, Jane", "A2  - Smith, Sam", "TI  - Water quality 2020", "T2  - Technical reports of the Survey",
        "PB  - Survey Institute", "CY  - Reston", "M3  - Technical report", "SN  - TR-2020-04, rev. 2", "PY  - 2020", "ER  - ",
    ]
)


def test_ris_report_tags_follow_zoteros_translator() -> None:
    """A report's T2 is its series title, SN its number, A2 its series editor (Zotero's RIS.js), both ways."""
    [rec] = ris.read(REPORT_RIS, "t")
    assert rec.get("seriesTitle") == "Technical reports of the Survey"
    assert rec.get("reportNumber") == "TR-2020-04, rev. 2" and rec.get("ISBN") == "" and rec.get("ISSN") == ""
    assert [c["creatorType"] for c in rec.creators] == ["author", "seriesEditor"]
    assert (rec.get("institution"), rec.get("place"), rec.get("reportType")) == ("Survey Institute", "Reston", "Technical report")
    assert rec.get("extra") == ""
    written = ris.write([rec])
    for line in ("T2  - Technical reports of the Survey", "SN  - TR-2020-04, rev. 2", "A2  - Smith, Sam"):
        assert line in written.splitlines()
    assert "T3  - " not in written and "IS  - " not in written
    [back] = ris.read(written, "t")
    assert back.data == rec.data


def test_ris_report_series_in_t3_and_its_isbn_and_issn() -> None:
    text = REPORT_RIS.replace("T2  - ", "T3  - ")
    [rec] = ris.read(text, "t")
    assert rec.get("seriesTitle") == "Technical reports of the Survey" and rec.get("extra") == ""
    rec.set("ISSN", "2076-7404")
    rec.set("ISBN", "978-0-306-40615-7")
    written = ris.write([rec])
    assert "SN  - TR-2020-04, rev. 2; 2076-7404; 978-0-306-40615-7" in written.splitlines()
    [back] = ris.read(written, "t")  # told apart by their check digits
    assert (back.get("reportNumber"), back.get("ISSN"), back.get("ISBN")) == ("TR-2020-04, rev. 2", "2076-7404", "978-0-306-40615-7")


CORE_TYPES = list(ZOTERO_RECORDS)


@pytest.mark.parametrize("item_type", CORE_TYPES)
def test_ris_reads_what_zoteros_translator_writes(item_type: str) -> None:
    """A record as Zotero's RIS.js exports it fills the same fields and creator types, with nothing left in extra."""
    records = read_file(ZOTERO_EXPORT)
    assert [r.item_type for r in records] == CORE_TYPES
    rec = records[CORE_TYPES.index(item_type)]
    expected = zotero_record(item_type)
    assert rec.creators == expected.creators
    assert {f: rec.get(f) for f in rec.field_names()} == {f: expected.get(f) for f in expected.field_names()}
    assert rec.data == expected.data


@pytest.mark.parametrize("item_type", CORE_TYPES)
def test_ris_writes_the_tags_zoteros_translator_writes(item_type: str) -> None:
    """The same record written by refdesk: Zotero's tags, values and order, line for line."""
    written = [line for line in ris.write([zotero_record(item_type)]).splitlines() if line]
    assert written == zotero_blocks()[CORE_TYPES.index(item_type)]


def ris_text(*lines: str) -> str:
    return "".join(f"{line}\n" for line in lines)


@pytest.mark.parametrize(
    ("t2", "c3", "conference", "proceedings"),
    [
        ("Proceedings of the 2019 CHI Conference on Human Factors in Computing Systems", "",
         "", "Proceedings of the 2019 CHI Conference on Human Factors in Computing Systems"),  # ACM
        ("2019 International Conference on Robotics and Automation (ICRA)", "",
         "2019 International Conference on Robotics and Automation (ICRA)", ""),  # IEEE's conference name
        ("Proc. VLDB Endow.", "", "", "Proc. VLDB Endow."),
        ("Annual Meeting proceedings", "", "", "Annual Meeting proceedings"),
        ("Proceedings of CHI 2019", "CHI '19: Proceedings", "Proceedings of CHI 2019", "CHI '19: Proceedings"),
        ("Processing Week 2020", "", "Processing Week 2020", ""),  # not the word
        ("Труды конференции «Архивы-2021»", "", "", "Труды конференции «Архивы-2021»"),
    ],
)  # fmt: skip
def test_ris_conference_t2_is_the_conference_unless_it_reads_as_proceedings(t2: str, c3: str, conference: str, proceedings: str) -> None:
    """Zotero reads a CONF's T2 as its conference name; refdesk takes a proceedings title there (as ACM and IEEE
    write it) for the proceedings title when there is no C3."""
    [rec] = ris.read(ris_text("TY  - CONF", "TI  - Paper", f"T2  - {t2}", *([f"C3  - {c3}"] if c3 else []), "ER  - "), "t")
    assert (rec.get("conferenceName"), rec.get("proceedingsTitle"), rec.get("extra")) == (conference, proceedings, "")


def test_ris_conference_place_from_c1_and_from_cy() -> None:
    """Zotero writes a conference paper's place as C1, never CY, but reads CY too (ProCite, Springer write it)."""
    [springer] = ris.read(ris_text("TY  - CONF", "TI  - P", "CY  - Cham", "ER  - "), "t")
    assert springer.get("place") == "Cham" and springer.get("extra") == ""
    [both] = ris.read(ris_text("TY  - CONF", "TI  - P", "CY  - Cham", "C1  - Vienna", "ER  - "), "t")
    assert both.get("place") == "Vienna" and both.get("extra") == "CY: Cham"
    written = ris.write([springer]).splitlines()
    assert "C1  - Cham" in written and not any(line.startswith("CY  -") for line in written)


def test_ris_zoteros_import_only_tags() -> None:
    """RIS.js reads a book's T3 as its series, NV of a book section as its volume count, ED as an editor, CR as
    rights, AV as the archive location; refdesk writes them back with Zotero's tags (T2, IS, A3 for a book's editor)."""
    [book] = ris.read(ris_text("TY  - BOOK", "TI  - B", "T3  - A series", "ED  - Doe, Jane", "CR  - CC BY", "AV  - Box 2", "ER  - "), "t")
    assert (book.get("series"), book.get("rights"), book.get("archiveLocation"), book.get("extra")) == ("A series", "CC BY", "Box 2", "")
    assert book.creators == [person("editor", "Doe", "Jane")]
    written = ris.write([book]).splitlines()
    assert "T2  - A series" in written and "A3  - Doe, Jane" in written
    [chapter] = ris.read(ris_text("TY  - CHAP", "TI  - C", "NV  - 3", "ER  - "), "t")
    assert chapter.get("numberOfVolumes") == "3" and "IS  - 3" in ris.write([chapter]).splitlines()


def test_ris_tags_without_a_field_in_the_type_go_to_extra() -> None:
    """A tag Zotero maps for other types only, or that the type has no field for, lands in extra as `XX: value`."""
    text = ris_text("TY  - JOUR", "TI  - T", "C3  - Not for articles", "M1  - 7", "SV  - 2", "ZZ  - odd", "ER  - ")
    [rec] = ris.read(text, "t")
    assert rec.get("extra").split("\n") == ["C3: Not for articles", "M1: 7", "SV: 2", "ZZ: odd"]
    [page] = ris.read(ris_text("TY  - ELEC", "TI  - W", "VL  - 3", "T2  - Site", "ER  - "), "t")  # VL: not for webpages
    assert page.get("websiteTitle") == "Site" and page.get("extra") == "VL: 3"
    [doc] = ris.read(ris_text("TY  - GEN", "TI  - D", "T2  - Somewhere", "ER  - "), "t")  # no container field
    assert doc.get("extra") == "T2: Somewhere"


def test_ris_access_date_as_zotero_writes_it() -> None:
    """RIS.js writes an access date `2024/01/15/10:00:00`: the time is kept, as Zotero stores it."""
    [rec] = ris.read(ris_text("TY  - ELEC", "TI  - W", "Y2  - 2024/01/15/10:00:00", "ER  - "), "t")
    assert rec.get("accessDate") == "2024-01-15 10:00:00"
    [day] = ris.read(ris_text("TY  - ELEC", "TI  - W", "Y2  - 2024/01/15/", "ER  - "), "t")
    assert day.get("accessDate") == "2024-01-15"
    assert "Y2  - 2024/01/15/" in ris.write([day]).splitlines()


def test_csl_keeps_every_issn_and_isbn_of_a_list() -> None:
    from refdesk.importers.csl import record_from_csl

    rec = record_from_csl({"type": "article-journal", "title": "T", "ISSN": ["2076-7404", "2587-8476", "2076-7404"]}, "t")
    assert rec.get("ISSN") == "2076-7404, 2587-8476"  # as Zotero keeps several
    book = record_from_csl({"type": "book", "title": "B", "ISBN": ["978-0-306-40615-7", "0-306-40615-2"]}, "t")
    assert book.get("ISBN") == "978-0-306-40615-7 0-306-40615-2"
    assert record_from_csl({"type": "article-journal", "title": "T", "ISSN": "2076-7404"}, "t").get("ISSN") == "2076-7404"


def test_ris_unknown_tags_are_kept_in_extra() -> None:
    text = "TY  - JOUR\nTI  - T\nZZ  - strange value\nN1  - a note\nER  - \n"
    [rec] = ris.read(text, "test")
    assert rec.get("extra") == "a note\nZZ: strange value"


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_through_the_library_keeps_cyrillic_exactly(fmt: str, tmp_path: Path) -> None:
    from refdesk.library import Library

    source = {"ris": "mixed.ris", "bibtex": "mixed.bib", "csljson": "mixed.json"}[fmt]
    records = read_file(DATA / source)
    lib = Library.open(tmp_path / "lib.sqlite")
    try:
        with lib.transaction():
            keys = [lib.import_record(r, "import:file").record.key for r in records]
        stored = [lib.get(k) for k in keys]
    finally:
        lib.close()
    text = write(stored, fmt)
    assert CYRILLIC_TITLE in text or "Советская и британская дипломатия" in text
    assert unicodedata.is_normalized("NFC", text)
    again = {"ris": ris.read, "bibtex": bibtex.read, "csljson": csljson.read}[fmt](text, "again")
    assert len(again) == len(stored)
    for before, after in zip(stored, again, strict=True):
        fields = {k: v for k, v in before.data.items() if k not in ("dateAdded", "citationKey")}
        after_fields = {k: v for k, v in after.data.items() if k not in ("dateAdded", "citationKey")}
        assert after_fields == fields, before.title


def test_nfd_input_is_stored_nfc() -> None:
    title = unicodedata.normalize("NFD", "Йошкар-Ола и ёлки")
    [rec] = ris.read(f"TY  - JOUR\nTI  - {title}\nER  - \n", "t")
    assert rec.title == "Йошкар-Ола и ёлки"
    assert unicodedata.is_normalized("NFC", rec.title)


def test_bibtex_reader_decodes_latex_and_names() -> None:
    records = by_title(read_file(DATA / "mixed.bib"))
    art = records["Советская и британская дипломатия накануне образования СССР"]
    assert art.creators == [
        {"creatorType": "author", "lastName": "Сергеев", "firstName": "Е. Ю."},
        {"creatorType": "author", "name": "World Health Organization"},
    ]
    assert art.get("publicationTitle") == "Вестник Московского университета. Серия XXV"
    assert (art.get("date"), art.get("issue"), art.get("pages")) == ("2022-11", "3", "7-25")
    assert art.get("citationKey") == "sergeev2022soviet"
    book = records["Diplomacy in the Twentieth Century: 50% & more"]
    assert [c.get("lastName") for c in book.creators] == ["Smith", "Müller", "van der Berg", "Doe"]
    assert book.creators[-1]["creatorType"] == "editor"
    assert records["Цифровые архивы"].creators[0] == {"creatorType": "author", "lastName": "Иванова", "firstName": "Мария Петровна"}
    assert records["A preprint about sync"].item_type == "preprint"
    assert records["A preprint about sync"].get("archiveID") == "arXiv:2401.00001"
    assert records["Magazine story"].item_type == "magazineArticle"
    assert records["Refdesk home page"].get("url") == "https://refdesk.example.org/a_b%20c"
    assert records["World health statistics 2023"].creators == [{"creatorType": "author", "name": "World Health Organization"}]


def test_bibtex_export_escapes_latex_keeps_unicode_and_makes_keys() -> None:
    rec = Record.new("journalArticle", title="Soviet and British diplomacy: 50% & $5_x #1 {braces} ~ ^")
    rec.set("creators", [
        {"creatorType": "author", "lastName": "Sergeev", "firstName": "E. Yu."},
        {"creatorType": "author", "name": "World Health Organization"},
    ])  # fmt: skip
    rec.set("date", "2022-11-01")
    rec.set("publicationTitle", "Вестник МГУ")
    cyr = Record.new("book", title="Дипломатия СССР")
    cyr.set("creators", [{"creatorType": "author", "lastName": "Сергеев", "firstName": "Е. Ю."}])
    cyr.set("date", "2020")
    text = bibtex.write([rec, rec.copy(), cyr])
    assert "@article{sergeev2022soviet," in text
    assert "@article{sergeev2022soviet," in text and "@article{sergeev2022sovieta," in text
    assert "@book{sergeev2020diplomatiia," in text
    assert r"title = {Soviet and {British} diplomacy: 50\% \& \$5\_x \#1 \textbraceleft{}braces\textbraceright{} \textasciitilde{} \textasciicircum{}}" in text
    assert "author = {Sergeev, E. Yu. and {World Health Organization}}" in text
    assert "journal = {Вестник {МГУ}}" in text
    [back, _, _] = bibtex.read(text, "t")  # bibtexparser reads it back (a bare \\{ would unbalance the entry)
    assert back.title == rec.title
    assert back.creators == rec.creators


def test_csljson_reader_particles_seasons_ranges() -> None:
    records = by_title(read_file(DATA / "mixed.json"))
    art = records[CYRILLIC_TITLE]
    assert art.get("date") == "2022-11-01"
    assert art.creators[1] == {"creatorType": "author", "name": "World Health Organization"}
    letters = records["Letters"]
    assert letters.creators == [{"creatorType": "author", "lastName": "van Beethoven", "firstName": "Ludwig"}]
    assert letters.get("date") == "Spring 1998"
    conf = records["A conference paper"]
    assert conf.get("date") == "2022-11-01/2022-11-03"
    assert conf.year == "2022"
    exported = csljson.write([letters, conf])
    assert '"season": 1' in exported and '"raw": "Spring 1998"' in exported
    again = by_title(csljson.read(exported, "t"))
    assert again["Letters"].get("date") == "Spring 1998"
    assert again["A conference paper"].get("date") == "2022-11-01/2022-11-03"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bad-line.ris", "bad-line.ris: RIS: line 7: not a RIS line of the form 'XX  - value': 'AU - Missing, Space'"),
        ("missing-er.ris", "missing-er.ris: RIS: line 5: the record that starts here has no ER line"),
        ("unbalanced.bib", "unbalanced.bib: BibTeX: entry 'broken2021' (line 7): unbalanced braces: the entry is not closed before the next entry at line 13"),
        ("missing-comma.bib", "missing-comma.bib: BibTeX: entry 'nocomma2019' (line 6): missing ',' after field 'title' at line 8"),
        ("bad-syntax.json", "bad-syntax.json: CSL-JSON: line 4, column 1: invalid JSON"),
        ("not-object.json", "not-object.json: CSL-JSON: entry 2 (line 3): expected a CSL-JSON object"),
    ],
)
def test_malformed_files_name_file_and_line(name: str, expected: str) -> None:
    with pytest.raises(ImporterError) as info:
        read_file(DATA / name)
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("TI  - no type\nER  - \n", "line 1: TI outside a record"),
        ("TY  - JOUR\nTY  - BOOK\nER  - \n", "line 2: new record (TY) before the record of line 1"),
        ("TY  - \nER  - \n", "line 1: TY without a reference type"),
        ("\n\n", "no RIS records"),
    ],
)
def test_ris_structure_errors(text: str, fragment: str) -> None:
    with pytest.raises(ImporterError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        ris.read(text, "t")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("@article{k, title = {x}", "entry 'k' (line 1): unbalanced braces: the entry is not closed by the end of the file"),
        ("@article{title = {x}}", "has no citation key"),
        ("@article{k, title = {x} year = {2020}}", "missing ',' after field 'title'"),
        ('@article{k, title = "x}', "unterminated quoted value"),
        ("@article{k, = {x}}", "expected 'field = value'"),
        ("@article k, title={x}}", "is not followed by '{'"),
    ],
)
def test_bibtex_structure_errors(text: str, fragment: str) -> None:
    with pytest.raises(ImporterError) as info:
        bibtex.read(text, "t")
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"type": "book", "title": "One object is fine", "author": "Smith"}', "entry 1 (line 1): 'author' must be a list of name objects"),
        ('[\n {"type": "book"},\n {"id": "x2", "type": 5}\n]', "entry 2 ('x2') (line 3): 'type' must be a string"),
        ('[\n {"type": "book", "issued": {"date-parts": [2020]}}\n]', "entry 1 (line 2): 'issued.date-parts' must be a list of lists"),
        ('{"status": "ok", "message-type": "work", "message": {"DOI": "10.1/x"}}',
         "entry 1 (line 1): this is a Crossref API answer, not CSL-JSON (give refdesk import the DOI or ISSN to ask Crossref itself)"),
        ('[\n {"title": "Fine"},\n {"id": "x2", "name": "not CSL"}\n]',
         "entry 2 ('x2') (line 3): this object has no CSL-JSON variable (title, author, issued, DOI…); it is not a CSL-JSON item"),
        ("[]", "the CSL-JSON array is empty"),
        ('"text"', "must be an array of items or one item object"),
    ],
)
def test_csljson_shape_errors(text: str, fragment: str) -> None:
    with pytest.raises(ImporterError) as info:
        csljson.read(text, "t")
    assert fragment in str(info.value)


def test_format_detection_by_extension_then_content(tmp_path: Path) -> None:
    assert detect_format(Path("x.ris"), "") == "ris"
    assert detect_format(Path("x.bib"), "") == "bibtex"
    assert detect_format(Path("x.json"), "") == "csljson"
    assert detect_format(Path("x.txt"), "\n\nTY  - JOUR\n") == "ris"
    assert detect_format(Path("x.txt"), "% c\n@article{k,\n") == "bibtex"
    assert detect_format(Path("export"), ' [{"type": "book"}]') == "csljson"
    with pytest.raises(ImporterError, match="not a RIS, BibTeX or CSL-JSON file"):
        detect_format(Path("notes.txt"), "just some notes")


def test_cp1251_ris_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "win.ris"
    path.write_bytes("TY  - JOUR\nTI  - Советская дипломатия и британская политика накануне конференции\nER  - \n".encode("cp1251"))
    [rec] = read_file(path)
    assert rec.title == "Советская дипломатия и британская политика накануне конференции"


def test_csl_structures_are_not_text() -> None:
    from refdesk.importers.csl import record_from_csl

    crossref = {"type": "article-journal", "title": "T", "license": [{"URL": "https://example.org/licence", "content-version": "vor"}]}
    assert record_from_csl(crossref, "t").get("rights") == ""  # Crossref's license objects, not a licence text
    assert record_from_csl({"type": "article-journal", "title": "T", "license": "CC BY 4.0"}, "t").get("rights") == "CC BY 4.0"
