"""File import end to end: RIS, BibTeX and CSL-JSON files of generated journal articles into an empty library.

Prints, for each format and each size (10,000 and 100,000 records by default):
  * the file's size, the wall time of ``refdesk import FILE`` (a child process, as a user runs it), records/s
    end to end (goal >= 5,000/s at 100,000), and the child's peak resident memory (goal < 400 MB);
  * the same per CPU-second of the child (user + system): on a machine shared with other work, wall time
    stretches with the load and CPU time much less;
  * the growth of CPU time per record from the small to the large file (1.0 = linear);
  * BibTeX's time over RIS's (goal <= 1.5).

Each record is a journal article as a researcher's export has them: a title, two authors, the journal, year,
volume, issue, pages, DOI, URL, keywords and a 120-word abstract; half are Cyrillic. The files are written with
refdesk's own writers before any clock starts, in a temporary folder. ``REFDESK_BENCH_RECORDS`` sets the large
size (the small one is a tenth of it); ``REFDESK_BENCH_FORMATS`` a comma-separated subset (ris,bibtex,csljson).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from refdesk.importers.bibtex import citation_key
from refdesk.importers.files import write
from refdesk.model import Record

N = int(os.environ.get("REFDESK_BENCH_RECORDS", "100000"))
FORMATS = [f for f in os.environ.get("REFDESK_BENCH_FORMATS", "ris,bibtex,csljson").split(",") if f]
SUFFIX = {"ris": ".ris", "bibtex": ".bib", "csljson": ".json"}
SEED = 20221101
CHUNK = 2_000  # records written at a time: the generator's own memory stays small

LATIN = ["climate", "permafrost", "carbon", "thaw", "arctic", "siberia", "diplomacy", "conference", "treaty", "soviet", "british", "empire", "trade", "policy", "economy", "reform", "market", "labour", "migration", "health", "vaccine", "epidemic", "protein", "genome", "cell", "neuron", "cortex", "learning", "network", "graph", "algorithm", "optimisation", "language", "corpus", "syntax", "semantics", "archive", "history", "revolution", "war", "peace", "river", "basin", "sediment", "glacier", "ocean", "current", "model", "simulation", "uncertainty", "risk", "insurance", "finance", "bank", "credit"]
CYRILLIC = ["дипломатия", "конференция", "договор", "советский", "британский", "империя", "торговля", "политика", "экономика", "реформа", "рынок", "труд", "миграция", "здоровье", "вакцина", "эпидемия", "белок", "геном", "клетка", "нейрон", "обучение", "сеть", "граф", "алгоритм", "язык", "корпус", "синтаксис", "семантика", "архив", "история", "революция", "война", "мир", "река", "бассейн", "ледник", "океан", "течение", "модель"]
SURNAMES = {False: ["Smith", "Johnson", "Müller", "García", "Rossi", "Dubois", "Nowak", "Andersen", "Tanaka", "Nguyen", "O'Brien", "Schmidt"],
            True: ["Сергеев", "Иванов", "Петрова", "Смирнов", "Кузнецова", "Попов", "Васильев", "Соколова", "Михайлов", "Новиков"]}  # fmt: skip
GIVEN = {False: ["Anna", "John", "Maria", "Pierre", "Jan", "Akira", "Lucia", "Thomas", "Emma", "Ole"],
         True: ["Евгений", "Мария", "Иван", "Ольга", "Алексей", "Наталья", "Дмитрий", "Елена", "Сергей", "Анна"]}  # fmt: skip
JOURNALS = {False: ["Global Change Biology", "Journal of Modern History", "Physical Review B", "PLOS ONE"],
            True: ["Вестник Московского университета. Серия XXV", "Вопросы истории", "Международная жизнь"]}  # fmt: skip


def make_record(rnd: random.Random, i: int) -> Record:
    """One journal article; every record is a distinct work (its own DOI, URL and title)."""
    cyr = rnd.random() < 0.5
    words = CYRILLIC if cyr else LATIN
    rec = Record.new("journalArticle")
    rec.set("title", f"{' '.join(rnd.choices(words, k=rnd.randint(5, 12))).capitalize()} {i}")
    rec.set("creators", [
        {"creatorType": "author", "lastName": rnd.choice(SURNAMES[cyr]), "firstName": rnd.choice(GIVEN[cyr])}
        for _ in range(2)
    ])  # fmt: skip
    rec.set("publicationTitle", rnd.choice(JOURNALS[cyr]))
    rec.set("date", str(rnd.randint(1950, 2024)))
    rec.set("volume", str(rnd.randint(1, 80)))
    rec.set("issue", str(rnd.randint(1, 12)))
    first = rnd.randint(1, 400)
    rec.set("pages", f"{first}-{first + rnd.randint(5, 30)}")
    rec.set("DOI", f"10.{rnd.randint(1000, 9999)}/bench.{i}")
    rec.set("url", f"https://example.org/{'ru' if cyr else 'en'}/{i}")
    rec.set("abstractNote", " ".join(rnd.choices(words, k=120)).capitalize() + ".")
    for tag in rnd.sample(words, 3):
        rec.add_tag(tag)
    return rec


def write_file(path: Path, fmt: str, n: int) -> None:
    """``n`` records in ``fmt``, written a chunk at a time (a CSL-JSON array is joined across chunks)."""
    rnd = random.Random(SEED)
    with path.open("w", encoding="utf-8") as out:
        for start in range(0, n, CHUNK):
            records = [make_record(rnd, i) for i in range(start, min(n, start + CHUNK))]
            if fmt == "bibtex":  # unique across chunks, as a JabRef library's keys are
                for i, rec in enumerate(records, start):
                    rec.set("citationKey", f"{citation_key(rec)}-{i}")
            text = write(records, fmt)
            if fmt == "csljson":
                body = text.strip()[1:-1].strip()
                text = ("[\n" if start == 0 else ",\n") + body + ("\n]\n" if start + CHUNK >= n else "")
            elif fmt == "bibtex":
                text += "\n"
            out.write(text)


def run_import(file: Path, library: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of ``refdesk import FILE`` in a child process."""
    cmd = [sys.executable, "-m", "refdesk", "--library", str(library), "import", str(file)]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"refdesk import {file.name} failed ({proc.returncode}): {err.strip()[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> int:
    sizes = sorted({max(1, N // 10), N})
    print(f"{len(FORMATS)} formats x {', '.join(f'{s:,}' for s in sizes)} journal articles; "
          f"a 2-core machine shared with other work: expect +-20% between runs")  # fmt: skip
    results: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory(prefix="refdesk-bench-files-") as tmp:
        for fmt in FORMATS:
            for n in sizes:
                file = Path(tmp) / f"bench-{n}{SUFFIX[fmt]}"
                write_file(file, fmt, n)
                library = Path(tmp) / f"library-{fmt}-{n}.sqlite"
                wall, cpu, rss = run_import(file, library)
                results[fmt, n] = cpu
                size_mb = file.stat().st_size / 1e6
                print(f"{fmt:8} {n:>9,} records ({size_mb:6.1f} MB): {wall:6.1f} s wall {n / wall:7,.0f} records/s, "
                      f"{cpu:6.1f} s CPU {n / cpu:7,.0f} records/CPU-s, peak {rss:4.0f} MB  (goal >= 5,000/s, < 400 MB)",
                      flush=True)  # fmt: skip
                file.unlink()
                for extra in ("", "-wal", "-shm"):
                    Path(f"{library}{extra}").unlink(missing_ok=True)
            if len(sizes) == 2:
                small, large = sizes
                growth = (results[fmt, large] / large) / (results[fmt, small] / small)
                print(f"{fmt:8} per-record CPU at {large:,} / at {small:,}: {growth:.2f}  (1.0 = linear)", flush=True)
    if "ris" in FORMATS and "bibtex" in FORMATS:
        print(f"BibTeX / RIS CPU time at {N:,}: {results['bibtex', N] / results['ris', N]:.2f}  (goal <= 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
