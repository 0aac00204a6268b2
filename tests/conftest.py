"""Shared fixtures: an isolated refdesk environment per test (config, data, cache, library)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from refdesk.app import AppContext
from refdesk.config import load_settings

from tests.shared import FIXTURES  # noqa: F401 - the tests import FIXTURES from here
from tests.zotero_fixtures import MemoryKeyring

TESTDATA = Path(__file__).resolve().parent / "data"

_SERVICE_VARS = (
    "REFDESK_CROSSREF_API_URL",
    "REFDESK_OPENALEX_API_URL",
    "REFDESK_DOAJ_API_URL",
    "REFDESK_DOI_RESOLVER_URL",
    "REFDESK_ZOTERO_API_URL",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config/data/cache dirs and library, and no public service URL."""
    home = tmp_path / "home"
    for name in ("config", "data", "cache"):
        (home / name).mkdir(parents=True)
    monkeypatch.setenv("REFDESK_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("REFDESK_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("REFDESK_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("REFDESK_LIBRARY", str(home / "data" / "library.sqlite"))
    # A closed port: a test that forgets to point a service at its local server fails fast, never goes online.
    for var in _SERVICE_VARS:
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    return home


@pytest.fixture
def ctx(isolated_env: Path) -> Iterator[AppContext]:
    """An AppContext on the isolated environment's settings and library, closed after the test.

    (tests/journal has its own ``ctx``, made after its local servers' URLs are in the environment.)
    """
    context = AppContext(load_settings())
    yield context
    context.close()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An in-process keyring, for tests that are not about the Secret Service itself."""
    old = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(old)


@pytest.fixture
def library_path(isolated_env: Path) -> Path:
    return isolated_env / "data" / "library.sqlite"


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.out = out
        self.err = err

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """Run ``refdesk ARGS`` in-process; returns exit code, stdout and stderr."""
    from refdesk.cli import main

    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def run_refdesk() -> Iterator[Any]:
    """Run refdesk as a real subprocess (for stdin, exit codes, kill -9 tests)."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        import os

        full_env = {**os.environ, **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "refdesk", *args], input=input, capture_output=True, text=True, env=full_env, timeout=timeout
        )

    yield run
