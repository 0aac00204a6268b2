"""One full record per core item type, as the RIS and round-trip tests share them.

``ZOTERO_RECORDS[t]`` holds every field and creator type that Zotero's RIS translator (RIS.js ``fieldMap``) carries
for item type ``t``; tests/data/files/zotero-export.ris is that record written by hand the way RIS.js writes it
(its tag order, ``Last, First`` names, ``DA  - 2022/11/01/``, ``Y2  - 2024/01/15/10:00:00``, CRLF line ends), one
record per type in this order. ``REFDESK_ADDITIONS[t]`` are the fields and creators of ``t`` that Zotero's
translator has no tag for but refdesk writes with a tag it reads back (Zotero's import-only tags first: ``CR``
rights, ``ED`` editor).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from refdesk.model import Record

ZOTERO_EXPORT = Path(__file__).resolve().parent / "data" / "files" / "zotero-export.ris"
ACCESSED = "2024-01-15 10:00:00"  # Zotero's own form of an access date (UTC)


def person(role: str, last: str, first: str) -> dict[str, str]:
    return {"creatorType": role, "lastName": last, "firstName": first}


ZOTERO_RECORDS: dict[str, dict[str, Any]] = {
    "journalArticle": {
        "title": "Soviet and British diplomacy on the eve of the USSR",
        "creators": [
            person("author", "Sergeev", "E. Yu."),
            {"creatorType": "author", "name": "World Health Organization"},
            person("editor", "Dolgova", "Anna"),
            person("translator", "Smith", "John"),
        ],
        "publicationTitle": "Vestnik of Moscow University. Series XXV", "series": "International relations",
        "abstractNote": "The article examines Soviet-British relations.", "callNumber": "JZ1616 .V47",
        "place": "Moscow", "date": "2022-11-01", "DOI": "10.48015/2076-7404-2022-14-3-7-25",
        "libraryCatalog": "eLIBRARY.RU", "volume": "14", "issue": "3", "pages": "7-25",
        "journalAbbreviation": "Vestn. Mosk. Univ. Ser. XXV", "language": "en", "publisher": "Moscow University Press",
        "section": "History", "ISSN": "2076-7404", "shortTitle": "Soviet and British diplomacy",
        "url": "https://fmp.msu.ru/article/7", "archiveLocation": "Box 4, folder 2", "archive": "Russian State Archive",
        "accessDate": ACCESSED, "tags": ["diplomacy", "USSR"],
    },
    "book": {
        "title": "Diplomacy in the Twentieth Century",
        "creators": [
            person("author", "Smith", "John"),
            person("seriesEditor", "Brown", "Bob"),
            person("editor", "Doe", "Jane"),
            person("translator", "Müller", "Hans"),
        ],
        "series": "Oxford Studies in Diplomacy", "abstractNote": "A survey.", "callNumber": "JZ1305 .S65 2019",
        "place": "Oxford", "date": "2019", "DOI": "10.1093/oso/9780198826554.001.0001",
        "libraryCatalog": "Library of Congress ISBN", "edition": "2", "volume": "1", "numPages": "320",
        "language": "en", "seriesNumber": "12", "numberOfVolumes": "2", "publisher": "Oxford University Press",
        "ISBN": "978-0-19-882655-4", "shortTitle": "Diplomacy", "url": "https://global.oup.com/diplomacy",
        "archiveLocation": "Shelf 12", "archive": "Bodleian Library", "accessDate": ACCESSED,
    },
    "bookSection": {
        "title": "The Great Game, 1856-1907",
        "creators": [
            person("author", "Sergeev", "E. Yu."),
            person("editor", "Ivanov", "Petr"),
            person("seriesEditor", "Black", "Jeremy"),
            person("translator", "Smith", "John"),
            person("bookAuthor", "Hopkirk", "Peter"),
        ],
        "bookTitle": "Russia and Britain in Central Asia", "series": "Studies in Imperial History",
        "abstractNote": "A chapter on the Great Game.", "callNumber": "DS329.4 .R87", "place": "Moscow",
        "date": "2020-03", "DOI": "10.1000/chapter.7", "libraryCatalog": "WorldCat", "edition": "3",
        "volume": "2", "numberOfVolumes": "4", "pages": "101-130", "language": "ru", "publisher": "Nauka",
        "ISBN": "978-5-02-040000-1", "shortTitle": "The Great Game", "seriesNumber": "7",
        "url": "https://example.org/great-game", "archiveLocation": "Shelf 3", "archive": "RGB",
        "accessDate": ACCESSED,
    },
    "conferencePaper": {
        "title": "Digital archives",
        "creators": [
            person("author", "Иванова", "Мария Петровна"),
            person("editor", "Kuznetsov", "Oleg"),
            person("seriesEditor", "Ward", "Anne"),
            person("contributor", "Lee", "Min"),
        ],
        "conferenceName": "International Conference on Archives (Archives-2021)",
        "series": "Lecture Notes in Archival Science", "abstractNote": "Digitised archives in Russia.",
        "place": "Saint Petersburg", "proceedingsTitle": "Proceedings of Archives-2021", "callNumber": "CD973 .A73",
        "date": "2021-09-14", "DOI": "10.1007/978-3-030-00001-1_2", "libraryCatalog": "Springer Link",
        "volume": "3", "issue": "1", "pages": "15-22", "language": "ru", "numberOfVolumes": "2",
        "publisher": "Springer", "ISBN": "978-3-030-00001-1", "shortTitle": "Digital archives",
        "url": "https://example.org/archives-2021/2", "archiveLocation": "Box 1", "archive": "RGALI",
        "accessDate": ACCESSED,
    },
    "thesis": {
        "title": "Soviet foreign policy, 1920-1922",
        "creators": [person("author", "Petrov", "Ivan"), person("contributor", "Sergeev", "E. Yu.")],
        "abstractNote": "A thesis.", "callNumber": "DK266 .P48", "place": "Moscow", "date": "2018",
        "DOI": "10.1000/thesis.1", "libraryCatalog": "RSL", "numPages": "245", "language": "ru",
        "thesisType": "PhD thesis", "university": "Moscow State University", "ISBN": "978-5-00-000000-2",
        "shortTitle": "Soviet foreign policy", "url": "https://example.org/thesis",
        "archiveLocation": "Dissertation hall", "archive": "RSL", "accessDate": ACCESSED,
    },
    "report": {
        "title": "Water quality 2020",
        "creators": [
            person("author", "Doe", "Jane"),
            person("seriesEditor", "Smith", "Sam"),
            person("translator", "Ortiz", "Ana"),
        ],
        "seriesTitle": "Technical reports of the Survey", "abstractNote": "Water quality measurements.",
        "callNumber": "TD223 .W38", "place": "Reston", "date": "2020-06-30", "DOI": "10.3133/tr20204",
        "libraryCatalog": "USGS Publications Warehouse", "pages": "1-48", "language": "en",
        "reportType": "Technical report", "institution": "Survey Institute", "reportNumber": "TR-2020-04",
        "shortTitle": "Water quality", "url": "https://example.org/tr-2020-04", "archiveLocation": "Box 9",
        "archive": "Survey Library", "accessDate": ACCESSED,
    },
    "webpage": {
        "title": "Refdesk home page",
        "creators": [person("author", "Doe", "Jane"), person("translator", "Roe", "Rick")],
        "websiteTitle": "Refdesk", "abstractNote": "The project page.", "place": "Berlin", "date": "2024-01-10",
        "DOI": "10.5281/zenodo.1000001", "language": "en", "websiteType": "Project page",
        "publisher": "Refdesk Project", "shortTitle": "Refdesk", "url": "https://refdesk.example.org/",
        "accessDate": ACCESSED,
    },
    "preprint": {
        "title": "A preprint about sync",
        "creators": [person("author", "Doe", "Jane"), person("translator", "Roe", "Rick")],
        "abstractNote": "Sync, considered.", "callNumber": "QA76.9 .D3", "place": "Ithaca", "date": "2024-01-02",
        "DOI": "10.48550/arXiv.2401.00001", "libraryCatalog": "arXiv.org", "language": "en", "repository": "arXiv",
        "shortTitle": "Sync", "url": "https://arxiv.org/abs/2401.00001", "archiveLocation": "Folder 2",
        "archive": "Cornell", "accessDate": ACCESSED,
    },
    "magazineArticle": {
        "title": "Magazine story",
        "creators": [person("author", "Brown", "Bob"), person("translator", "Roe", "Rick")],
        "publicationTitle": "The Economist", "abstractNote": "A story.", "callNumber": "HB1 .E2", "place": "London",
        "date": "2021-03-06", "DOI": "10.1000/economist.1", "libraryCatalog": "ProQuest", "volume": "438",
        "issue": "9235", "pages": "12-14", "language": "en", "publisher": "The Economist Group",
        "ISSN": "0013-0613", "shortTitle": "Story", "url": "https://example.org/story", "archiveLocation": "Rack 2",
        "archive": "British Library", "accessDate": ACCESSED,
    },
    "newspaperArticle": {
        "title": "Новость дня",
        "creators": [person("author", "Коваленко", "Ольга"), person("translator", "Roe", "Rick")],
        "publicationTitle": "Коммерсантъ", "abstractNote": "Новость.", "callNumber": "AN1 .K6", "place": "Москва",
        "date": "2022-02-24", "DOI": "10.1000/kommersant.1", "libraryCatalog": "East View",
        "edition": "Утренний выпуск", "volume": "12", "issue": "33", "pages": "1-2", "language": "ru",
        "publisher": "Издательский дом «Коммерсантъ»", "section": "Политика", "ISSN": "1563-6364",
        "shortTitle": "Новость", "url": "https://example.org/news", "archiveLocation": "Подшивка 2022",
        "archive": "ГПИБ", "accessDate": ACCESSED,
    },
    "document": {
        "title": "A generic document",
        "creators": [person("author", "Doe", "Jane"), person("editor", "Roe", "Rick"), person("translator", "Poe", "Ann")],
        "abstractNote": "A document.", "callNumber": "Z1 .D6", "place": "Geneva", "date": "2000",
        "DOI": "10.1000/doc.1", "libraryCatalog": "UNOG Library", "language": "fr", "publisher": "United Nations",
        "shortTitle": "Document", "url": "https://example.org/doc", "archiveLocation": "Box 7", "archive": "UN Archives",
        "accessDate": ACCESSED,
    },
}  # fmt: skip

#: ``creators``, where given, is the whole list in the order the tags are written (AU A2 ED A3 A4 TA C2).
REFDESK_ADDITIONS: dict[str, dict[str, Any]] = {
    "journalArticle": {
        "rights": "CC BY 4.0",
        "creators": [  # the contributor as A3, which reads back as a contributor
            *ZOTERO_RECORDS["journalArticle"]["creators"][:3], person("contributor", "Ng", "Lin"),
            *ZOTERO_RECORDS["journalArticle"]["creators"][3:],
        ],
    },
    "book": {"rights": "All rights reserved", "ISSN": "1234-5679"},  # SN: ISBN; ISSN
    "bookSection": {"rights": "CC BY-NC 4.0"},
    "conferencePaper": {  # the translator as TA (A4 is the contributor)
        "rights": "CC BY 4.0", "creators": [*ZOTERO_RECORDS["conferencePaper"]["creators"], person("translator", "Fox", "Amy")],
    },
    "thesis": {"rights": "CC BY 4.0", "series": "Dissertations in History"},  # T3
    "report": {  # the editor as ED (A2 is the series editor)
        "rights": "Public domain",
        "creators": [*ZOTERO_RECORDS["report"]["creators"][:2], person("editor", "Kim", "Lee"), ZOTERO_RECORDS["report"]["creators"][2]],
    },
    "webpage": {"rights": "CC0"},
    "preprint": {  # genre M3, archiveID IS, series T3, editor ED
        "rights": "arXiv licence", "genre": "Working paper", "archiveID": "arXiv:2401.00001", "series": "Sync notes",
        "creators": [ZOTERO_RECORDS["preprint"]["creators"][0], person("editor", "Kim", "Lee"), ZOTERO_RECORDS["preprint"]["creators"][1]],
    },
    "magazineArticle": {"rights": "© The Economist"},
    "newspaperArticle": {"rights": "© Коммерсантъ"},
    "document": {"rights": "CC BY 4.0", "type": "Memorandum"},  # M3
}  # fmt: skip


def make_record(item_type: str, fields: dict[str, Any]) -> Record:
    rec = Record.new(item_type)
    for name, value in fields.items():
        if name == "tags":
            for tag in value:
                rec.add_tag(tag)
        elif name != "creators":
            rec.set(name, value)
    rec.set("creators", [dict(c) for c in fields.get("creators", [])])
    return rec


def zotero_record(item_type: str) -> Record:
    return make_record(item_type, ZOTERO_RECORDS[item_type])


def full_record(item_type: str) -> Record:
    """Zotero's fields of ``item_type`` plus refdesk's additions."""
    return make_record(item_type, {**ZOTERO_RECORDS[item_type], **REFDESK_ADDITIONS[item_type]})


def zotero_blocks() -> list[list[str]]:
    """The records of zotero-export.ris, each as its lines (CRLF removed, blank lines dropped)."""
    text = ZOTERO_EXPORT.read_bytes().decode("utf-8")
    blocks: list[list[str]] = [[]]
    for line in text.split("\r\n"):
        if line:
            blocks[-1].append(line)
            if line.startswith("ER  -"):
                blocks.append([])
    return blocks[:-1]
