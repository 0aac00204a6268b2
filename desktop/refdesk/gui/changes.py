"""What changed in the library, told to the window once (``MainWindow.notify``) and heard by every pane.

A job's callback says what it did (``Changes(items=..., tags=True)``) instead of calling the refreshes it happens
to remember; each pane listens to ``MainWindow.changed`` and re-reads what concerns it: the table its rows, the
left pane its libraries and collections, the status bar and the Sync icon the sync state, Review its count. A new
feature then says what it changed and every pane follows, as Anki's ``operation_did_execute(OpChanges)`` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Changes:
    """One change to the library (or to the jobs running on it), as far as the window's panes care."""

    items: frozenset[str] = field(default_factory=frozenset)  # records added, edited, trashed, restored, deleted
    all_items: bool = False  # any record may have changed (a sync, a restored backup, a repair)
    libraries: bool = False  # libraries came or went or were renamed
    collections: bool = False  # collections made, renamed, moved or deleted
    tags: bool = False  # tags added, renamed or deleted
    suggestions: bool = False  # add-on suggestions stored or decided
    sync: bool = False  # last sync, conflicts, changes waiting
    trash: bool = False  # items went into or out of the Trash
    jobs: frozenset[str] = field(default_factory=frozenset)  # names of jobs that started or ended
    in_place: bool = False  # an edit the item pane made and shows already: re-read the rows without a reset

    @classmethod
    def of(cls, keys: Iterable[str], **kinds: bool) -> Changes:
        """A change to the records ``keys`` (and any other ``kinds``: ``tags=True``...)."""
        return cls(items=frozenset(keys), **kinds)  # type: ignore[arg-type]

    @classmethod
    def everything(cls) -> Changes:
        """Anything may have changed (a sync, a restored backup): every pane re-reads."""
        return cls(all_items=True, libraries=True, collections=True, tags=True, suggestions=True, sync=True, trash=True)

    def touches_items(self) -> bool:
        """The table's rows may differ."""
        return bool(self.items) or self.all_items or self.trash or self.tags

    def touches_sync(self) -> bool:
        """What waits for upload, the last sync or a running sync may differ."""
        return self.sync or self.touches_items() or self.collections or "sync" in self.jobs


NOTHING = Changes()
