"""Rough edges of the dialogs (issue 14): the conflicts dialog after the last conflict, the Zotero account dialog
(layout, a refused key in words, groups from the key's list), the review dialog (what is already there, the same
value twice, Accept All Safe saying why), and one journal under one name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from refdesk.app import AppContext
from refdesk.model import Record
from refdesk.plugins.api import SUBJECT, Suggestion
from refdesk.plugins.suggestions import SuggestionStore

from tests.gui.test_sync_ui import _login, _sync
from tests.servers.zotero import ZoteroServer
from tests.zotero_fixtures import USER_ID, MemoryKeyring, zotero_emulator


@pytest.fixture
def zserver(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[ZoteroServer]:
    with zotero_emulator(monkeypatch) as server:
        ctx.settings.zotero_api_url = server.url
        yield server


# -- conflicts -------------------------------------------------------------------------------------------------------
def test_after_the_last_conflict_the_buttons_and_the_status_bar_say_so(
    records: list[Any], window: Any, qtbot: Any, ctx: AppContext, zserver: ZoteroServer, memory_keyring: MemoryKeyring
) -> None:
    key = zserver.add_key(USER_ID, "alice")
    _login(window, qtbot, key).reject()
    _sync(window, qtbot)
    lib = zserver.library("user", USER_ID)
    target = records[0].key
    remote = zserver.item_data(lib)
    changed = dict(remote[target], key=target, version=lib.items[target].version, title="Title changed in Zotero")
    changed.pop("dateModified", None)
    zserver.put_items(lib, [changed])
    window.select_keys([target])
    qtbot.waitUntil(lambda: window.item_pane.record is not None and window.item_pane.record.key == target)
    window.item_pane.set_field("title", "Title changed in refdesk")
    _sync(window, qtbot)
    dlg = window.dialogs["conflicts"]
    assert "1 conflict needs a decision" in window.job_label.text()
    assert dlg.mine_button.isEnabled() and dlg.theirs_button.isEnabled()
    dlg.choose_all("local")
    dlg.apply_button.click()
    assert dlg.conflicts == []
    assert not dlg.apply_button.isEnabled() and not dlg.mine_button.isEnabled() and not dlg.theirs_button.isEnabled()
    assert "No conflicts left" in dlg.message.text()
    assert "conflict needs a decision" not in window.job_label.text()
    assert window.job_label.text().startswith("All sync conflicts are settled")
    dlg.reject()


# -- the Zotero account dialog -----------------------------------------------------------------------------------------
def test_a_refused_key_is_said_in_words_and_the_inputs_keep_their_size(
    window: Any, qtbot: Any, zserver: ZoteroServer, memory_keyring: MemoryKeyring
) -> None:
    from refdesk.gui.sync_ui import REFUSED_KEY

    zserver.add_key(USER_ID, "alice")
    dlg = window.open_account_dialog()
    dlg.user_id.setText(str(USER_ID))
    dlg.api_key.setText("not-a-real-key")
    dlg.verify_button.click()
    qtbot.waitUntil(lambda: dlg.worker is None and bool(dlg.message.property("error")), timeout=15000)
    text = dlg.message.text()
    assert text == REFUSED_KEY
    assert "{" not in text and "refdesk " not in text and "`" not in text
    qtbot.wait(50)
    for edit in (dlg.user_id, dlg.api_key):
        assert edit.height() >= edit.minimumSizeHint().height()
        assert edit.geometry().bottom() < dlg.groups.geometry().top() or edit is dlg.api_key
    assert dlg.groups.height() >= dlg.groups.minimumHeight()
    assert dlg.message.geometry().top() >= dlg.groups_hint.geometry().bottom()
    dlg.reject()


def test_groups_are_ticked_in_the_list_the_key_can_see(
    window: Any, qtbot: Any, ctx: AppContext, zserver: ZoteroServer, memory_keyring: MemoryKeyring
) -> None:
    zserver.add_group(4711, "Peat lab")
    zserver.add_group(815, "Arctic reading group")
    key = zserver.add_key(USER_ID, "alice")
    dlg = window.open_account_dialog()
    assert dlg.groups.count() == 0 and "once the key is verified" in dlg.groups_hint.text()
    dlg.user_id.setText(str(USER_ID))
    dlg.api_key.setText(key)
    with qtbot.waitSignal(dlg.logged_in, timeout=15000):
        dlg.verify_button.click()
    assert [dlg.groups.item(i).text() for i in range(dlg.groups.count())] == [
        "Arctic reading group (815)", "Peat lab (4711)"]
    assert dlg.checked_groups() == []
    dlg.tick_group("4711")
    with qtbot.waitSignal(dlg.logged_in, timeout=15000):
        dlg.verify_button.click()  # the key is in the keyring now: no need to paste it again
    assert ctx.settings.zotero_groups == ["4711"]
    dlg.reject()
    again = window.open_account_dialog()
    qtbot.waitSignal(again.groups_listed, timeout=15000).wait()
    assert again.checked_groups() == ["4711"] and again.groups.count() == 2
    again.reject()


# -- review ----------------------------------------------------------------------------------------------------------
def test_review_offers_each_new_value_once_and_accept_all_safe_says_why(window: Any, ctx: AppContext) -> None:
    rec = Record.new("journalArticle", "web:highwire", title="Peat fires", DOI="10.5555/p", abstractNote="Peat burns.")
    rec.add_tag("Peat", automatic=False)
    ctx.library.add(rec)
    store = SuggestionStore(ctx.library)
    store.add(rec.key, "openalex", [
        Suggestion(SUBJECT, "peat.", "OpenAlex"),  # a tag already
        Suggestion(SUBJECT, "Wildfire", "OpenAlex", confidence=0.6),
        Suggestion("abstractNote", "Peat burns.", "OpenAlex"),  # the abstract it has
        Suggestion("language", "en", "OpenAlex"),
    ])
    store.add(rec.key, "crossref", [
        Suggestion(SUBJECT, "wildfire", "Crossref", confidence=0.9),  # the same subject from another add-on
        Suggestion("title", "Peat fires in Siberia", "Crossref"),
    ])
    dlg = window.open_review_dialog([rec.key])
    rows = {(dlg.by_id[int(i.data(0, 20 + 256))].field, i.text(2)): i for i in dlg.items()}
    assert sorted(rows) == [("language", "en"), (SUBJECT, "wildfire"), ("title", "Peat fires in Siberia")]
    assert rows[(SUBJECT, "wildfire")].text(3) == "Crossref, OpenAlex"
    assert "Crossref via" not in " ".join(i.text(3) for i in dlg.items())
    assert {s.status for s in store.query(rec.key, None) if s.value in ("peat.", "Peat burns.")} == {"present"}
    assert window.update_review_count() == 4  # the four rows' suggestions (the two wildfires are one row)

    dlg.safe_button.click()
    stored = ctx.library.get(rec.key)
    assert stored.get("language") == "en" and "wildfire" in [t.casefold() for t in stored.tag_names()]
    assert stored.title == "Peat fires"  # the safe policy never replaces a value
    assert [(dlg.by_id[int(i.data(0, 20 + 256))].field) for i in dlg.items()] == ["title"]
    text = dlg.message.text()
    assert text.startswith("Accept All Safe accepted") and "1 is left for you" in text and "replace a value" in text
    assert dlg.tree.currentItem() is dlg.items()[0]
    assert "Peat fires in Siberia" in dlg.suggested_view.toPlainText()  # the detail shows the row that is there
    dlg.reject_item(rec.key, "title")
    assert dlg.items() == [] and dlg.suggested_view.toPlainText() == "" and dlg.current_view.toPlainText() == ""
    dlg.reject()


def test_rejecting_a_value_two_add_ons_proposed_rejects_both(window: Any, ctx: AppContext) -> None:
    rec = Record.new("journalArticle", "web:highwire", title="Peat fires")
    ctx.library.add(rec)
    store = SuggestionStore(ctx.library)
    store.add(rec.key, "openalex", [Suggestion(SUBJECT, "Fire", "OpenAlex")])
    store.add(rec.key, "doaj", [Suggestion(SUBJECT, "fire.", "DOAJ")])
    dlg = window.open_review_dialog([rec.key])
    assert len(dlg.items()) == 1
    dlg.reject_item(rec.key, SUBJECT)
    assert {s.status for s in store.query(rec.key, None)} == {"rejected"}
    dlg.reject()


# -- one journal, one name ----------------------------------------------------------------------------------------------
def test_an_issn_import_keeps_the_name_the_library_has_for_the_journal(ctx: AppContext) -> None:
    from refdesk.importers.journal import records_for
    from refdesk.importers.journal_sources.types import ArticleHit

    by_url = Record.new("journalArticle", "web:highwire", title="Советская дипломатия", ISSN="2076-7404",
                        publicationTitle="Вестник МГИМО-Университета")
    ctx.library.add(by_url)
    hits = [ArticleHit(title="British diplomacy", journal_title="MGIMO Review of International Relations",
                       issns=["2076-7404", "2541-9099"], doi="10.24833/x", sources=["Crossref"]),
            ArticleHit(title="Another journal", journal_title="Forests", issns=["1999-4907"], sources=["Crossref"])]
    first, second = records_for(ctx, hits)
    assert first.get("publicationTitle") == "Вестник МГИМО-Университета"
    assert "MGIMO Review of International Relations" in first.get("extra")
    assert first.provenance["publicationTitle"].source == "import:issn:library"
    assert second.get("publicationTitle") == "Forests" and second.get("extra") == ""
    ctx.library.import_record(first, "import:issn")
    publications = {r.publication() for r in ctx.library.records() if r.get("ISSN").startswith("2076-7404")}
    assert publications == {"Вестник МГИМО-Университета"}
