"""Scenes for tools/screenshots.py: the journal picker and the review dialog, filled with plausible data
(no network: the picker is given its journal, the review reads suggestions stored in the throwaway library)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Grab = Callable[[Any, str], Any]


def journal_picker_scene(ctx: Any, window: Any, grab: Grab) -> None:
    from refdesk.gui.journal_picker import JournalPicker, JournalView
    from refdesk.model import Record

    titles = [
        "Diplomacy at the Genoa conference of 1922", "Soviet–British trade negotiations, 1921–1924",
        "The Lausanne conference and the Straits question", "Archives of the People's Commissariat for Foreign Affairs",
        "Recognition of the USSR by Great Britain in 1924", "The Hague conference on Russian debts",
        "Informal contacts between delegations in Genoa", "Press coverage of Soviet diplomacy in London",
        "Economic sanctions and their limits in the 1920s", "Curzon's ultimatum of 1923 revisited",
        "Chicherin and the new diplomacy", "Anglo-Soviet relations in British parliamentary debates",
    ]
    people = [("Sergeev", "E. Yu."), ("Ivanova", "O."), ("Smith", "J."), ("Petrov", "A. V."), ("Brown", "K.")]
    articles = []
    for n, title in enumerate(titles):
        rec = Record.new("journalArticle", "import:issn", title=title, date=f"{2024 - n % 4}-0{1 + n % 9}-01",
                         publicationTitle="Moscow University Bulletin of World Politics", DOI=f"10.48015/2076-7404-2024-{n:02d}")
        a, b = people[n % 5], people[(n + 2) % 5]
        rec.set("creators", [{"creatorType": "author", "lastName": a[0], "firstName": a[1]},
                             {"creatorType": "author", "lastName": b[0], "firstName": b[1]}][: 1 + n % 2], "import:issn")
        articles.append(rec)
    view = JournalView("2076-7404", "Moscow University Bulletin of World Politics", [
        ("ISSN", "2076-7404 (print), 2411-5347 (online)"), ("Publisher", "Moscow University Press"),
        ("Subjects", "Political Science and International Relations; History"), ("Open access", "yes (DOAJ)"),
        ("Homepage", "https://fmp.elpub.ru/jour"), ("Articles", "612 in Crossref"),
    ], articles)
    picker = JournalPicker(ctx, window.pool, "2076-7404", window, preloaded=view)
    picker.resize(980, 640)
    for row in (0, 2, 3):
        picker.check(row)
    picker.show()
    grab(picker, "journal-picker.png")
    picker.close()


def review_scene(ctx: Any, window: Any, grab: Grab) -> None:
    from refdesk.gui.review_dialog import ReviewDialog
    from refdesk.plugins.api import SUBJECT, Suggestion
    from refdesk.plugins.suggestions import SuggestionStore

    keys = [window.model.key_at(r) or "" for r in range(3)]
    store = SuggestionStore(ctx.library)
    for n, key in enumerate(keys):
        rec = ctx.library.get(key)
        full = rec.get("abstractNote")
        cut = full[: full.rfind(" ", 0, 90)] + "…"
        rec.set("abstractNote", cut, "web:highwire")
        rec.data.pop("language", None)
        ctx.library.save(rec, "web:highwire")
        found = [
            Suggestion("abstractNote", full, "Crossref",
                       f"https://api.crossref.org/works/{rec.get('DOI')}", 0.9),
            Suggestion(SUBJECT, "Earth-Surface Processes", "OpenAlex", "https://api.openalex.org/works/doi:" + rec.get("DOI"), 0.8),
            Suggestion(SUBJECT, "Soil Science", "Crossref (journal)", "", 0.7),
            Suggestion("language", "en", "OpenAlex", "", 0.95),
        ]
        store.add(key, "crossref" if n % 2 == 0 else "openalex", found)
    dlg = ReviewDialog(ctx, window, keys)
    dlg.resize(1180, 680)
    dlg.show()
    grab(dlg, "review-dialog.png")
    dlg.close()


def conflicts_scene(ctx: Any, window: Any, grab: Grab) -> None:
    from refdesk.zotero import conflicts
    from refdesk.zotero.conflicts import FieldConflict

    first, second = (window.model.key_at(r) or "" for r in (4, 5))
    title = ctx.library.get(first).title
    conflicts.record(ctx.library, "user", first, [
        FieldConflict("title", title, title + " (revised)", title.replace(" in ", " across ")),
        FieldConflict("date", "2012-03-01", "2012-03-14", "2013"),
    ], 41)
    conflicts.record(ctx.library, "user", second, [FieldConflict(
        "creators", [], [{"creatorType": "author", "lastName": "Sergeev", "firstName": "E. Yu."}],
        [{"creatorType": "author", "lastName": "Sergeev", "firstName": "Evgeny"},
         {"creatorType": "author", "lastName": "Smith", "firstName": "Jane"}])], 42)
    dlg = window.open_conflicts_dialog()
    dlg.resize(860, 520)
    dlg.choose(first, "title", "remote")
    grab(dlg, "sync-conflicts.png")
    dlg.close()
