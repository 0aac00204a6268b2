"""Write PNGs of the desktop app to screenshots/ (run by `make screenshots` under xvfb-run).

Builds a throwaway library of ~50 plausible records in a temporary folder, so the
user's own library and settings are never touched, then grabs the main window,
the journal picker, the review dialog, the sync conflicts dialog, three items
selected, the item pane with its empty fields hidden, a 900×600 window and the
dark palette.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"

TOPICS = [
    "soil organic carbon", "permafrost thaw", "boreal forest fires", "peatland methane", "snow cover",
    "river ice break-up", "tundra greening", "lake sediment records", "wetland restoration", "glacier retreat",
]
KINDS = ["Long-term trends in", "A field study of", "Modelling", "Remote sensing of", "Drivers of",
         "Uncertainty in estimates of", "Microbial controls on", "A review of"]
PLACES = ["Siberia", "northern Canada", "Fennoscandia", "the Tibetan Plateau", "Alaska", "Yakutia", "Svalbard"]
AUTHORS = [("Sergeev", "Evgeny"), ("Ivanova", "Olga"), ("Smith", "Jane"), ("Berg", "Nils"), ("Chen", "Wei"),
           ("García", "Lucía"), ("Müller", "Jonas"), ("Okafor", "Ada"), ("Tanaka", "Yuki"), ("Novak", "Petra"),
           ("Larsen", "Mette"), ("Kowalski", "Piotr")]
JOURNALS = ["Biogeosciences", "Global Change Biology", "The Cryosphere", "Journal of Ecology",
            "Environmental Research Letters", "Permafrost and Periglacial Processes", "Forests"]


def make_records(n: int = 50) -> list[Any]:
    from refdesk.model import Record

    rnd = random.Random(7)
    out = []
    for i in range(n):
        topic = rnd.choice(TOPICS)
        title = f"{rnd.choice(KINDS)} {topic} in {rnd.choice(PLACES)}"
        rec = Record.new(
            "journalArticle", "import:doi", title=title, publicationTitle=rnd.choice(JOURNALS),
            date=f"{rnd.randint(1998, 2025)}-{rnd.randint(1, 12):02d}-01", volume=str(rnd.randint(3, 60)),
            issue=str(rnd.randint(1, 12)), pages=f"{(p := rnd.randint(1, 900))}-{p + rnd.randint(5, 30)}",
            DOI=f"10.5194/demo.{2000 + i}", ISSN="2076-7404", language="en",
            abstractNote=f"We study {topic} across {rnd.randint(3, 40)} sites in {rnd.choice(PLACES)} "
            "using field measurements and a process model, and discuss what the results mean for the carbon budget.",
        )
        people = rnd.sample(AUTHORS, rnd.randint(1, 4))
        rec.set("creators", [{"creatorType": "author", "lastName": a, "firstName": f} for a, f in people], "import:doi")
        rec.add_tag(topic.capitalize(), automatic=True)
        if i % 3 == 0:
            rec.add_tag("to read")
        out.append(rec)
    return out


def grab(widget: Any, name: str) -> Path:
    import time

    from PySide6.QtWidgets import QApplication

    for _ in range(20):
        QApplication.processEvents()
    # the tag selector counts in a worker after a pause: wait for it (at most 5 s), or the shot says "No tags"
    windows = [w for w in QApplication.topLevelWidgets() if hasattr(w, "tag_selector")]
    deadline = time.monotonic() + 5
    while any(not w.tag_selector.settled() for w in windows) and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.02)
    for _ in range(5):
        QApplication.processEvents()
    OUT.mkdir(exist_ok=True)
    path = OUT / name
    widget.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT)}")
    return path


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="refdesk-shots-"))
    for name in ("config", "data", "cache"):
        (tmp / name).mkdir()
        os.environ[f"REFDESK_{name.upper()}_DIR"] = str(tmp / name)
    os.environ["REFDESK_LIBRARY"] = str(tmp / "data" / "library.sqlite")
    for var in ("CROSSREF", "OPENALEX", "DOAJ", "ZOTERO"):
        os.environ[f"REFDESK_{var}_API_URL"] = "http://127.0.0.1:9"
    sys.path.insert(0, str(ROOT))

    from refdesk.app import AppContext
    from refdesk.gui.app import make_app
    from refdesk.gui.main_window import MainWindow

    app = make_app()
    ctx = AppContext()
    records = make_records()
    for n, rec in enumerate(records):
        rec.data["collections"] = [key for key, every in (("PEATLND2", 3), ("METHANE3", 5), ("READING4", 4)) if n % every == 0]
    ctx.library.add_many(records)
    ctx.library.execute(
        "INSERT INTO collections(key, library_id, name, parent_key, data) VALUES ('PEATLND2', 'user', 'Peatlands', NULL, '{}'),"
        " ('METHANE3', 'user', 'Methane fluxes', 'PEATLND2', '{}'), ('READING4', 'user', 'Reading list', NULL, '{}')")
    window = MainWindow(ctx)
    window.resize(1360, 820)
    window.show()
    window.refresh_sources()
    window.select_keys([window.model.key_at(2) or ""])
    grab(window, "main-window.png")

    from tools.screenshot_scenes import conflicts_scene, journal_picker_scene, review_scene
    from tools.screenshot_scenes_day import dark_scene, empty_fields_hidden_scene, narrow_scene, three_selected_scene
    from tools.screenshot_scenes_organize import collections_tags_scene

    for scene in (journal_picker_scene, review_scene, conflicts_scene, three_selected_scene, empty_fields_hidden_scene,
                  narrow_scene, dark_scene, collections_tags_scene):  # dark before the tag filter is picked
        try:
            scene(ctx, window, grab)
        except Exception as exc:  # a missing core feature must not stop the other screenshots
            print(f"skipped {scene.__name__}: {exc}", file=sys.stderr)
    window.close()
    ctx.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
