"""Export: one function for the CLI's ``export --output`` and the app's File → Export.

The file is written beside its target as ``NAME.part`` and renamed over it when complete, so a
failure (a full disk, a cancel) never leaves half a file under the name the user chose, and the
library file itself is never a target.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from refdesk.app import AppContext
from refdesk.errors import InvalidInputError, RefdeskError
from refdesk.library.connection import is_library_file
from refdesk.model import Record
from refdesk.output import shown

#: (done, total, message) while the records are read.
ExportProgress = Callable[[int, int, str], None]


class ExportCancelled(RefdeskError):
    """The export was cancelled; nothing was written."""


def export_records(ctx: AppContext, keys: Sequence[str]) -> list[Record]:
    """The records of ``keys`` (each once, in the order given), or every record outside the Trash when none."""
    lib = ctx.library
    return [lib.get(k) for k in dict.fromkeys(keys)] if keys else lib.records()


def export_file(
    ctx: AppContext, keys: Sequence[str], fmt: str, path: Path | str, *,
    progress: ExportProgress | None = None, cancel: threading.Event | None = None,
) -> int:
    """Write the records of ``keys`` (all when empty) to ``path`` in ``fmt``; how many were written."""
    from refdesk.importers.files import write

    target = Path(path)
    if is_library_file(target, ctx.library_path):
        raise InvalidInputError(f"Cannot write {shown(str(target))}: it is the library itself; choose another file")
    lib = ctx.library
    if keys:
        unique = list(dict.fromkeys(keys))
        records = []
        for n, key in enumerate(unique, 1):
            if cancel is not None and cancel.is_set():
                raise ExportCancelled("Export cancelled; nothing was written")
            records.append(lib.get(key))
            if progress is not None and n % 200 == 0:
                progress(n, len(unique), f"Reading {n} of {len(unique)}")
    else:
        records = lib.records()
    text = write(records, fmt)
    if cancel is not None and cancel.is_set():
        raise ExportCancelled("Export cancelled; nothing was written")
    write_atomically(target, text)
    return len(records)


def write_atomically(path: Path, text: str) -> None:
    """``text`` to ``path`` through ``path.part``; a plain sentence (InvalidInputError) when it cannot be written."""
    tmp = path.with_name(path.name + ".part")
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(path))
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except IsADirectoryError:
        raise InvalidInputError(f"Cannot write {shown(str(path))}: it is a folder; give a file name") from None
    except FileNotFoundError:
        parent = os.path.dirname(str(path)) or "."
        raise InvalidInputError(f"Cannot write {shown(str(path))}: no such folder {shown(parent)}") from None
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise InvalidInputError(f"Cannot write {shown(str(path))}: {exc.strerror or exc}") from None
