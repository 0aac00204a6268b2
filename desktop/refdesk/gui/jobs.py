"""The GUI's background jobs: thin wrappers that call the core and report progress.

Each function runs on a worker thread (see ``workers.py``); it takes the
``AppContext`` and the ``Task`` and returns a plain result object. No Qt here
beyond the Task protocol, and no import, export or sync logic either: that is the
core's.
"""

from __future__ import annotations

from pathlib import Path

from refdesk.app import AppContext
from refdesk.errors import RefdeskError
from refdesk.gui.workers import Cancelled, Task
from refdesk.identifiers import Identifier, describe
from refdesk.importing import ImportCancelled, ImportSummary, import_inputs
from refdesk.importing import store_records as _store_records
from refdesk.library import Library
from refdesk.model import Record

__all__ = ["ImportSummary", "import_identifier", "import_identifiers", "store_records"]


def store_records(ctx: AppContext, task: Task, records: list[Record], source: str, what: str) -> ImportSummary:
    """Store records already fetched (the journal picker's) in one transaction; cancel stores none of them."""
    try:
        return _store_records(ctx.library, records, source, what, progress=task.progress, cancel=task.cancel_event)
    except ImportCancelled:
        raise Cancelled() from None


def _import(ctx: AppContext, task: Task, items: list[tuple[str, Identifier]], what: str) -> ImportSummary:
    """The core's ``import_inputs`` on a library connection of the job's own: a long file's transaction never
    holds the connection the window reads through; cancel rolls back the input being stored."""
    with Library.open(ctx.library_path) as lib:
        try:
            return import_inputs(ctx, items, progress=task.progress, cancel=task.cancel_event, what=what, library=lib,
                                 say=task.say)
        except ImportCancelled:
            raise Cancelled() from None


def import_identifier(ctx: AppContext, task: Task, ident: Identifier) -> ImportSummary:
    """Fetch the records for a URL, DOI, ISBN or file and store them; a failure is the job's error."""
    what = describe(ident)
    task.progress(0, 0, f"Fetching {what}…")
    summary = _import(ctx, task, [(ident.value, ident)], what)
    if summary.failed:
        raise RefdeskError(summary.failed[0][1])
    return summary


def import_identifiers(ctx: AppContext, task: Task, items: list[tuple[str, Identifier]], what: str) -> ImportSummary:
    """Fetch (URLs and DOIs at once) and store several inputs; one that fails is noted in ``failed``, the rest go on."""
    return _import(ctx, task, items, what)


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
