"""The HTTP cache's size cap: least recently used entries go, cheaply (no scan per write), across processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from refdesk.config import load_settings
from refdesk.httpcache import LOW_WATER, STALE_LOCK, Entry, HttpCache, cache_key
from refdesk.net import HttpClient

from tests.servers.web import WebServer

KB = 1024


def entry(n: int, size: int = 10 * KB) -> Entry:
    return Entry(f"https://example.org/{n}", 200, {"content-type": "text/html"}, bytes([n % 251]) * size, "utf-8", time.time())


def key(n: int) -> str:
    return cache_key("GET", f"https://example.org/{n}", "text/html")


def disk_bytes(root: Path) -> int:
    """The bytes of the entries (what the cap counts), not of the ``size`` file or the lock."""
    return sum(f.stat().st_size for shard in root.iterdir() if shard.is_dir() for f in shard.iterdir())


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "http"  # not tmp_path itself: the test environment keeps its own folders there
    folder.mkdir()
    return folder


def age(cache: HttpCache, n: int, seconds_ago: float) -> None:
    """Make entry ``n`` look last used ``seconds_ago``."""
    head = cache.root / key(n)[:2] / f"{key(n)}.json"
    when = time.time() - seconds_ago
    os.utime(head, (when, when))


def test_writes_over_the_cap_evict_the_least_recently_used(root: Path) -> None:
    cache = HttpCache(root, max_bytes=100 * KB)
    for n in range(8):  # ~80 kB: under the cap
        cache.save(key(n), entry(n))
        age(cache, n, 1000 - n)  # 0 is the oldest ... 7 the newest
    assert cache.load(key(0)) is not None  # 0 is used now: the most recent of all
    for n in range(8, 12):  # over the cap
        cache.save(key(n), entry(n))

    kept = {n for n in range(12) if cache.load(key(n)) is not None}
    assert 0 in kept and {8, 9, 10, 11} <= kept  # the one just used and the new ones stay
    assert 1 not in kept and 2 not in kept  # the least recently used went
    assert disk_bytes(root) <= 100 * KB
    cache.close()
    assert int((root / "size").read_text()) == disk_bytes(root)


def test_the_folder_is_scanned_only_when_the_estimate_passes_the_cap(root: Path) -> None:
    cache = HttpCache(root, max_bytes=200 * KB)
    for n in range(15):  # 150 kB, rewriting some: the estimate follows replacements
        cache.save(key(n % 12), entry(n % 12))
    assert cache.scans == 1  # only to learn the starting size (no size file yet)
    estimate = cache._estimate
    assert estimate is not None and abs(estimate - disk_bytes(root)) < KB
    for n in range(15, 25):
        cache.save(key(n), entry(n))
    assert cache.scans == 2  # one prune
    assert disk_bytes(root) <= 200 * KB


def test_no_cap_means_no_accounting(root: Path) -> None:
    cache = HttpCache(root, max_bytes=None)
    for n in range(5):
        cache.save(key(n), entry(n))
    cache.close()
    assert cache.scans == 0 and not (root / "size").exists()


def test_an_answer_larger_than_the_cap_is_not_stored(root: Path) -> None:
    cache = HttpCache(root, max_bytes=50 * KB)
    cache.save(key(1), entry(1, size=60 * KB))
    assert cache.load(key(1)) is None


def test_processes_share_the_running_size(root: Path) -> None:
    first = HttpCache(root, max_bytes=100 * KB)
    for n in range(6):
        first.save(key(n), entry(n))
    first.close()  # what it wrote goes to the shared size file
    second = HttpCache(root, max_bytes=100 * KB)
    for n in range(6, 12):
        second.save(key(n), entry(n))
    assert second.scans == 1  # it knew the size without scanning, and pruned once
    assert disk_bytes(root) <= 100 * KB


def test_a_prune_lock_held_by_a_live_process_is_respected_and_a_stale_one_taken_over(root: Path) -> None:
    cache = HttpCache(root, max_bytes=30 * KB)
    lock = root / ".prune.lock"
    lock.touch()
    for n in range(5):
        cache.save(key(n), entry(n))
    assert cache.prune() == 0 and disk_bytes(root) > 30 * KB  # someone else is pruning
    old = time.time() - STALE_LOCK - 1
    os.utime(lock, (old, old))
    assert cache.prune() > 0 and disk_bytes(root) <= 30 * KB * LOW_WATER
    assert not lock.exists()


def test_leftover_temporary_files_are_removed_by_a_prune(root: Path) -> None:
    cache = HttpCache(root, max_bytes=30 * KB)
    cache.save(key(1), entry(1))
    leftover = root / key(1)[:2] / ".tmp-dead"
    leftover.write_bytes(b"x" * KB)
    old = time.time() - 7200
    os.utime(leftover, (old, old))
    for n in range(2, 6):
        cache.save(key(n), entry(n))
    assert not leftover.exists()


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from refdesk.httpcache import Entry, HttpCache, cache_key

    root, who = Path(sys.argv[1]), int(sys.argv[2])
    cache = HttpCache(root, max_bytes=200 * 1024)
    for n in range(60):
        url = f"https://example.org/{who}/{n}"
        cache.save(cache_key("GET", url, ""), Entry(url, 200, {}, bytes([n]) * 8 * 1024, "utf-8", time.time()))
        cache.load(cache_key("GET", f"https://example.org/{who}/{n // 2}", ""))
    cache.close()
    """
)


def test_several_processes_writing_at_once_stay_near_the_cap_and_never_read_half_an_entry(root: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(root), str(i)]) for i in range(4)]
    assert [p.wait(60) for p in procs] == [0, 0, 0, 0]
    # 4 x 60 x 8 kB = 1.9 MB written; the cap is 200 kB (plus what was written while a prune ran)
    assert disk_bytes(root) <= 2 * 200 * KB
    cache = HttpCache(root, max_bytes=200 * KB)
    for who in range(4):
        for n in range(60):
            found = cache.load(cache_key("GET", f"https://example.org/{who}/{n}", ""))
            assert found is None or found.content == bytes([n]) * 8 * KB
    assert not (root / ".prune.lock").exists()


def test_the_client_takes_the_cap_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFDESK_HTTP_CACHE_MAX_MB", "0.05")  # 51 kB
    settings = load_settings()
    assert settings.http_cache_max_mb == 0.05
    client = HttpClient(settings)
    with WebServer() as server:
        for n in range(10):
            server.add(f"/p{n}", body=b"x" * 10 * KB)
            client.get(server.url(f"/p{n}"))
    client.close()
    root = settings.cache_path() / "http"
    assert disk_bytes(root) <= 51 * KB
    assert int((root / "size").read_text()) == disk_bytes(root)
