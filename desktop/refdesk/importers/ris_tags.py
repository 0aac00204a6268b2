"""Which RIS tag holds which Zotero field, per item type: Zotero's RIS translator (RIS.js) as tables.

``ris.py`` reads and writes with them; they are data, kept apart so the mapping can be read (and checked
against RIS.js) in one place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as default_field
from functools import cache

from refdesk import schema
from refdesk.importers.fileformat import creator_role, target

#: RIS type -> Zotero item type (import). Unknown types become ``document``.
IMPORT_TYPES = {
    "JOUR": "journalArticle", "JFULL": "journalArticle", "EJOUR": "journalArticle", "ABST": "journalArticle",
    "INPR": "journalArticle", "BOOK": "book", "EBOOK": "book", "EDBOOK": "book", "WHOLE": "book",
    "CHAP": "bookSection", "ECHAP": "bookSection", "CONF": "conferencePaper", "CPAPER": "conferencePaper",
    "THES": "thesis", "RPRT": "report", "ELEC": "webpage", "WEB": "webpage", "UNPB": "preprint",
    "MGZN": "magazineArticle", "NEWS": "newspaperArticle", "GEN": "document", "BLOG": "blogPost",
    "ART": "artwork", "SOUND": "audioRecording", "MUSIC": "audioRecording", "BILL": "bill", "CASE": "case",
    "COMP": "computerProgram", "DICT": "dictionaryEntry", "ENCYC": "encyclopediaArticle", "ICOMM": "email",
    "MPCT": "film", "HEAR": "hearing", "PCOMM": "letter", "MANSCPT": "manuscript", "MAP": "map",
    "PAT": "patent", "SLIDE": "presentation", "STAT": "statute", "VIDEO": "videoRecording", "DATA": "dataset",
    "STAND": "standard",
}  # fmt: skip
#: Zotero item type -> RIS type (export); the default is GEN.
EXPORT_TYPES = {
    "journalArticle": "JOUR", "book": "BOOK", "bookSection": "CHAP", "conferencePaper": "CONF", "thesis": "THES",
    "report": "RPRT", "webpage": "ELEC", "preprint": "UNPB", "magazineArticle": "MGZN", "newspaperArticle": "NEWS",
    "document": "GEN", "blogPost": "BLOG", "artwork": "ART", "audioRecording": "SOUND", "bill": "BILL",
    "case": "CASE", "computerProgram": "COMP", "dictionaryEntry": "DICT", "encyclopediaArticle": "ENCYC",
    "email": "ICOMM", "film": "MPCT", "hearing": "HEAR", "letter": "PCOMM", "manuscript": "MANSCPT", "map": "MAP",
    "patent": "PAT", "presentation": "SLIDE", "statute": "STAT", "videoRecording": "VIDEO", "dataset": "DATA",
    "standard": "STAND",
}  # fmt: skip


@dataclass(frozen=True)
class TagRule:
    """What one RIS tag holds, in the notation of Zotero's RIS translator: ``types`` names a field for the item
    types listed with it, ``default`` is the field for the others except ``exclude``. A field is a Zotero field or
    base field (``publisher`` is a thesis's ``university``) or ``creators/<creator type>``."""

    default: str = ""
    types: Mapping[str, tuple[str, ...]] = default_field(default_factory=dict)
    exclude: tuple[str, ...] = ()

    def name_for(self, item_type: str) -> str:
        for name, item_types in self.types.items():
            if item_type in item_types:
                return name
        return "" if item_type in self.exclude else self.default


_JOURNALS = ("journalArticle", "magazineArticle", "newspaperArticle")
#: Zotero's RIS translator (zotero/translators RIS.js, 2023-07-28), its ``fieldMap``, used to write and to read:
#: every tag it maps for refdesk's core item types (types outside the core reach their fields through the defaults
#: and base fields). TI, AB, DA/PY, SP/EP, SN, DO, UR, Y2 get their value's form in the code below.
FIELD_MAP: dict[str, TagRule] = {
    "TI": TagRule("title"),
    "AU": TagRule("creators/author"),  # the item type's primary creator type (a program's programmer...)
    "T2": TagRule(types={
        "bookTitle": ("bookSection",), "conferenceName": ("conferencePaper",), "websiteTitle": ("webpage",),
        "seriesTitle": ("computerProgram", "map", "report"), "series": ("book",), "publicationTitle": _JOURNALS,
    }),
    "A2": TagRule(types={
        "creators/editor": ("journalArticle", "bookSection", "conferencePaper", "document"),
        "creators/seriesEditor": ("book", "report"),
    }),
    "T3": TagRule(types={"series": ("bookSection", "conferencePaper", "journalArticle")}),
    "A3": TagRule(types={
        "creators/contributor": ("thesis",), "creators/editor": ("book",),
        "creators/seriesEditor": ("bookSection", "conferencePaper", "map"),
    }),
    "A4": TagRule("creators/translator", {"creators/contributor": ("conferencePaper",)}),
    "AB": TagRule("abstractNote"),
    "C1": TagRule(types={"place": ("conferencePaper",)}),
    "C2": TagRule(types={"creators/bookAuthor": ("bookSection",)}),
    "C3": TagRule(types={"proceedingsTitle": ("conferencePaper",)}),
    "CN": TagRule("callNumber"),
    "CY": TagRule("place", exclude=("conferencePaper",)),  # a conference paper's place is C1
    "DA": TagRule("date"),
    "PY": TagRule("date"),
    "DO": TagRule("DOI"),
    "DP": TagRule("libraryCatalog"),
    "ET": TagRule("edition"),
    "VL": TagRule("volume", exclude=("webpage",)),
    "IS": TagRule("issue", {"numberOfVolumes": ("bookSection",)}),
    "SP": TagRule("pages", {"numPages": ("book", "thesis")}),
    "J2": TagRule("journalAbbreviation"),
    "LA": TagRule("language"),
    "M1": TagRule(types={"seriesNumber": ("book",)}),
    "M3": TagRule(types={"reportType": ("report",), "thesisType": ("thesis",), "websiteType": ("webpage",)}),
    "NV": TagRule("numberOfVolumes", exclude=("bookSection",)),  # a book section's is IS
    "PB": TagRule("publisher", {"institution": ("report",), "university": ("thesis",)}),
    "SE": TagRule("section"),
    "SN": TagRule("ISBN", {"ISSN": _JOURNALS, "reportNumber": ("report",)}),
    "ST": TagRule("shortTitle"),
    "SV": TagRule(types={"seriesNumber": ("bookSection",)}),
    "UR": TagRule("url"),
    "AN": TagRule("archiveLocation"),
    "DB": TagRule("archive"),
    "Y2": TagRule("accessDate"),
}  # fmt: skip
#: RIS.js's ``degenerateImportFieldMap``, the part refdesk reads (JF, JO, JA, T1, Y1, N2 are read in the code
#: below): tags Zotero reads but never writes, consulted when ``FIELD_MAP`` has no field of the item type.
ZOTERO_IMPORT_ONLY: dict[str, TagRule] = {
    "A1": TagRule("creators/author"),
    "AV": TagRule("archiveLocation"),
    "CR": TagRule("rights"),
    "CY": TagRule("place"),  # ProCite and Springer write a conference paper's place in CY
    "ED": TagRule("creators/editor"),
    "NV": TagRule("numberOfVolumes"),
    "T2": TagRule("publicationTitle"),  # any other type's T2, when it has a publication title
    "T3": TagRule(types={"series": ("book",)}),
}
#: refdesk's own readings, last: where Zotero's translator has no field of the item type for these tags, they
#: keep what they held instead of landing in ``extra`` (and let refdesk write those fields back). A creator tag
#: here that names a creator type the item type lacks gives its closest one (a thesis's A2 is a contributor).
REFDESK_TAGS: dict[str, TagRule] = {
    "T2": TagRule("series"),  # a thesis's or preprint's T2
    "T3": TagRule("series", {"seriesTitle": ("computerProgram", "map", "report")}),
    "A2": TagRule("creators/editor"),
    "A3": TagRule("creators/seriesEditor"),
    "A4": TagRule("creators/translator"),
    "TA": TagRule("creators/translator"),
    "M3": TagRule("type"),  # a document's type, a preprint's genre
    "IS": TagRule("number"),  # a report's number, a preprint's archive ID
}
TABLES = (FIELD_MAP, ZOTERO_IMPORT_ONLY, REFDESK_TAGS)
#: Zotero's order of tags in a record (RIS.js ``exportOrder``) with refdesk's ED, TA and CR placed in it.
EXPORT_ORDER = (
    "TI", "AU", "T2", "A2", "ED", "T3", "A3", "A4", "TA", "AB", "C1", "C2", "C3", "CN", "CY", "DA", "PY", "DO",
    "DP", "ET", "VL", "IS", "SP", "EP", "J2", "LA", "M1", "M3", "NV", "PB", "SE", "SN", "ST", "SV", "UR", "AN",
    "DB", "Y2", "CR", "N1", "KW",
)  # fmt: skip
#: Tags tried, in this order, for a field or creator type that ``FIELD_MAP`` gives no tag in the item type; one
#: is used when it is free and reads back as that field (Zotero's import-only tags first).
FALLBACK_TAGS = ("ED", "CR", "T3", "T2", "A2", "A3", "A4", "TA", "M3", "IS")
#: A conference paper's T2 that reads as a proceedings title (ACM and IEEE write it there; "Труды", "Actes" in
#: Russian and French), taken for the proceedings title when there is no C3, as Zotero's IEEE Xplore translator does.
PROCEEDINGS = re.compile(r"\bproceedings\b|^proc\.|^труды\b|^actes\b", re.IGNORECASE)
CREATORS = "creators/"
CREATOR_ORDER = ("AU", "A1", "A2", "ED", "A3", "A4", "TA", "C2")
#: Tags whose values the reader handles itself (the rest go through the tables).
SPECIAL = {
    "TY", "ER", "ID", "TI", "T1", "T2", "JF", "JO", "JA", "J2", "DA", "PY", "Y1", "SP", "EP", "SN", "DO", "UR",
    "AB", "N2", "N1", "KW",
}  # fmt: skip
TABLE_TAGS = [t for t in dict.fromkeys([*CREATOR_ORDER, *EXPORT_ORDER, *ZOTERO_IMPORT_ONLY]) if t not in SPECIAL]


def resolve(item_type: str, name: str) -> str:
    """``name`` (a field, a base field or ``creators/<type>``) as ``item_type`` has it, else ""."""
    if not schema.is_item_type(item_type):
        return name
    if name.startswith(CREATORS):
        role = name.removeprefix(CREATORS)
        if role == "author":  # AU is the primary creator, whatever the type calls it
            role = creator_role(item_type, role)
        return name if role in schema.creator_types_for(item_type) else ""
    return target(item_type, name) or ""


@cache
def tag_target(tag: str, item_type: str) -> str:
    """The field (or ``creators/<type>``) that ``tag`` fills in ``item_type``, "" when none: Zotero's ``fieldMap``,
    then its import-only tags, then refdesk's; the first that names something the item type has."""
    stand_in = ""
    for table in TABLES:
        rule = table.get(tag)
        name = rule.name_for(item_type) if rule else ""
        resolved = resolve(item_type, name) if name else ""
        if resolved:
            return resolved
        if name.startswith(CREATORS) and table is REFDESK_TAGS:
            stand_in = CREATORS + creator_role(item_type, name.removeprefix(CREATORS))
    return stand_in
