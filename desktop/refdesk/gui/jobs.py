"""The GUI's background jobs: thin wrappers that call the core and report progress.

Each function runs on a worker thread (see ``workers.py``); it takes the
``AppContext`` and the ``Task`` and returns a plain result object. No Qt here
beyond the Task protocol, and no import, export or sync logic either: that is the
core's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from refdesk.app import AppContext
from refdesk.gui.workers import Cancelled, Task
from refdesk.identifiers import Identifier, Kind, describe
from refdesk.library import ImportOutcome
from refdesk.model import Record


@dataclass
class ImportSummary:
    """What an import did, for the status bar and for selecting the new rows."""

    what: str
    outcomes: list[ImportOutcome] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (input as given, why it was not imported)

    @property
    def keys(self) -> list[str]:
        return [o.record.key for o in self.outcomes]

    def message(self) -> str:
        added = sum(o.status == "added" for o in self.outcomes)
        updated = sum(o.status == "updated" for o in self.outcomes)
        same = sum(o.status == "unchanged" for o in self.outcomes)
        if not self.outcomes and not self.failed:
            return f"Nothing found for {self.what}"
        parts = [] if self.outcomes else ["nothing added"]
        if added:
            parts.append(f"added {added}")
        if updated:
            parts.append(f"updated {updated}")
        if same:
            parts.append(f"{same} already in the library")
        if self.failed:
            parts.append(f"{len(self.failed)} could not be added ({self.failed[0][1]}"
                         + (f", and {len(self.failed) - 1} more)" if len(self.failed) > 1 else ")"))
        title = self.outcomes[0].record.title if len(self.outcomes) == 1 else ""
        return f"{self.what}: " + ", ".join(parts) + (f" — {title}" if title else "")


def source_for(kind: Kind) -> str:
    return f"import:{kind.value}"


def store_records(ctx: AppContext, task: Task, records: list[Record], source: str, what: str) -> ImportSummary:
    """Store records one by one (dedupe in the core); stops between records when cancelled."""
    summary = ImportSummary(what)
    total = len(records)
    for n, rec in enumerate(records, 1):
        task.check()
        summary.outcomes.append(ctx.library.import_record(rec, source))
        task.progress(n, total, f"Saved {n} of {total}")
    return summary


def import_identifier(ctx: AppContext, task: Task, ident: Identifier) -> ImportSummary:
    """Fetch the records for a URL, DOI, ISBN or file and store them."""
    from refdesk.importers.dispatch import ImportOptions, records_for

    what = describe(ident)
    task.progress(0, 0, f"Fetching {what}…")
    records = records_for(ctx, ident, ImportOptions(), task.say)
    task.check()
    return store_records(ctx, task, records, source_for(ident.kind), what)


def import_identifiers(ctx: AppContext, task: Task, items: list[tuple[str, Identifier]], what: str) -> ImportSummary:
    """Fetch and store several inputs in turn; one that fails is noted in ``failed`` and the rest go on."""
    from refdesk.errors import RefdeskError
    from refdesk.gui.workers import readable_error
    from refdesk.importers.dispatch import ImportOptions, records_for

    summary = ImportSummary(what)
    for n, (text, ident) in enumerate(items):
        task.check()
        task.progress(n, len(items), f"Fetching {describe(ident)} ({n + 1} of {len(items)})…")
        try:
            records = records_for(ctx, ident, ImportOptions(), task.say)
        except (RefdeskError, OSError) as exc:
            summary.failed.append((text, readable_error(exc)))
            continue
        for rec in records:
            task.check()
            summary.outcomes.append(ctx.library.import_record(rec, source_for(ident.kind)))
    task.progress(len(items), len(items), "")
    return summary


def export_records(ctx: AppContext, task: Task, keys: list[str], fmt: str, path: Path) -> int:
    """The app's File → Export: the core's ``export_file``, with the task's progress and cancel."""
    from refdesk.exporting import ExportCancelled, export_file

    try:
        return export_file(ctx, keys, fmt, path, progress=task.progress, cancel=task.cancel_event)
    except ExportCancelled:
        raise Cancelled() from None


def remove_records(ctx: AppContext, keys: list[str]) -> int:
    """Move records to the Trash with their children (``Library.trash``, as ``refdesk remove``); how many moved."""
    return len(ctx.library.trash(keys))


def restore_records(ctx: AppContext, keys: list[str]) -> int:
    """Bring records back from the Trash (``Library.restore``, as ``refdesk trash restore``); how many came back."""
    return len(ctx.library.restore(keys))


def empty_trash(ctx: AppContext, keys: list[str] | None) -> int:
    """Delete for good the Trash, or ``keys`` in it (``Library.empty_trash``, as ``refdesk trash empty``)."""
    return len(ctx.library.empty_trash(keys))
