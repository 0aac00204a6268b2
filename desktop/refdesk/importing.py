"""Importing inputs: one function for ``refdesk import`` and the app's Add and Import (issue 17).

``import_inputs`` takes files, URLs, DOIs and ISSNs in the order given. Several URLs and DOIs are fetched at
once (``importers.web.import_urls``, each host within its limit) before anything is stored; each input is then
stored in one transaction, so an input that fails, or is cancelled, leaves nothing of itself behind while the
inputs before it stay. A file is read and stored as a stream, in batches, inside its transaction: memory stays
flat whatever its size, and a damaged record anywhere in it rolls the whole file back, the error naming its line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from refdesk.app import AppContext
from refdesk.errors import ImporterError, RefdeskError
from refdesk.identifiers import Identifier, Kind, classify, describe
from refdesk.importers.dispatch import ImportOptions, records_for
from refdesk.library import ImportOutcome, Library
from refdesk.model import Record
from refdesk.output import shown

if TYPE_CHECKING:
    from refdesk.importers.web import UrlResult

#: (done, total, message): ``total`` 0 when unknown; for a file, bytes read of its size.
Progress = Callable[[int, int, str], None]
#: An input as typed, or already classified (the app classifies as the user types).
Input = str | tuple[str, Identifier]
#: Records stored (and deduplicated) between two looks at ``cancel`` and two progress reports.
BATCH = 500
#: Outcomes kept with their records in a summary; the rest are counted (a file of 100,000 records stays small).
KEEP_OUTCOMES = 1000


class ImportCancelled(RefdeskError):
    """The import was cancelled: the input being stored was rolled back; ``summary`` is what was stored before."""

    def __init__(self, summary: ImportSummary) -> None:
        super().__init__("Import cancelled")
        self.summary = summary


@dataclass
class ImportSummary:
    """What an import stored, for the status bar, the CLI's exit code and selecting the new rows."""

    what: str
    outcomes: list[ImportOutcome] = field(default_factory=list)  # the first KEEP_OUTCOMES, records included
    failed: list[tuple[str, str]] = field(default_factory=list)  # (input as given, why it was not imported)
    exit_codes: list[int] = field(default_factory=list)  # one per failed input
    keys: list[str] = field(default_factory=list)  # every record stored, in order
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def _take(self, outcomes: list[ImportOutcome], keys: list[str], counts: dict[str, int]) -> None:
        """One input's outcomes, once its transaction is committed."""
        room = KEEP_OUTCOMES - len(self.outcomes)
        self.outcomes.extend(outcomes[:room])
        self.keys.extend(keys)
        self.added += counts["added"]
        self.updated += counts["updated"]
        self.unchanged += counts["unchanged"]

    def message(self) -> str:
        stored = self.added + self.updated + self.unchanged
        if not stored and not self.failed:
            return f"Nothing found for {self.what}"
        parts = [] if stored else ["nothing added"]
        if self.added:
            parts.append(f"added {self.added:,}")
        if self.updated:
            parts.append(f"updated {self.updated:,}")
        if self.unchanged:
            parts.append(f"{self.unchanged:,} already in the library")
        if self.failed:
            parts.append(f"{len(self.failed)} could not be added ({self.failed[0][1]}"
                         + (f", and {len(self.failed) - 1} more)" if len(self.failed) > 1 else ")"))  # fmt: skip
        title = self.outcomes[0].record.title if stored == 1 and self.outcomes else ""
        return f"{self.what}: " + ", ".join(parts) + (f" — {title}" if title else "")


def source_for(kind: Kind) -> str:
    """The provenance source of records imported from an input of this kind (``import:file``, ``import:doi``...)."""
    return f"import:{kind.value}"


def readable(exc: BaseException) -> str:
    """An error as a sentence: a RefdeskError as written, an OSError as its reason and file."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}{f' ({shown(str(exc.filename))})' if exc.filename else ''}"
    return str(exc)


def import_inputs(
    ctx: AppContext,
    inputs: Sequence[Input],
    options: ImportOptions | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    *,
    what: str = "",
    library: Library | None = None,
    say: Callable[[str], None] = print,
    on_outcome: Callable[[ImportOutcome], None] | None = None,
    on_input: Callable[[str, str | None], None] | None = None,
) -> ImportSummary:
    """Import each input in turn, each in one transaction; one that fails is named in ``failed``, the rest go on.

    ``on_outcome`` is called as each record is stored, inside its input's transaction; ``on_input(text, error)``
    once the input is committed (``error`` None) or rolled back (``error`` why), so a caller that shows records
    shows only what was kept. ``cancel`` is looked at between batches: the input being stored is rolled back and
    ``ImportCancelled`` carries what the inputs before it stored. ``library`` defaults to ``ctx.library`` (the
    app passes a connection of the job's own, so its window keeps reading while a long file goes in).
    """
    options = options or ImportOptions()
    lib = library or ctx.library
    items = [_classified(text) for text in inputs]
    summary = ImportSummary(what or (items[0][0].strip() if len(items) == 1 else f"{len(items)} inputs"))
    fetched = _fetch_web(ctx, items, options.refresh, progress, cancel)
    for n, (text, ident) in enumerate(items):
        _check(cancel, summary)
        if progress is not None and len(items) > 1 and isinstance(ident, Identifier):
            progress(n, len(items), f"Importing {describe(ident)} ({n + 1} of {len(items)})…")
        try:
            if isinstance(ident, RefdeskError):
                raise ident
            if n in fetched:
                result = fetched[n]
                if result.error is not None:
                    raise result.error
                records: Iterable[Record] = result.records
                stream: _FileProgress | None = None
            else:
                records, stream = _records(ctx, ident, options, say)
            _store(lib, records, source_for(ident.kind), summary, stream, progress, cancel, on_outcome)
        except ImportCancelled:
            if on_input is not None:
                on_input(text, "cancelled: nothing from it was stored")
            raise
        except (RefdeskError, OSError) as exc:
            summary.failed.append((text, readable(exc)))
            summary.exit_codes.append(exc.exit_code if isinstance(exc, RefdeskError) else 1)
            if on_input is not None:
                on_input(text, readable(exc))
            continue
        if on_input is not None:
            on_input(text, None)
    if progress is not None and len(items) > 1:
        progress(len(items), len(items), "")
    return summary


def store_records(
    lib: Library, records: Sequence[Record], source: str, what: str, *,
    progress: Progress | None = None, cancel: threading.Event | None = None,
) -> ImportSummary:
    """Store records already fetched (dedupe included) in one transaction; cancel stores none of them."""
    summary = ImportSummary(what)
    _store(lib, records, source, summary, _CountProgress(len(records)), progress, cancel, None)
    return summary


def _classified(item: Input) -> tuple[str, Identifier | RefdeskError]:
    if isinstance(item, tuple):
        return item
    try:
        return item, classify(item)
    except RefdeskError as exc:
        return item, exc


def _check(cancel: threading.Event | None, summary: ImportSummary) -> None:
    if cancel is not None and cancel.is_set():
        raise ImportCancelled(summary)


def _fetch_web(
    ctx: AppContext, items: list[tuple[str, Identifier | RefdeskError]], refresh: bool,
    progress: Progress | None, cancel: threading.Event | None,
) -> dict[int, UrlResult]:
    """With several URLs and DOIs among the inputs: all fetched at once, by input position (stored later, in order)."""
    web = {n: ident.value for n, (_text, ident) in enumerate(items)
           if isinstance(ident, Identifier) and ident.kind in (Kind.URL, Kind.DOI)}  # fmt: skip
    if len(web) < 2:
        return {}
    from refdesk.importers.web import import_urls

    done = 0
    lock = threading.Lock()

    def count(_result: UrlResult) -> None:
        nonlocal done
        with lock:
            done += 1
            if progress is not None:
                progress(done, len(web), f"Fetched {done} of {len(web)}")

    results = import_urls(ctx, list(web.values()), refresh=refresh, on_done=count)
    return dict(zip(web, results, strict=True))


class _FileProgress:
    """How far into a file the records stored so far came from."""

    def __init__(self, name: str, done: Callable[[], int], size: int) -> None:
        self.name, self.done, self.size = name, done, size


class _CountProgress(_FileProgress):
    """Progress through records already in memory, counted as they are stored."""

    def __init__(self, total: int) -> None:
        super().__init__("", lambda: self.stored, total)
        self.stored = 0


def _records(
    ctx: AppContext, ident: Identifier, options: ImportOptions, say: Callable[[str], None]
) -> tuple[Iterable[Record], _FileProgress | None]:
    """The records of one input: a file as a stream (with its progress), anything else fetched whole."""
    if ident.kind is not Kind.FILE:
        return records_for(ctx, ident, options, say), None
    from refdesk.importers.files import open_file
    from refdesk.library.connection import is_library_file

    if is_library_file(ident.value, ctx.library_path):
        raise ImporterError(f"{ident.value} is the library itself, not a file to import; it was left untouched")
    opened = open_file(ident.value)
    return opened.records(), _FileProgress(shown(Path(ident.value).name), lambda: opened.done, opened.size)


def _batches(records: Iterable[Record]) -> Iterator[list[Record]]:
    it = iter(records)
    while batch := list(islice(it, BATCH)):
        yield batch


def _store(
    lib: Library, records: Iterable[Record], source: str, summary: ImportSummary, stream: _FileProgress | None,
    progress: Progress | None, cancel: threading.Event | None, on_outcome: Callable[[ImportOutcome], None] | None,
) -> None:
    """Store one input's records in one transaction, batch by batch; the summary takes them once committed."""
    outcomes: list[ImportOutcome] = []
    keys: list[str] = []
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    with lib.transaction():
        for batch in _batches(records):
            _check(cancel, summary)
            for outcome in lib.import_many(batch, source):  # the outcomes of one record at a time, the new works together
                counts[outcome.status] += 1
                keys.append(outcome.record.key)
                if len(outcomes) < KEEP_OUTCOMES:
                    outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
            if isinstance(stream, _CountProgress):
                stream.stored = len(keys)
                if progress is not None:
                    progress(stream.stored, stream.size, f"Saved {stream.stored:,} of {stream.size:,}")
            elif progress is not None and stream is not None:
                scale = 1024 if stream.size >= 1 << 31 else 1  # Qt's progress takes a 32-bit int: KiB past 2 GiB
                progress(stream.done() // scale, stream.size // scale, f"Importing {stream.name}: {len(keys):,} records")
        _check(cancel, summary)
    summary._take(outcomes, keys, counts)


__all__ = ["BATCH", "ImportCancelled", "ImportOptions", "ImportSummary", "import_inputs", "readable", "source_for", "store_records"]
