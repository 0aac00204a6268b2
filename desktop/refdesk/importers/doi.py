"""Import by DOI through content negotiation: ask the resolver for CSL-JSON, map it with Zotero's mapping.

``GET {doi_resolver_url}/{doi}`` with ``Accept: application/vnd.citationstyles.csl+json``
is answered by the DOI's registration agency (Crossref, DataCite, mEDRA...) with
CSL-JSON, so one request works for every agency. The resolver is a setting
(``doi_resolver_url``, ``REFDESK_DOI_RESOLVER_URL``; default https://doi.org).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from refdesk import schema
from refdesk.app import AppContext
from refdesk.errors import ImporterError, InvalidInputError
from refdesk.identifiers import find_doi, normalize_doi
from refdesk.importers.csl import record_from_csl
from refdesk.importers.fileformat import target
from refdesk.model import Record
from refdesk.net import NetworkError

CSL_JSON = "application/vnd.citationstyles.csl+json"
SOURCE = "doi:csl"


def resolver_url(ctx: AppContext, doi: str) -> str:
    base = ctx.settings.doi_resolver_url.rstrip("/")
    return f"{base}/{quote(doi, safe='/:;()[]._-')}"


def fetch_csl(ctx: AppContext, doi: str, refresh: bool = False) -> dict[str, Any]:
    """The CSL-JSON item for ``doi``; ImporterError naming the DOI, the resolver and what went wrong."""
    url = resolver_url(ctx, doi)
    try:
        resp = ctx.http.get(url, headers={"Accept": CSL_JSON}, refresh=refresh)
    except NetworkError as exc:
        if exc.status == 404:
            raise ImporterError(f"DOI {doi}: the resolver ({url}) does not know this DOI (HTTP 404)") from None
        raise ImporterError(f"DOI {doi}: asking the resolver ({url}) for CSL-JSON failed: {exc.reason}") from None
    if "json" not in resp.content_type:
        raise ImporterError(
            f"DOI {doi}: the resolver ({url}) answered {resp.content_type or 'without a content type'}, not CSL-JSON "
            "(its registration agency may not support content negotiation)"
        )
    try:
        obj = resp.json()
    except ValueError:
        raise ImporterError(f"DOI {doi}: the resolver's answer ({resp.url}) is not valid JSON") from None
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        obj = obj[0]
    if not isinstance(obj, dict) or not (obj.get("title") or obj.get("DOI")):
        raise ImporterError(f"DOI {doi}: the resolver's answer ({resp.url}) is not a CSL-JSON item")
    return obj


def record_for_doi(ctx: AppContext, doi: str, refresh: bool = False) -> Record:
    rec = record_from_csl(fetch_csl(ctx, doi, refresh), SOURCE)
    if not rec.get("DOI"):
        rec.fill("DOI", doi, SOURCE)
    return rec


def import_doi(ctx: AppContext, doi: str, *, refresh: bool = False) -> list[Record]:
    """One record for a DOI given as ``10.x/y``, ``doi:10.x/y`` or ``https://doi.org/10.x/y``."""
    norm = normalize_doi(doi) or find_doi(doi)
    if not norm:
        raise InvalidInputError(f"'{doi}' is not a DOI (expected 10.<prefix>/<suffix>)")
    return [record_for_doi(ctx, norm, refresh)]


def fill_gaps(rec: Record, other: Record, source: str) -> list[str]:
    """Copy into ``rec`` every field it lacks from ``other`` (mapped through base fields); names filled."""
    filled = []
    base = schema.base_fields_for(other.item_type) if schema.is_item_type(other.item_type) else {}
    for name in other.field_names():
        if name in ("extra", "accessDate"):
            continue
        field = target(rec.item_type, base.get(name, name))
        if field and not rec.get(field) and rec.fill(field, other.get(name), source):
            filled.append(field)
    if not rec.creators and other.creators:
        rec.set("creators", [dict(c) for c in other.creators], source)
        filled.append("creators")
    if not rec.tags and other.tags:
        for t in other.tag_names():
            rec.add_tag(t, automatic=True)
        filled.append("tags")
    return filled
