"""Suggestions in the library: stored with provenance, reviewed, accepted by a safe policy.

The safe policy (``apply_safe``) only ever adds information: it fills an empty
field, replaces an abstract that is a truncated prefix of the proposed one, and
adds subjects as automatic tags (``type: 1``) unless an equal tag (up to case,
accents and a trailing full stop or separator) is there. A non-empty field the user typed is never overwritten by it.
Accepted changes are saved with ``source="plugin:<name>"``, so they are journaled
and marked dirty for the next Zotero sync. Accepted subject suggestions remain
here as the provenance of each tag, which Zotero cannot hold.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from refdesk import schema
from refdesk.errors import InvalidInputError, NotFoundError
from refdesk.library import Library
from refdesk.model import Record, now_iso
from refdesk.plugins.api import SUBJECT, Suggestion
from refdesk.plugins.validation import plain_abstract
from refdesk.text import clean, fold

STATUSES = ("pending", "accepted", "rejected", "present")
_COLUMNS = "id, item_key, plugin, field, value, source, evidence_url, confidence, status, created, decided, decided_by"
_NON_WORD = re.compile(r"\W+", re.UNICODE)
_ELLIPSIS = re.compile(r"(?:…|\.\.\.|\[\.\.\.\]|\(\.\.\.\))\s*$")


@dataclass(frozen=True)
class StoredSuggestion:
    id: int
    item_key: str
    plugin: str
    field: str
    value: str
    source: str
    evidence_url: str
    confidence: float
    status: str
    created: str
    decided: str | None = None
    decided_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def provenance(self) -> str:
        """Where it came from, as shown next to a tag or value: "OpenAlex (journal) via openalex", or "Crossref"
        alone when the service and the add-on have one name (not "Crossref via crossref")."""
        return self.source if self.source.casefold() == self.plugin.casefold() else f"{self.source} via {self.plugin}"


@dataclass
class ApplyReport:
    """What the policy accepted, per record (and which fields it changed)."""

    accepted: list[StoredSuggestion] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)

    def merge(self, other: ApplyReport) -> None:
        self.accepted.extend(other.accepted)
        for key, fields in other.changed.items():
            self.changed.setdefault(key, []).extend(f for f in fields if f not in self.changed[key])


#: Marks that services leave at the end of a keyword ("Fire.", "Climate change;"): not part of the subject.
_SUBJECT_END = " .,;:"


def subject_key(value: str) -> str:
    """Subjects (and tags) are the same up to case, accents, spacing and trailing punctuation."""
    return fold(value).rstrip(_SUBJECT_END)


def tag_text(subject: str) -> str:
    """A subject as a tag: without the separator or full stop a keyword list left at its end ("Fire." -> "Fire");
    an abbreviation's stop stays ("U.S.A.")."""
    text = subject.strip().rstrip(" ,;:")
    if text.endswith(".") and "." not in text[:-1]:
        text = text[:-1].rstrip(" ,;:")
    return text or subject


def value_key(field_name: str, value: str) -> str:
    """The dedupe key of a value: folded (case, accents, spacing; subjects also trailing punctuation); long values by their hash."""
    folded = subject_key(" ".join(value.split())) if field_name == SUBJECT else fold(" ".join(value.split()))
    return folded if len(folded) <= 200 else "sha1:" + hashlib.sha1(folded.encode("utf-8")).hexdigest()


def _norm(text: str) -> str:
    return _NON_WORD.sub(" ", fold(text)).strip()


def is_truncated_version(current: str, proposed: str) -> bool:
    """True when ``current`` is a cut-short copy of ``proposed`` (a prefix, maybe ending in "…"/"...")."""
    cur = _norm(_ELLIPSIS.sub("", current.strip()))
    full = _norm(proposed)
    return len(full) > len(cur) and full.startswith(cur)


def same_value(field_name: str, a: str, b: str) -> bool:
    if field_name == "abstractNote":
        return _norm(a) == _norm(b)
    return fold(a) == fold(b)


class SuggestionStore:
    """The ``suggestions`` table of a library."""

    def __init__(self, library: Library) -> None:
        self.library = library

    # -- writing ----------------------------------------------------------
    def add(self, key: str, plugin: str, suggestions: Iterable[Suggestion]) -> list[StoredSuggestion]:
        """Store validated suggestions; a repeated one keeps its row (a rejected one stays rejected)."""
        stamp = now_iso()
        ids: list[int] = []
        with self.library.transaction() as conn:
            for s in suggestions:
                conn.execute(
                    "INSERT INTO suggestions(item_key, plugin, field, value, value_key, source, evidence_url, confidence,"
                    " status, created) VALUES (?,?,?,?,?,?,?,?, 'pending', ?)"
                    " ON CONFLICT(item_key, plugin, field, value_key) DO UPDATE SET"
                    " source = excluded.source, evidence_url = excluded.evidence_url, confidence = excluded.confidence"
                    " WHERE status = 'pending'",
                    (key, plugin, s.field, s.value, value_key(s.field, s.value), s.source, s.evidence_url, s.confidence, stamp),
                )
                row = conn.execute(
                    "SELECT id FROM suggestions WHERE item_key = ? AND plugin = ? AND field = ? AND value_key = ?",
                    (key, plugin, s.field, value_key(s.field, s.value)),
                ).fetchone()
                ids.append(int(row[0]))
        return self.get(ids)

    def set_status(self, ids: Sequence[int], status: str, by: str) -> None:
        if status not in STATUSES:
            raise ValueError(status)
        with self.library.transaction() as conn:
            conn.executemany(
                "UPDATE suggestions SET status = ?, decided = ?, decided_by = ? WHERE id = ?",
                [(status, now_iso(), by, i) for i in ids],
            )

    # -- reading ----------------------------------------------------------
    def _rows(self, where: str, params: Sequence[Any]) -> list[StoredSuggestion]:
        rows = self.library.execute(f"SELECT {_COLUMNS} FROM suggestions {where}", params)
        return [StoredSuggestion(*r) for r in rows]

    def get(self, ids: Sequence[int]) -> list[StoredSuggestion]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        found = {s.id: s for s in self._rows(f"WHERE id IN ({marks})", list(ids))}
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise NotFoundError(f"No suggestion with id {', '.join(missing)}")
        return [found[i] for i in ids]

    def query(self, key: str | None = None, status: str | None = "pending") -> list[StoredSuggestion]:
        clauses, params = ["item_key IN (SELECT key FROM items)"], []  # not those of deleted records
        if key:
            clauses.append("item_key = ?")
            params.append(key)
        if status:
            clauses.append("status = ?")
            params.append(status)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._rows(f"{where} ORDER BY item_key, field, confidence DESC, id", params)

    def pending_keys(self) -> list[str]:
        return [str(r[0]) for r in self.library.execute("SELECT DISTINCT item_key FROM suggestions WHERE status = 'pending'")]

    def tag_provenance(self, record: Record) -> dict[str, list[StoredSuggestion]]:
        """Each tag of ``record`` -> the accepted subject suggestions it came from (empty for the user's own)."""
        accepted = self._rows("WHERE item_key = ? AND field = ? AND status = 'accepted' ORDER BY id", [record.key, SUBJECT])
        by_key: dict[str, list[StoredSuggestion]] = defaultdict(list)
        for s in accepted:
            by_key[subject_key(s.value)].append(s)
        return {tag: by_key.get(subject_key(tag), []) for tag in record.tag_names()}


def tag_origin_lines(library: Library, record: Record) -> list[str]:
    """``refdesk show``'s lines saying which add-on and service each subject tag came from (none: no add-on tags)."""
    origins = SuggestionStore(library).tag_provenance(record)
    if not any(origins.values()):
        return []
    lines = ["Subjects from add-ons:"]
    for tag, found in origins.items():
        if found:
            lines.append(f"  {tag}  — {'; '.join(s.provenance for s in found)}")
    return lines


# -- applying -------------------------------------------------------------------


def _write(record: Record, s: StoredSuggestion) -> bool:
    """Put one suggestion into the record; True when the record changed."""
    if s.field == SUBJECT:
        if subject_key(s.value) in {subject_key(t) for t in record.tag_names()}:
            return False  # the same subject, spelt with a trailing mark or in another case, is a tag already
        return record.add_tag(tag_text(s.value), automatic=True)
    if not schema.has_field(record.item_type, s.field):
        return False
    value = plain_abstract(s.value) if s.field == "abstractNote" else clean(s.value)
    if record.get(s.field) == value:
        return False
    record.set(s.field, value, f"plugin:{s.plugin}")
    return True


def _save(library: Library, record: Record, chosen: list[StoredSuggestion], report: ApplyReport) -> None:
    """Write accepted suggestions plugin by plugin, so each journal entry names its add-on."""
    by_plugin: dict[str, list[StoredSuggestion]] = defaultdict(list)
    for s in chosen:
        by_plugin[s.plugin].append(s)
    for plugin in sorted(by_plugin):
        fields = {("tags" if s.field == SUBJECT else s.field) for s in by_plugin[plugin] if _write(record, s)}
        if fields:
            library.save(record, source=f"plugin:{plugin}", changed=fields)
            changed = report.changed.setdefault(record.key, [])
            changed.extend(sorted(f for f in fields if f not in changed))


def _decide(record: Record, pending: list[StoredSuggestion]) -> tuple[list[StoredSuggestion], list[StoredSuggestion]]:
    """(to accept and write, already present) by the safe policy; the rest stays pending."""
    accept: list[StoredSuggestion] = []
    present: list[StoredSuggestion] = []
    by_field: dict[str, list[StoredSuggestion]] = defaultdict(list)
    for s in pending:
        by_field[s.field].append(s)
    tags = {subject_key(t.get("tag", "")): t for t in record.tags}
    for s in sorted(by_field.pop(SUBJECT, []), key=lambda s: -s.confidence):
        existing = tags.get(subject_key(s.value))
        if existing is None:
            tags[subject_key(s.value)] = {"tag": s.value, "type": 1}
            accept.append(s)
        elif existing.get("type") == 1:
            accept.append(s)  # another add-on (or an import) already proposed it: one more source for the tag
        else:
            present.append(s)  # the user's own tag: nothing to add, and it is not the add-on's
    for name, candidates in by_field.items():
        candidates.sort(key=lambda s: (-s.confidence, -len(s.value)))
        current = record.get(name)
        typed_by_user = bool(current) and (prov := record.provenance.get(name)) is not None and prov.source == "user"
        chosen: StoredSuggestion | None = None
        if not current:
            chosen = candidates[0]
        elif name == "abstractNote" and not typed_by_user:
            chosen = next((s for s in candidates if is_truncated_version(current, s.value)), None)
        final = chosen.value if chosen is not None else current
        for s in candidates:
            if s is chosen:
                accept.append(s)
            elif final and same_value(name, final, s.value):
                (accept if chosen is not None else present).append(s)
    return accept, present


def apply_safe(library: Library, keys: Sequence[str] | None = None, store: SuggestionStore | None = None) -> ApplyReport:
    """Accept the pending suggestions of ``keys`` (default: all) that the safe policy allows."""
    store = store or SuggestionStore(library)
    report = ApplyReport()
    for key in keys if keys is not None else store.pending_keys():
        pending = store.query(key, "pending")
        if not pending or not library.exists(key):
            continue
        with library.transaction():
            record = library.get(key)
            accept, present = _decide(record, pending)
            _save(library, record, accept, report)
            store.set_status([s.id for s in accept], "accepted", "policy")
            store.set_status([s.id for s in present], "present", "policy")
        report.accepted.extend(store.get([s.id for s in accept]))
    return report


def accept(library: Library, ids: Sequence[int], store: SuggestionStore | None = None) -> ApplyReport:
    """The user accepts these suggestions: written even over a value already there."""
    store = store or SuggestionStore(library)
    chosen = store.get(ids)
    decided = [s for s in chosen if s.status != "pending"]
    if decided:
        raise InvalidInputError(f"Suggestion {decided[0].id} is already {decided[0].status}")
    report = ApplyReport()
    by_key: dict[str, list[StoredSuggestion]] = defaultdict(list)
    for s in chosen:
        by_key[s.item_key].append(s)
    for key, items in by_key.items():
        with library.transaction():
            record = library.get(key)
            fields = [s.field for s in items if s.field != SUBJECT]
            if len(fields) != len(set(fields)):
                raise InvalidInputError(f"Pick one suggestion per field of {key}, not several")
            _save(library, record, items, report)
            store.set_status([s.id for s in items], "accepted", "user")
        report.accepted.extend(store.get([s.id for s in items]))
    return report


def reject(library: Library, ids: Sequence[int], store: SuggestionStore | None = None) -> list[StoredSuggestion]:
    store = store or SuggestionStore(library)
    chosen = store.get(ids)
    decided = [s for s in chosen if s.status != "pending"]
    if decided:
        raise InvalidInputError(f"Suggestion {decided[0].id} is already {decided[0].status}")
    store.set_status(ids, "rejected", "user")
    return store.get(ids)
