"""Identifiers in a page's address, for pages that refuse a program or carry no metadata.

Large publishers answer a client that is not a browser with 403, 503 or a 200 bot check
("Just a moment..."), but their addresses usually name the work: a DOI (``/doi/full/10.…``,
``/article/10.…``, ``?doi=10.…``), an Elsevier PII (``/pii/S0009261497040141``), an arXiv id,
a PubMed id or a PMCID. Each is turned into a record by a service that describes it:

* DOI: the DOI resolver (content negotiation, as ``refdesk import DOI``);
* arXiv id: the resolver too, through the DOI arXiv registers for every paper (``10.48550/arXiv.<id>``);
* PII: Crossref's works search with the ``alternative-id`` filter finds the DOI, then the resolver;
* PubMed id and PMCID: NCBI E-utilities ``esummary`` finds the DOI, then the resolver (a PubMed
  record without a DOI is mapped from the summary itself).

So a refused page with a DOI or PII in its address imports with the same fields as its DOI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from refdesk.app import AppContext
from refdesk.dates import normalize_date
from refdesk.errors import ImporterError
from refdesk.identifiers import find_doi
from refdesk.importers import doi as doi_importer
from refdesk.model import Record
from refdesk.names import parse_name
from refdesk.net import NetworkError
from refdesk.text import clean

#: What follows a DOI in a publisher's address without being part of it (Atypon and Wiley views, file types).
_VIEW_SUFFIX = re.compile(
    r"(?:/(?:full|abstract|abs|pdf|epdf|pdfdirect|epub|html|fulltext|full-text|references|figures|tables|citedby|"
    r"suppl|supplemental|meta|summary|info|metrics|reader|view|download)(?:/.*)?|\.(?:pdf|html?|xml|epub))$",
    re.IGNORECASE,
)
_PII = re.compile(r"/pii/(S?[\dX()\-]{16,24})(?=[/?#.]|$)", re.IGNORECASE)
_ARXIV_ID = r"(\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})(?:v\d+)?"
_ARXIV_PATH = re.compile(rf"^/(?:abs|pdf|html|format|ps)/{_ARXIV_ID}", re.IGNORECASE)
#: A new-style id (YYMM.NNNNN, a real month) after /abs/ or /pdf/ is arXiv's on any host (mirrors, proxies).
_ARXIV_NEW = re.compile(r"^/(?:abs|pdf)/(\d{2}(?:0[1-9]|1[0-2])\.\d{4,5})(?:v\d+)?(?:\.pdf)?/?$")
_ARXIV_TEXT = re.compile(rf"arxiv[\w]*[:=/]\s*{_ARXIV_ID}", re.IGNORECASE)
_PMCID = re.compile(r"(?<![A-Za-z])PMC(\d{1,9})(?!\d)", re.IGNORECASE)
_PMID_PATH = re.compile(r"/(?:pubmed|med)/(\d{1,9})(?!\d)", re.IGNORECASE)
_PMID_TEXT = re.compile(r"pmid[:=/]?\s*(\d{1,9})(?!\d)", re.IGNORECASE)

#: The words each kind is named by in messages and provenance.
LABELS = {"doi": "DOI", "pii": "Elsevier PII", "arxiv": "arXiv ID", "pmcid": "PMCID", "pmid": "PubMed ID"}


@dataclass(frozen=True)
class AddressId:
    kind: str  # doi | pii | arxiv | pmcid | pmid
    value: str

    def __str__(self) -> str:
        return f"the {LABELS[self.kind]} {self.value}"


def _doi_in_path(path: str) -> str:
    doi = find_doi(path) or ""
    while doi:
        stripped = _VIEW_SUFFIX.sub("", doi)
        if stripped == doi:
            break
        doi = stripped
    return doi if "/" in doi and not doi.endswith("/") else ""


def identifiers_in(url: str) -> list[AddressId]:
    """Every identifier the address names, the most direct first (DOI, PII, arXiv id, PMCID, PubMed id)."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower()
    path = unquote(parts.path)
    query = parse_qsl(parts.query, keep_blank_values=False)
    out: list[AddressId] = []

    def add(kind: str, value: str) -> None:
        if value and all(not (i.kind == kind and i.value.lower() == value.lower()) for i in out):
            out.append(AddressId(kind, value))

    for name, value in query:  # ?doi=10.…, ?id=doi:10.…, rft_id=info:doi/10.…
        if "doi" in name.lower() or value.lower().startswith(("10.", "doi:", "info:doi/")):
            add("doi", find_doi(value) or "")
    add("doi", _doi_in_path(path))
    m = _PII.search(path)
    if m:
        add("pii", re.sub(r"[()\-]", "", m.group(1)).upper())
    m = _ARXIV_PATH.match(path) if "arxiv" in host else None  # arxiv.org, export.arxiv.org and mirrors
    m = m or _ARXIV_NEW.match(path) or _ARXIV_TEXT.search(f"{path}?{unquote(parts.query)}")
    if m:
        add("arxiv", m.group(1))
    text = f"{path}?{unquote(parts.query)}"
    m = _PMCID.search(text)
    if m:
        add("pmcid", f"PMC{m.group(1)}")
    m = _PMID_PATH.search(path) or _PMID_TEXT.search(text)
    if m is None and "pubmed" in host:
        m = re.match(r"^/(\d{1,9})/?$", path)
    if m:
        add("pmid", m.group(1))
    return out


def describe(ident: AddressId) -> str:
    """How the record is reached from this identifier, for the provenance note."""
    via = {
        "doi": "via the DOI resolver",
        "arxiv": f"via the DOI resolver (10.48550/arXiv.{ident.value})",
        "pii": "via Crossref (alternative-id) and the DOI resolver",
        "pmcid": "via PubMed Central (NCBI E-utilities) and the DOI resolver",
        "pmid": "via PubMed (NCBI E-utilities) and the DOI resolver",
    }[ident.kind]
    return f"from {ident} in the address {via}"


def record_for(ctx: AppContext, ident: AddressId, refresh: bool = False) -> tuple[Record, str]:
    """The record the identifier names, and how it was reached; ImporterError naming the identifier otherwise."""
    if ident.kind == "doi":
        return doi_importer.record_for_doi(ctx, ident.value, refresh), describe(ident)
    if ident.kind == "arxiv":
        return doi_importer.record_for_doi(ctx, f"10.48550/arXiv.{ident.value}", refresh), describe(ident)
    if ident.kind == "pii":
        return doi_importer.record_for_doi(ctx, doi_for_pii(ctx, ident.value, refresh), refresh), describe(ident)
    summary = _ncbi_summary(ctx, ident, refresh)
    doi = next((clean(str(a.get("value"))) for a in summary.get("articleids") or [] if isinstance(a, dict) and a.get("idtype") == "doi"), "")
    if doi:
        return doi_importer.record_for_doi(ctx, doi, refresh), describe(ident)
    if ident.kind == "pmid":
        return record_from_pubmed(summary, ident.value), f"from {ident} in the address via PubMed (NCBI E-utilities; it names no DOI)"
    raise ImporterError(f"{ident}: PubMed Central names no DOI for it")


def doi_for_pii(ctx: AppContext, pii: str, refresh: bool = False) -> str:
    """The DOI Crossref files under this Elsevier PII (``filter=alternative-id:<PII>``)."""
    url = f"{ctx.settings.crossref_api_url.rstrip('/')}/works"
    params: dict[str, Any] = {"filter": f"alternative-id:{pii}", "rows": 2}
    if ctx.settings.contact_email:
        params["mailto"] = ctx.settings.contact_email
    try:
        answer = ctx.http.get_json(url, params=params, refresh=refresh)
    except NetworkError as exc:
        raise ImporterError(f"the Elsevier PII {pii}: asking Crossref for its DOI failed: {exc.reason}") from None
    items = (answer.get("message") or {}).get("items") if isinstance(answer, dict) else None
    dois = [str(i["DOI"]) for i in items or [] if isinstance(i, dict) and i.get("DOI")]
    if not dois:
        raise ImporterError(f"the Elsevier PII {pii}: Crossref knows no work with this PII")
    return dois[0]


def _ncbi_summary(ctx: AppContext, ident: AddressId, refresh: bool) -> dict[str, Any]:
    db, uid = ("pmc", ident.value.upper().removeprefix("PMC")) if ident.kind == "pmcid" else ("pubmed", ident.value)
    url = f"{ctx.settings.ncbi_eutils_url.rstrip('/')}/esummary.fcgi"
    params: dict[str, Any] = {"db": db, "id": uid, "retmode": "json", "tool": "refdesk"}
    if ctx.settings.contact_email:
        params["email"] = ctx.settings.contact_email
    try:
        answer = ctx.http.get_json(url, params=params, refresh=refresh)
    except NetworkError as exc:
        raise ImporterError(f"{ident}: asking NCBI E-utilities failed: {exc.reason}") from None
    result = answer.get("result") if isinstance(answer, dict) else None
    summary = result.get(uid) if isinstance(result, dict) else None
    if not isinstance(summary, dict) or summary.get("error"):
        raise ImporterError(f"{ident}: NCBI does not know it")
    return summary


def _pubmed_author(name: str) -> dict[str, str]:
    """PubMed's "Frank HS" (surname, then initials run together) -> Frank, H. S."""
    parts = name.rsplit(" ", 1)
    if len(parts) == 2 and parts[1].isupper() and parts[1].isalpha() and len(parts[1]) <= 3:
        return {"creatorType": "author", "lastName": parts[0], "firstName": " ".join(f"{ch}." for ch in parts[1])}
    return parse_name(name)


def record_from_pubmed(summary: dict[str, Any], pmid: str) -> Record:
    """A journal article from a PubMed ``esummary`` document (when PubMed names no DOI to ask the resolver)."""
    source = "pubmed:esummary"
    rec = Record.new("journalArticle")
    rec.set("title", clean(str(summary.get("title") or "")).removesuffix("."), source)
    authors = [a for a in summary.get("authors") or [] if isinstance(a, dict) and a.get("authtype", "Author") == "Author"]
    rec.set("creators", [_pubmed_author(clean(str(a.get("name") or ""))) for a in authors if a.get("name")], source)
    date = normalize_date(str(summary.get("sortpubdate") or "")[:10].replace("/", "-")) or clean(str(summary.get("pubdate") or ""))
    for field, value in (
        ("publicationTitle", summary.get("fulljournalname") or summary.get("source")), ("journalAbbreviation", summary.get("source")),
        ("date", date), ("volume", summary.get("volume")), ("issue", summary.get("issue")), ("pages", summary.get("pages")),
        ("ISSN", ", ".join(x for x in (summary.get("issn"), summary.get("essn")) if x)), ("PMID", pmid),
        ("language", ", ".join(summary.get("lang") or [])),
    ):  # fmt: skip
        rec.fill(field, clean(str(value or "")), source)
    if not rec.get("PMID"):
        rec.set("extra", f"PMID: {pmid}", source)
    rec.fill("url", f"https://pubmed.ncbi.nlm.nih.gov/{quote(pmid)}/", source)
    return rec
