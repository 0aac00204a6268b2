"""refdesk suggestions [KEY] | accept ID... | reject ID...: reviewing what add-ons proposed."""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence

from refdesk.app import AppContext
from refdesk.commands import add_command
from refdesk.errors import InvalidInputError
from refdesk.output import dump_json
from refdesk.plugins.suggestions import StoredSuggestion


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(
        sub,
        "suggestions",
        cmd_suggestions,
        "list pending suggestions (of KEY), or `accept ID...` / `reject ID...`",
        json="print the suggestions (or what was accepted or rejected) as JSON",
        description="refdesk suggestions [KEY]  |  refdesk suggestions accept ID...  |  refdesk suggestions reject ID...",
    )
    p.add_argument("args", nargs="*", metavar="KEY | accept ID... | reject ID...")
    p.add_argument("--status", choices=("pending", "accepted", "rejected", "present", "all"), default="pending",
                   help="which suggestions to list (default: pending)")


def _short(value: str, width: int = 70) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def print_suggestions(items: Sequence[StoredSuggestion], header: bool = True) -> None:
    by_key: dict[str, list[StoredSuggestion]] = defaultdict(list)
    for s in items:
        by_key[s.item_key].append(s)
    for key, group in by_key.items():
        if header:
            print(key)
        for s in group:
            size = f" ({len(s.value):,} chars)" if s.field == "abstractNote" else ""
            status = "" if s.status == "pending" else f" [{s.status}]"
            print(f"  [{s.id}] {s.field:<13} {_short(s.value)}{size}  — {s.provenance}, {s.confidence:.2f}{status}")
            if s.evidence_url:
                print(f"  {'':<{len(str(s.id)) + 2}} {'':<13} evidence: {s.evidence_url}")


def _ids(values: Sequence[str]) -> list[int]:
    if not values:
        raise InvalidInputError("Give the ids of the suggestions (as `refdesk suggestions` shows them)")
    try:
        return [int(v) for v in values]
    except ValueError:
        raise InvalidInputError(f"Suggestion ids are numbers, got {' '.join(values)}") from None


def cmd_suggestions(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.plugins import manager

    words: list[str] = args.args
    if words and words[0] in ("accept", "reject"):
        ids = _ids(words[1:])
        if words[0] == "accept":
            report = manager.accept(ctx, ids)
            if args.json:
                dump_json({"accepted": [s.to_json() for s in report.accepted], "changed": report.changed})
            else:
                for key, fields in report.changed.items():
                    print(f"{key}: {', '.join(fields)} updated")
                print_suggestions(report.accepted)
        else:
            rejected = manager.reject(ctx, ids)
            if args.json:
                dump_json({"rejected": [s.to_json() for s in rejected]})
            else:
                print(f"Rejected {len(rejected)} suggestion(s)")
        return 0
    if len(words) > 1:
        raise InvalidInputError("Give at most one record key (or `accept ID...` / `reject ID...`)")
    record_key = words[0] if words else None
    status = None if args.status == "all" else args.status
    items = manager.suggestions(ctx, record_key, status)
    tags = manager.tag_provenance(ctx, record_key) if record_key else {}
    if args.json:
        out: dict[str, object] = {"suggestions": [s.to_json() for s in items]}
        if record_key:
            out["tags"] = [{"tag": t, "sources": [s.to_json() for s in found]} for t, found in tags.items()]
        dump_json(out)
        return 0
    if items:
        print_suggestions(items)
    else:
        print(f"No {args.status if status else ''} suggestions{' for ' + record_key if record_key else ''}.".replace("  ", " "))
    if tags:
        print("Subjects and where they came from:")
        for tag, found in tags.items():
            origin = "; ".join(f"{s.provenance} ({s.confidence:.2f})" for s in found) or "user or import"
            print(f"  {tag}  — {origin}")
    return 0
