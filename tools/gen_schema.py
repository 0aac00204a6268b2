"""Regenerate desktop/refdesk/data/zotero_schema.json from Zotero's global schema.

Usage: python tools/gen_schema.py PATH/TO/zotero-schema/schema.json

Keeps only what refdesk needs at run time (item types with their fields, base
fields and creator types; the CSL mappings), so the app ships the facts of the
schema without its 390 KB of locales.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "desktop/refdesk/data/zotero_schema.json"


def main(src: str) -> None:
    schema = json.loads(Path(src).read_text(encoding="utf-8"))
    item_types = {}
    for entry in schema["itemTypes"]:
        item_types[entry["itemType"]] = {
            "fields": [
                [f["field"], f["baseField"]] if "baseField" in f else [f["field"]]
                for f in entry["fields"]
            ],
            "creatorTypes": [c["creatorType"] for c in entry["creatorTypes"]],
        }
    out = {
        "version": schema["version"],
        "itemTypes": item_types,
        "csl": schema["csl"],
        "locale": {
            "itemTypes": schema["locales"]["en-US"]["itemTypes"],
            "fields": schema["locales"]["en-US"]["fields"],
            "creatorTypes": schema["locales"]["en-US"]["creatorTypes"],
        },
    }
    OUT.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
