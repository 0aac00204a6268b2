"""Library on 100,000 realistic records: bulk insert, full-text search, first page of ``list``, size.

Prints:
  * bulk insert rate through ``Library.add_many`` (goal >= 20,000 records/s);
  * FTS search latency p50/p95/max over 200 one- and two-word queries, Latin and Cyrillic,
    whole words and type-ahead prefixes, each returning the first page of matches (goal p95 < 20 ms);
  * first page of ``list``: ``Library.rows(limit=50)`` and ``Library.records(limit=50)`` (goal < 50 ms);
  * the database size on disk.

Records are mixed item types, half Cyrillic, 1-8 creators and abstracts of 100-300 words,
built before the clock starts. The library lives in a temporary folder.
Set REFDESK_BENCH_RECORDS for a smaller run.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from refdesk import schema
from refdesk.library import Library
from refdesk.model import KEY_ALPHABET, Record

N = int(os.environ.get("REFDESK_BENCH_RECORDS", "100000"))
BATCH = 5_000
SEED = 20221101


def _words(text: str) -> list[str]:
    return text.split()


LATIN = _words(
    "climate permafrost carbon thaw arctic siberia diplomacy conference treaty soviet british empire trade policy "
    "economy reform market labour migration health vaccine epidemic protein genome cell neuron cortex learning "
    "network graph algorithm optimisation language corpus syntax semantics archive history revolution war peace "
    "river basin sediment glacier ocean current model simulation uncertainty risk insurance finance bank credit "
    "education school teacher student literacy urban rural housing energy solar wind grid battery hydrogen "
    "catalyst polymer membrane quantum spin lattice photon laser galaxy star planet exoplanet telescope survey"
)
CYRILLIC = _words(
    "дипломатия конференция договор советский британский империя торговля политика экономика реформа рынок труд "
    "миграция здоровье вакцина эпидемия белок геном клетка нейрон обучение сеть граф алгоритм язык корпус "
    "синтаксис семантика архив история революция война мир река бассейн ледник океан течение модель "
    "неопределенность риск страхование финансы банк кредит образование школа учитель студент город деревня "
    "жилье энергия солнце ветер батарея водород катализатор полимер мембрана квант фотон лазер галактика звезда"
)
SURNAMES_LATIN = _words("Smith Johnson Müller García Rossi Dubois Nowak Kowalski Andersen Tanaka Nguyen O'Brien Schmidt Silva")
SURNAMES_CYR = _words("Сергеев Иванов Петрова Смирнов Кузнецова Попов Васильев Соколова Михайлов Новиков Федорова Морозов")
GIVEN_LATIN = _words("Anna John Maria Pierre Jan Akira Lucia Thomas Emma Ole Sean Laura")
GIVEN_CYR = _words("Евгений Мария Иван Ольга Алексей Наталья Дмитрий Елена Сергей Анна")
JOURNALS = [
    "Global Change Biology", "Nature Climate Change", "Journal of Modern History", "Physical Review B",
    "Вестник Московского университета. Серия XXV", "Вопросы истории", "Известия РАН. Серия географическая",
    "Международная жизнь", "The Economist", "Nature", "Science", "PLOS ONE",
]  # fmt: skip
TYPES = [
    ("journalArticle", 50), ("book", 8), ("bookSection", 8), ("conferencePaper", 8), ("thesis", 4), ("report", 5),
    ("webpage", 4), ("preprint", 6), ("magazineArticle", 2), ("newspaperArticle", 3), ("document", 2),
]  # fmt: skip


def _vocabulary(head: list[str], consonants: str, vowels: str, size: int, seed: int) -> tuple[list[str], list[float]]:
    """Real words first, then made-up ones, with Zipf weights: a few words are everywhere, most are rare."""
    rnd = random.Random(seed)
    words = list(head)
    seen = set(words)
    while len(words) < size:
        word = "".join(rnd.choice(consonants) + rnd.choice(vowels) for _ in range(rnd.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    cum: list[float] = []
    total = 0.0
    for rank in range(1, size + 1):
        total += 1 / rank
        cum.append(total)
    return words, cum


VOCAB = {
    False: _vocabulary(LATIN, "bcdfghklmnprstvz", "aeiou", 20_000, 1),
    True: _vocabulary(CYRILLIC, "бвгдзклмнпрстфхчш", "аеиоуыя", 20_000, 2),
}


def bench_key(i: int) -> str:
    """A distinct Zotero-style key per record (random keys could collide, one run in a few hundred)."""
    digits = []
    for _ in range(8):
        i, d = divmod(i, len(KEY_ALPHABET))
        digits.append(KEY_ALPHABET[d])
    return "".join(reversed(digits))


def make_record(rnd: random.Random, i: int) -> Record:
    cyr = rnd.random() < 0.5
    vocab, cum = VOCAB[cyr]

    def text(k: int) -> list[str]:
        return rnd.choices(vocab, cum_weights=cum, k=k)

    words = CYRILLIC if cyr else LATIN
    item_type = rnd.choices([t for t, _ in TYPES], [w for _, w in TYPES])[0]
    rec = Record.new(item_type)
    rec.key = bench_key(i)
    title = " ".join(text(rnd.randint(4, 14))).capitalize()
    rec.data["title"] = title
    creators = []
    for _ in range(rnd.randint(1, 8)):
        c = rnd.random() < 0.5 if cyr else rnd.random() < 0.1
        last = rnd.choice(SURNAMES_CYR if c else SURNAMES_LATIN)
        first = rnd.choice(GIVEN_CYR if c else GIVEN_LATIN)
        creators.append({"creatorType": "author", "lastName": last, "firstName": first})
    rec.data["creators"] = creators
    rec.data["abstractNote"] = " ".join(text(rnd.randint(100, 300))).capitalize() + "."
    rec.data["date"] = f"{rnd.randint(1950, 2024)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
    container = schema.field_for_base(item_type, "publicationTitle")
    if container:
        rec.data[container] = rnd.choice(JOURNALS)
    rec.data["DOI"] = f"10.{rnd.randint(1000, 9999)}/bench.{i}"
    rec.data["url"] = f"https://example.org/{'ru' if cyr else 'en'}/{i}"
    rec.data["language"] = "ru" if cyr else "en"
    rec.data["tags"] = [{"tag": t, "type": 1} for t in rnd.sample(words, rnd.randint(0, 4))]
    return rec


def queries(rnd: random.Random) -> list[str]:
    """Half Cyrillic; surnames, common and rare words, one or two words, a fifth typed-ahead (prefix)."""
    out = []
    for n in range(200):
        vocab, cum = VOCAB[bool(n % 2)]
        words = rnd.choices(vocab[:2000], cum_weights=cum[:2000], k=2)
        surname = rnd.choice(SURNAMES_CYR if n % 2 else SURNAMES_LATIN)
        q = [surname, words[0], f"{words[0]} {words[1]}", f"{surname} {words[1]}"][n % 4]
        if n % 5 == 0:
            q = q[: max(3, len(q) - 3)]  # type-ahead: the last word is a prefix
        out.append(q.lower())
    return out


def selective_queries(rnd: random.Random) -> list[str]:
    """Narrower searches: one or two less common words (vocabulary ranks 300-20,000)."""
    out = []
    for n in range(200):
        vocab, _ = VOCAB[bool(n % 2)]
        words = [vocab[rnd.randint(300, len(vocab) - 1)] for _ in range(2)]
        q = words[0] if n % 2 else f"{words[0]} {words[1][:3]}" if n % 4 == 0 else words[0][:4]
        out.append(q)
    return out


def timed_ms(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    rnd = random.Random(SEED)
    t = time.perf_counter()
    records = [make_record(rnd, i) for i in range(N)]
    made = time.perf_counter() - t
    print(f"records: {N:,} made in {made:.1f} s (not timed below)")
    with tempfile.TemporaryDirectory(prefix="refdesk-bench-") as tmp:
        path = Path(tmp) / "library.sqlite"
        lib = Library.open(path)
        t = time.perf_counter()
        for start in range(0, N, BATCH):
            lib.add_many(records[start : start + BATCH])
        insert_s = time.perf_counter() - t
        rate = N / insert_s
        print(f"bulk insert (add_many, batches of {BATCH:,}): {insert_s:.1f} s, {rate:,.0f} records/s  (goal >= 20,000/s)")
        del records
        lib.close()
        lib = Library.open(path)  # cold-ish: a fresh connection, as the CLI has

        qs = queries(random.Random(SEED + 1))
        lib.records(search=qs[0], limit=50)  # warm the page cache once
        lat_rows = [timed_ms(partial(lib.rows, search=q, limit=50)) for q in qs]
        lat_recs = [timed_ms(partial(lib.records, search=q, limit=50)) for q in qs]
        hits = [lib.count(search=q) for q in qs[:20]]
        print(
            f"FTS search, 200 queries, first 50 rows:    p50 {pct(lat_rows, 50):.1f} ms  p95 {pct(lat_rows, 95):.1f} ms  "
            f"max {max(lat_rows):.1f} ms  (goal p95 < 20 ms)"
        )
        print(
            f"FTS search, 200 queries, first 50 records: p50 {pct(lat_recs, 50):.1f} ms  p95 {pct(lat_recs, 95):.1f} ms  "
            f"max {max(lat_recs):.1f} ms  (median matches {statistics.median(hits):,.0f})"
        )
        narrow = selective_queries(random.Random(SEED + 2))
        lat_narrow = [timed_ms(partial(lib.rows, search=q, limit=50)) for q in narrow]
        narrow_hits = [lib.count(search=q) for q in narrow[:40]]
        print(
            f"FTS search, 200 narrower queries, rows:   p50 {pct(lat_narrow, 50):.1f} ms  p95 {pct(lat_narrow, 95):.1f} ms  "
            f"max {max(lat_narrow):.1f} ms  (median matches {statistics.median(narrow_hits):,.0f})"
        )
        first_rows = [timed_ms(lambda: lib.rows(limit=50)) for _ in range(20)]
        first_recs = [timed_ms(lambda: lib.records(limit=50)) for _ in range(20)]
        cold_rows = first_rows[0]
        print(
            f"first page of list: rows(limit=50) {cold_rows:.1f} ms first, {statistics.median(first_rows):.1f} ms median; "
            f"records(limit=50) {first_recs[0]:.1f} ms first, {statistics.median(first_recs):.1f} ms median  (goal < 50 ms)"
        )
        lib.close()
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        print(f"database size: {size / 1e6:.0f} MB ({size / N / 1000:.1f} kB per record)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
