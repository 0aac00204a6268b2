"""The safe apply policy, provenance per tag, and review by id."""

from __future__ import annotations

import pytest
from refdesk.errors import InvalidInputError, NotFoundError
from refdesk.library import Library
from refdesk.model import Record
from refdesk.plugins.api import SUBJECT, Suggestion
from refdesk.plugins.suggestions import SuggestionStore, accept, apply_safe, is_truncated_version, reject

from .conftest import SEED_CUT_ABSTRACT, seed_record

FULL = SEED_CUT_ABSTRACT.removesuffix("In the…") + "In the conclusion, the author argues that it mattered."


@pytest.fixture
def lib(library_path: object) -> Library:
    return Library.open(str(library_path))


def _stored(lib: Library, rec: Record, plugin: str, *suggestions: Suggestion) -> SuggestionStore:
    lib.add(rec, "import") if not lib.exists(rec.key) else None
    store = SuggestionStore(lib)
    store.add(rec.key, plugin, suggestions)
    return store


@pytest.mark.parametrize(
    ("current", "proposed", "expected"),
    [
        ("The study shows. In the…", "The study shows. In the end it works.", True),
        ("The study shows. In the...", "The study shows. In the end it works.", True),
        ("The study shows", "The  study shows that things hold.", True),
        ("The study shows. In th", "The study shows. In the end.", True),
        ("Another abstract…", "The study shows. In the end.", False),
        ("The study shows. In the end.", "The study shows. In the end.", False),
        ("The full one, longer than the proposal.", "The full one", False),
    ],
)
def test_truncated_prefix(current: str, proposed: str, expected: bool) -> None:
    assert is_truncated_version(current, proposed) is expected


def test_policy_fills_completes_and_adds_tags(lib: Library) -> None:
    rec = seed_record()
    rec.add_tag("Diplomatie")  # the user's own tag
    store = _stored(lib, rec, "a",
                    Suggestion("abstractNote", FULL, "A", confidence=0.8),
                    Suggestion("volume", "14", "A"),
                    Suggestion(SUBJECT, "diplomatie", "A"),       # same as the user's tag up to case and accent
                    Suggestion(SUBJECT, "Économie", "A"),
                    Suggestion("language", "ru", "A"))            # the record has a language already
    store.add(rec.key, "b", [Suggestion(SUBJECT, "economie", "B"), Suggestion(SUBJECT, "History", "B")])
    report = apply_safe(lib, [rec.key])
    after = lib.get(rec.key)
    assert after.get("abstractNote") == FULL and after.get("volume") == "14" and after.get("language") == "en"
    assert [(t["tag"], t.get("type")) for t in after.tags] == [("Diplomatie", None), ("Économie", 1), ("History", 1)]
    assert sorted(report.changed[rec.key]) == ["abstractNote", "tags", "volume"]
    statuses = {(s.plugin, s.value): s.status for s in store.query(rec.key, None)}
    assert statuses[("a", "diplomatie")] == "present"
    assert statuses[("a", "ru")] == "pending"
    assert statuses[("b", "economie")] == "accepted"  # one more source for an automatic tag
    provenance = store.tag_provenance(after)
    assert [s.plugin for s in provenance["Économie"]] == ["a", "b"]
    assert provenance["Diplomatie"] == []
    journal = [c for c in lib.changes() if c.item_key == rec.key and c.op == "update"]
    assert {c.source for c in journal} == {"plugin:a", "plugin:b"}
    assert rec.key in lib.dirty_keys()
    assert after.provenance["abstractNote"].source == "plugin:a"


def test_policy_never_overwrites_what_the_user_typed(lib: Library) -> None:
    rec = seed_record(abstract_source="user")
    rec.set("volume", "13", "user")
    store = _stored(lib, rec, "a", Suggestion("abstractNote", FULL, "A"), Suggestion("volume", "14", "A"))
    report = apply_safe(lib, [rec.key])
    assert report.accepted == [] and lib.get(rec.key).get("abstractNote") == SEED_CUT_ABSTRACT
    assert {s.status for s in store.query(rec.key, None)} == {"pending"}
    # ...but the user may accept it explicitly
    ids = [s.id for s in store.query(rec.key) if s.field == "abstractNote"]
    accept(lib, ids, store)
    assert lib.get(rec.key).get("abstractNote") == FULL


def test_other_abstract_is_not_replaced_and_best_candidate_wins(lib: Library) -> None:
    rec = seed_record()
    rec.set("abstractNote", "A different abstract, complete.", "web:highwire")
    store = _stored(lib, rec, "a", Suggestion("abstractNote", FULL, "A"))
    apply_safe(lib, [rec.key])
    assert lib.get(rec.key).get("abstractNote") == "A different abstract, complete."
    rec2 = seed_record(url="https://x.example/2")
    rec2.data.pop("abstractNote")
    _stored(lib, rec2, "low", Suggestion("abstractNote", "Short one.", "L", confidence=0.3))
    store.add(rec2.key, "high", [Suggestion("abstractNote", FULL, "H", confidence=0.9)])
    apply_safe(lib, [rec2.key])
    assert lib.get(rec2.key).get("abstractNote") == FULL


def test_repeated_suggestions_are_stored_once_and_rejections_stick(lib: Library) -> None:
    rec = seed_record()
    store = _stored(lib, rec, "a", Suggestion(SUBJECT, "History", "A"))
    first = store.add(rec.key, "a", [Suggestion(SUBJECT, "history", "A", confidence=0.7)])
    assert len(store.query(rec.key)) == 1 and first[0].confidence == 0.7
    reject(lib, [first[0].id], store)
    store.add(rec.key, "a", [Suggestion(SUBJECT, "History", "A")])
    assert store.query(rec.key) == [] and store.query(rec.key, "rejected")[0].value == "History"
    with pytest.raises(InvalidInputError, match="already rejected"):
        accept(lib, [first[0].id], store)
    with pytest.raises(NotFoundError, match="No suggestion with id 999"):
        reject(lib, [999], store)


def test_subjects_differing_in_case_or_trailing_punctuation_make_one_tag(lib: Library) -> None:
    """Services write the same keyword as "Fire." and "fire" or "Climate change;": one tag, without the stray mark."""
    rec = seed_record()
    rec.add_tag("Diplomacy")  # the user's own tag
    store = _stored(lib, rec, "a", Suggestion(SUBJECT, "Fire.", "A", confidence=0.9), Suggestion(SUBJECT, "Climate change;", "A"),
                    Suggestion(SUBJECT, "diplomacy.", "A"))
    store.add(rec.key, "b", [Suggestion(SUBJECT, "fire", "B", confidence=0.8), Suggestion(SUBJECT, "Climate change", "B")])
    store.add(rec.key, "a", [Suggestion(SUBJECT, "FIRE", "A", confidence=0.9)])  # the same value again from the same add-on
    store.add(rec.key, "c", [Suggestion(SUBJECT, "U.S.A.", "C")])
    assert len(store.query(rec.key)) == 6
    apply_safe(lib, [rec.key])
    assert sorted((t["tag"], t.get("type")) for t in lib.get(rec.key).tags) == [
        ("Climate change", 1), ("Diplomacy", None), ("Fire", 1), ("U.S.A.", 1)]
    statuses = {(s.plugin, s.value): s.status for s in store.query(rec.key, None)}
    assert statuses[("a", "diplomacy.")] == "present"
    assert statuses[("a", "Fire.")] == statuses[("a", "Climate change;")] == "accepted"
    assert [s.plugin for s in store.tag_provenance(lib.get(rec.key))["Fire"]] == ["a", "b"]
