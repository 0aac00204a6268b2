"""The review dialog's rough edges (issue 14), each checked: no subject that is already a tag, no abstract the item
already has, one row for a value two add-ons propose, a provenance that says each thing once, and Accept All Safe
saying what became of every row while the detail panes show only a row that is there."""

from __future__ import annotations

from typing import Any

from refdesk.app import AppContext
from refdesk.model import Record
from refdesk.plugins.api import SUBJECT, Suggestion
from refdesk.plugins.suggestions import SuggestionStore

from tests.gui import conftest as gui

window = gui.window  # the app's fixtures (tests/gui/conftest.py is not this folder's)
_clear_clipboard = gui._clear_clipboard

ABSTRACT = "Peat fires burn for months.\n\nThey release old carbon."


def _record(ctx: AppContext) -> Record:
    rec = Record.new("journalArticle", "web:highwire", title="Peat fires", abstractNote=ABSTRACT)
    rec.add_tag("Peat", automatic=False)
    rec.add_tag("Carbon cycle", automatic=True)
    ctx.library.add(rec)
    return rec


def _rows(dlg: Any) -> dict[tuple[str, str], Any]:
    return {(dlg.by_id[int(i.data(0, 20 + 256))].field, i.text(2)): i for i in dlg.items()}


def test_values_the_item_has_are_not_offered_and_one_value_is_one_row(window: Any, ctx: AppContext) -> None:
    rec = _record(ctx)
    store = SuggestionStore(ctx.library)
    store.add(rec.key, "openalex", [
        Suggestion(SUBJECT, "PEAT;", "OpenAlex topic"),  # a tag already, up to case and a trailing mark
        Suggestion(SUBJECT, "carbon cycle", "OpenAlex topic"),  # an automatic tag already
        Suggestion("abstractNote", "Peat fires  burn for months.\n\n\nThey release old carbon.", "OpenAlex"),  # same text
        Suggestion(SUBJECT, "Wildfires", "OpenAlex topic", confidence=0.4),
    ])
    store.add(rec.key, "crossref", [Suggestion(SUBJECT, "wildfires.", "Crossref", confidence=0.9)])
    dlg = window.open_review_dialog([rec.key])
    rows = _rows(dlg)
    assert list(rows) == [(SUBJECT, "wildfires.")]  # the most confident form of the one new subject
    assert rows[(SUBJECT, "wildfires.")].text(3) == "Crossref, OpenAlex topic via openalex"
    assert rows[(SUBJECT, "wildfires.")].text(4) == "90%"
    settled = {s.value: s.status for s in store.query(rec.key, None)}
    assert settled["PEAT;"] == settled["carbon cycle"] == "present" and settled["Wildfires"] == "pending"
    assert "1 suggestion to review" in dlg.message.text()
    dlg.reject()


def test_provenance_says_the_service_once_when_it_is_the_add_on(window: Any, ctx: AppContext) -> None:
    rec = Record.new("journalArticle", "web:highwire", title="Peat")
    ctx.library.add(rec)
    SuggestionStore(ctx.library).add(rec.key, "crossref", [Suggestion("language", "en", "Crossref")])
    dlg = window.open_review_dialog([rec.key])
    (row,) = dlg.items()
    assert row.text(3) == "Crossref"
    dlg.tree.setCurrentItem(row)
    assert dlg.suggested_view.toPlainText().startswith("Suggested by Crossref")
    assert "via crossref" not in dlg.suggested_view.toPlainText()
    dlg.reject()


def test_accept_all_safe_says_what_became_of_each_row_and_the_panes_follow(window: Any, ctx: AppContext) -> None:
    rec = _record(ctx)
    store = SuggestionStore(ctx.library)
    store.add(rec.key, "openalex", [
        Suggestion("language", "en", "OpenAlex"),
        Suggestion(SUBJECT, "Wildfires", "OpenAlex"),
        Suggestion("title", "Peat fires in Siberia", "OpenAlex"),
    ])
    store.add(rec.key, "crossref", [Suggestion(SUBJECT, "wildfires.", "Crossref")])  # one subject, two add-ons
    dlg = window.open_review_dialog([rec.key])
    assert len(dlg.items()) == 3
    dlg.tree.setCurrentItem(dlg.item_for(rec.key, "language"))
    dlg.safe_button.click()
    text = dlg.message.text()
    assert text.startswith("Accept All Safe accepted 2 suggestions: filled or completed Language; added 1 subject "
                           "as automatic tags."), text
    assert "set aside" not in text  # nothing was
    assert "1 is left for you: each would replace a value already in the item" in text
    (left,) = dlg.items()
    assert dlg.by_id[int(left.data(0, 20 + 256))].field == "title"
    assert dlg.tree.currentItem() is left  # the row shown in the panes is one that is there
    assert "Peat fires in Siberia" in dlg.suggested_view.toPlainText() and "Peat fires" in dlg.current_view.toPlainText()
    dlg.reject_item(rec.key, "title")
    assert dlg.items() == [] and dlg.suggested_view.toPlainText() == "" and dlg.current_view.toPlainText() == ""
    dlg.reject()


def test_accept_all_safe_with_nothing_safe_says_so(window: Any, ctx: AppContext) -> None:
    rec = _record(ctx)
    SuggestionStore(ctx.library).add(rec.key, "openalex", [Suggestion("title", "Another title", "OpenAlex")])
    dlg = window.open_review_dialog([rec.key])
    dlg.safe_button.click()
    text = dlg.message.text()
    assert text.startswith("Accept All Safe accepted 0 suggestions.") and "1 is left for you" in text
    assert "set aside" not in text and len(dlg.items()) == 1
    dlg.reject()


def test_rows_that_left_without_being_accepted_are_said_to_be_set_aside() -> None:
    from types import SimpleNamespace

    from refdesk.gui.review_dialog import safe_summary
    from refdesk.plugins.suggestions import ApplyReport

    report = ApplyReport(accepted=[SimpleNamespace(id=1, field="language")])  # type: ignore[list-item]
    text = safe_summary(report, {1: {1}, 2: {2, 3}, 4: {4}}, {4})
    assert text.startswith("Accept All Safe accepted 1 suggestion: filled or completed Language.")
    assert "1 was set aside" in text and "1 is left for you" in text
