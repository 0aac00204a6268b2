"""CSL-JSON <-> Record, using the mapping tables of Zotero's own schema.

DOI content negotiation, Crossref and CSL-JSON files all speak CSL-JSON, so this
one mapping serves them all and agrees with what Zotero itself does.
"""

from __future__ import annotations

from typing import Any

from refdesk import schema
from refdesk.dates import from_date_parts, iso_parts, parse_date, season_of, store_form
from refdesk.importers import extra as extra_vars
from refdesk.importers.fileformat import add_extra
from refdesk.model import Record
from refdesk.names import parse_name
from refdesk.text import clean, markup_to_text

_CSL_TYPE_FALLBACK = {
    "article": "preprint",
    "posted-content": "preprint",
    "journal-article": "journalArticle",
    "proceedings-article": "conferencePaper",
    "book-chapter": "bookSection",
    "monograph": "book",
    "edited-book": "book",
    "reference-entry": "encyclopediaArticle",
    "dissertation": "thesis",
    "report": "report",
    "dataset": "dataset",
}


def _type_maps() -> tuple[dict[str, str], dict[str, str]]:
    csl_to_zotero: dict[str, str] = {}
    zotero_to_csl: dict[str, str] = {}
    for csl_type, zotero_types in schema.csl_mappings()["types"].items():
        csl_to_zotero.setdefault(csl_type, zotero_types[0])
        for zt in zotero_types:
            zotero_to_csl.setdefault(zt, csl_type)
    return csl_to_zotero, zotero_to_csl


def item_type_for_csl(csl_type: str | None) -> str:
    csl_to_zotero, _ = _type_maps()
    if not csl_type:
        return "document"
    return csl_to_zotero.get(csl_type) or _CSL_TYPE_FALLBACK.get(csl_type, "document")


def _text(value: Any) -> str:
    """A CSL text variable as a string; '' for a structure (Crossref's ``license`` is a list of objects, not text)."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)


#: CSL variables that may come as a list (Crossref gives print and electronic ISSNs, several ISBNs), and how Zotero
#: keeps several in one field: ISSNs separated by ", ", ISBNs by a space.
_LISTED = {"ISSN": ", ", "ISBN": " "}

_SEASON_NAMES = {1: "Spring", 2: "Summer", 3: "Autumn", 4: "Winter"}


def _csl_date(value: Any) -> str | None:
    """The stored date for a CSL date: ISO from date-parts, unless ``raw``/``season`` say more."""
    if isinstance(value, dict):
        raw = value.get("raw") or value.get("literal")
        iso = from_date_parts(value["date-parts"]) if value.get("date-parts") else None
        if raw and isinstance(raw, str):
            parsed = parse_date(raw)
            if not iso or (parsed.carries_more and parsed.iso and parsed.iso[:4] == iso[:4]):
                return store_form(raw)
        season = str(value.get("season", ""))
        if iso and len(iso) == 4 and season.isdecimal() and int(season) in _SEASON_NAMES:
            return f"{_SEASON_NAMES[int(season)]} {iso}"
        return iso
    if isinstance(value, str):
        return store_form(value) or None
    return None


def _person(person: dict[str, Any], role: str) -> dict[str, str] | None:
    """One CSL name -> a Zotero creator; particles join the surname, a suffix follows the given name."""
    family = clean(str(person.get("family") or ""))
    given = clean(str(person.get("given") or ""))
    particle = clean(str(person.get("non-dropping-particle") or ""))
    dropping = clean(str(person.get("dropping-particle") or ""))
    suffix = clean(str(person.get("suffix") or ""))
    if particle:
        family = f"{particle} {family}".strip()
    if dropping:
        given = f"{given} {dropping}".strip()
    if suffix:
        given = f"{given}, {suffix}" if given else suffix
    if family or given:
        if given:
            return {"creatorType": role, "lastName": family, "firstName": given}
        return {"creatorType": role, "name": family}
    literal = clean(str(person.get("literal") or ""))
    if literal:
        return parse_name(literal, role) if " " in literal else {"creatorType": role, "name": literal}
    return None


def record_from_csl(obj: dict[str, Any], source: str) -> Record:
    """A Record from one CSL-JSON item; fields the item type lacks are dropped, not forced."""
    item_type = item_type_for_csl(obj.get("type"))
    rec = Record.new(item_type)
    mappings = schema.csl_mappings()
    for csl_field, zotero_fields in mappings["fields"]["text"].items():
        raw = obj.get(csl_field)
        if raw in (None, "", []):
            continue
        if csl_field == "note" and isinstance(raw, str):  # extra: one line each, never run together
            for line in raw.split("\n"):
                add_extra(rec, clean(line), source)
            continue
        if csl_field in _LISTED and isinstance(raw, list):
            value = _LISTED[csl_field].join(dict.fromkeys(v for v in (clean(str(x)) for x in raw) if v))
        else:
            value = _text(raw)
            value = markup_to_text(value) if csl_field == "abstract" else clean(value)  # JATS: no "Abstract" heading
        for zf in zotero_fields:
            target = zf if schema.has_field(item_type, zf) else schema.field_for_base(item_type, zf)
            if target and rec.fill(target, value, source):
                break
    for csl_field, zf in mappings["fields"]["date"].items():
        iso = _csl_date(obj.get(csl_field))
        target = zf if schema.has_field(item_type, zf) else schema.field_for_base(item_type, zf)
        if iso and target:
            rec.fill(target, iso, source)
    if not rec.get("date"):
        for alt in ("published-print", "published-online", "published", "created"):
            iso = _csl_date(obj.get(alt))
            if iso:
                rec.fill("date", iso, source)
                break
    creator_types = set(schema.creator_types_for(item_type))
    names_map = {csl: zt for zt, csl in mappings["names"].items()}
    names_map["author"] = "author"
    creators = []
    for csl_role, zotero_role in names_map.items():
        for person in obj.get(csl_role) or []:
            role = zotero_role if zotero_role in creator_types else schema.primary_creator_type(item_type) or "author"
            if csl_role != "author" and zotero_role not in creator_types:
                continue
            creator = _person(person, role) if isinstance(person, dict) else None
            if creator:
                creators.append(creator)
    if creators:
        rec.set("creators", creators, source)
    for subject in obj.get("keyword", "").split(",") if isinstance(obj.get("keyword"), str) else []:
        if subject.strip():
            rec.add_tag(subject.strip(), automatic=True)
    return rec


def record_to_csl(rec: Record) -> dict[str, Any]:
    """CSL-JSON for one record (export, citeproc); ``id`` is the record key."""
    _, zotero_to_csl = _type_maps()
    out: dict[str, Any] = {"id": rec.key, "type": zotero_to_csl.get(rec.item_type, "document")}
    mappings = schema.csl_mappings()
    base = schema.base_fields_for(rec.item_type) if schema.is_item_type(rec.item_type) else {}
    for csl_field, zotero_fields in mappings["fields"]["text"].items():
        for name in rec.field_names():
            if name in zotero_fields or base.get(name) in zotero_fields:
                out.setdefault(csl_field, rec.get(name))
    for csl_field, zf in mappings["fields"]["date"].items():
        value = rec.get(zf)
        if not value:
            continue
        parsed = parse_date(value)
        date: dict[str, Any] = {}
        if parsed.iso:
            date["date-parts"] = [iso_parts(p) for p in _interval(value, parsed.iso)]
            season = season_of(value)
            if season:
                date["season"] = season
        if parsed.carries_more or not parsed.iso:
            date["raw"] = value
        out[csl_field] = date
    for creator in rec.creators:
        role = mappings["names"].get(creator.get("creatorType", "author"), "author")
        if "name" in creator:
            person = {"literal": creator["name"]}
        elif creator.get("firstName"):
            person = {"family": creator.get("lastName", ""), "given": creator["firstName"]}
        else:
            person = {"family": creator.get("lastName", "")}
        out.setdefault(role, []).append(person)
    if rec.tags:
        out["keyword"] = ", ".join(rec.tag_names())
    _lift_extra(rec, out)
    return out


def _has_home(item_type: str, variable: str) -> bool:
    """True when the CSL variable maps to a field or creator type of ``item_type`` (an import would fill that, not extra)."""
    mappings = schema.csl_mappings()
    if variable == "author":
        return True
    names = {csl: zt for zt, csl in mappings["names"].items()}
    if variable in names:
        return names[variable] in schema.creator_types_for(item_type)
    fields = mappings["fields"]["text"].get(variable) or []
    date_field = mappings["fields"]["date"].get(variable)
    candidates = [*fields, date_field] if date_field else fields
    return any(schema.has_field(item_type, f) or schema.field_for_base(item_type, f) for f in candidates)


def _lift_extra(rec: Record, out: dict[str, Any]) -> None:
    """CSL variables kept in ``extra`` (``original-title: …``) as CSL-JSON variables too, for processors that do not
    read ``note``. ``note`` keeps every line, so an import gets ``extra`` back as it was; a variable the record's
    fields already give, or that an import would put in a field, is not repeated."""
    given = set(out)
    for var in extra_vars.variables(rec.get("extra")):
        if var.name in given or _has_home(rec.item_type, var.name):
            continue
        if var.kind == "name":
            out.setdefault(var.name, []).append(extra_vars.csl_name(var.value))
        elif var.name not in out:
            out[var.name] = extra_vars.csl_date(var.value) if var.kind == "date" else var.value


def _interval(value: str, iso: str) -> list[str]:
    """``2022-11-01/2022-11-03`` -> both ends; any other date -> its ISO form alone."""
    start, sep, end = value.partition("/")
    end_iso = parse_date(end).iso if sep and parse_date(start).iso == iso else None
    return [iso, end_iso] if end_iso else [iso]
