"""Bad and edge input on the command line: one plain message, a non-zero exit, no traceback, nothing lost."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parent / "data" / "files"


def assert_plain_failure(result: Any, *fragments: str) -> None:
    assert result.code != 0
    assert "Traceback" not in result.err
    assert result.err.startswith("refdesk: "), result.err
    assert result.err.count("\n") == 1, result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


def _process_env(**extra: str) -> dict[str, str]:
    """The environment of a real refdesk process as a user's shell gives it (block-buffered output)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.update(extra)
    return env


# --- settings ---------------------------------------------------------------------------------------------------


def test_settings_file_that_cannot_be_read(cli: Any, isolated_env: Path) -> None:
    settings = isolated_env / "config" / "settings.toml"
    settings.write_bytes(b"\xff\xfe retries = 3\n")
    assert_plain_failure(cli("list"), str(settings), "UTF-8")
    settings.unlink()
    settings.mkdir()
    assert_plain_failure(cli("list"), str(settings), "folder")


@pytest.mark.parametrize(
    ("toml", "fragments"),
    [
        ('retries = "abc"', ("retries", "whole number")),
        ("connect_timeout = true", ("connect_timeout", "number")),
        ("library = true", ("library", "text")),
        ('disabled_plugins = "crossref"', ("disabled_plugins", "list")),
        ("disabled_plugins = [true]", ("disabled_plugins", "list")),
        ("http_cache = 1", ("http_cache", "true or false")),
        ("read_timeout = -1", ("read_timeout", "greater than 0")),
        ("per_host_limit = 0", ("per_host_limit", "at least 1")),
    ],
)
def test_settings_file_with_a_value_of_the_wrong_type(cli: Any, isolated_env: Path, toml: str, fragments: tuple[str, ...]) -> None:
    settings = isolated_env / "config" / "settings.toml"
    settings.write_text(toml + "\n", encoding="utf-8")
    assert_plain_failure(cli("list"), str(settings), *fragments)
    assert settings.read_text(encoding="utf-8") == toml + "\n"


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("REFDESK_RETRIES", "abc", "whole number"),
        ("REFDESK_CONNECT_TIMEOUT", "x", "number"),
        ("REFDESK_CONNECT_TIMEOUT", "-1", "greater than 0"),
        ("REFDESK_HTTP_CACHE", "maybe", "true or false"),
        ("REFDESK_HTTP_CACHE_MAX_MB", "-5", "0 or more"),
    ],
)
def test_environment_variable_with_a_bad_value(cli: Any, monkeypatch: pytest.MonkeyPatch, name: str, value: str, fragment: str) -> None:
    monkeypatch.setenv(name, value)
    assert_plain_failure(cli("list"), name, repr(value), fragment)


def test_good_settings_still_read(cli: Any, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from refdesk.config import load_settings

    settings = isolated_env / "config" / "settings.toml"
    settings.write_text(
        'retries = 2\nconnect_timeout = 3\nhttp_cache = false\ndisabled_plugins = ["oai"]\nzotero_user_id = 475425\n', encoding="utf-8"
    )
    monkeypatch.setenv("REFDESK_READ_TIMEOUT", "7")
    monkeypatch.setenv("REFDESK_HTTP_CACHE_MAX_MB", "0")
    loaded = load_settings()
    assert (loaded.retries, loaded.connect_timeout, loaded.read_timeout, loaded.http_cache) == (2, 3.0, 7.0, False)
    assert loaded.disabled_plugins == ["oai"] and loaded.http_cache_max_mb == 0.0 and loaded.zotero_user_id == "475425"
    assert cli("list").code == 0


# --- arguments --------------------------------------------------------------------------------------------------


def test_arguments_that_are_not_utf8(cli: Any) -> None:
    imported = cli("import", str(DATA / "mixed.json"), "--json").json()
    key = imported[0]["key"]
    before = cli("show", key, "--json").out
    not_utf8 = b"caf\xe9".decode("utf-8", "surrogateescape")  # what Python makes of Latin-1 bytes in argv
    assert_plain_failure(cli("show", not_utf8), "not UTF-8", "caf\\xe9")
    assert_plain_failure(cli("edit", key, "--set", f"volume={not_utf8}"), "not UTF-8")
    assert_plain_failure(cli("edit", key, "--add-tag", not_utf8), "not UTF-8")
    assert_plain_failure(cli("list", "--search", not_utf8), "not UTF-8")
    assert cli("show", key, "--json").out == before


def test_edit_without_a_field_name_or_with_an_empty_tag(cli: Any) -> None:
    key = cli("import", str(DATA / "mixed.json"), "--json").json()[0]["key"]
    before = cli("show", key, "--json").out
    assert_plain_failure(cli("edit", key, "--set", "=5"), "--set needs FIELD=VALUE", "'=5'")
    assert_plain_failure(cli("edit", key, "--add-tag", "  "), "--add-tag needs a tag")
    assert cli("show", key, "--json").out == before


def test_a_file_whose_name_is_not_utf8_still_imports(cli: Any, tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9.json"
    with open(raw, "wb") as fh:
        fh.write((DATA / "mixed.json").read_bytes())
    result = cli("import", os.fsdecode(raw))
    assert result.code == 0, result.err
    out = os.fsencode(tmp_path) + b"/out-\xe9.json"
    exported = cli("export", "--output", os.fsdecode(out))
    assert exported.code == 0, exported.err
    assert os.path.exists(out)


@pytest.mark.parametrize("command", [("list",), ("import", "2076-7404"), ("journal", "2076-7404")])
@pytest.mark.parametrize("limit", ["0", "-1"])
def test_limit_must_be_positive(cli: Any, command: tuple[str, ...], limit: str) -> None:
    with pytest.raises(SystemExit) as exc:
        cli(*command, "--limit", limit)
    assert exc.value.code == 2
    # nothing was asked of any service (the test environment's services are a closed port)


def test_limit_message(capsys: pytest.CaptureFixture[str]) -> None:
    from refdesk.cli import main

    with pytest.raises(SystemExit):
        main(["list", "--limit", "0"])
    assert "--limit: must be 1 or more, got 0" in capsys.readouterr().err


# --- export -----------------------------------------------------------------------------------------------------


def test_export_to_a_place_that_cannot_be_written(cli: Any, tmp_path: Path) -> None:
    cli("import", str(DATA / "mixed.json"))
    assert_plain_failure(cli("export", "--output", str(tmp_path)), str(tmp_path), "folder")
    missing = tmp_path / "no" / "such" / "out.bib"
    assert_plain_failure(cli("export", "-f", "bibtex", "--output", str(missing)), str(missing), "no such folder")


# --- real processes: pipes, full disks, Ctrl-C ------------------------------------------------------------------


def _refdesk(*args: str) -> list[str]:
    return [sys.executable, "-m", "refdesk", *args]


@pytest.mark.parametrize("command", [("show", "KEY"), ("show", "KEY", "--json"), ("export", "KEY"), ("list",), ("--help",)])
def test_output_to_a_closed_pipe_is_quiet(cli: Any, command: tuple[str, ...]) -> None:
    key = cli("import", str(DATA / "mixed.json"), "--json").json()[0]["key"]
    args = [key if a == "KEY" else a for a in command]
    proc = subprocess.Popen(_refdesk(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_process_env())
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -0`: the reader is gone before refdesk writes
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert err == ""


def test_output_to_a_full_disk_is_a_plain_error(cli: Any) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    cli("import", str(DATA / "mixed.json"))
    with open("/dev/full", "w") as full:
        proc = subprocess.run(_refdesk("list", "--json"), stdout=full, stderr=subprocess.PIPE, env=_process_env(), timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode != 0
    assert "Traceback" not in err
    assert err.startswith("refdesk: ") and "No space left on device" in err


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers: every request waits for its read timeout."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    sock.close()


@pytest.mark.parametrize(
    "command",
    [("import", "10.1234/one"), ("import", "10.1234/one", "10.1234/two"), ("journal", "2076-7404")],
)
def test_ctrl_c_while_waiting_for_a_server_exits_at_once(silent_server: str, command: tuple[str, ...]) -> None:
    env = _process_env(
        REFDESK_DOI_RESOLVER_URL=silent_server,
        REFDESK_CROSSREF_API_URL=silent_server,
        REFDESK_OPENALEX_API_URL=silent_server,
        REFDESK_DOAJ_API_URL=silent_server,
        REFDESK_READ_TIMEOUT="60",
    )
    proc = subprocess.Popen(_refdesk(*command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    time.sleep(3)  # started, and waiting for the server
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    try:
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert time.monotonic() - sent < 5
    assert proc.returncode == 130
    assert err.decode() == "refdesk: interrupted\n"


#: ``python -m refdesk`` that says when the interpreter has started and is about to run refdesk: a Ctrl-C before
#: that lands in Python's own start-up (a loaded machine can take over 0.1 s there), which refdesk cannot handle.
_STARTED = ("import importlib.util, runpy, sys; importlib.util.find_spec('refdesk.__main__'); sys.stderr.write('started\\n'); "
            "sys.stderr.flush(); runpy.run_module('refdesk', run_name='__main__', alter_sys=True)")


@pytest.mark.parametrize("delay", [0.02, 0.05, 0.1, 0.2, 0.3, 0.45])
def test_ctrl_c_while_starting_shows_no_traceback(delay: float) -> None:
    """Ctrl-C at any moment once refdesk's own code runs (importing, parsing, opening the library, listing)."""
    proc = subprocess.Popen([sys.executable, "-c", _STARTED, "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=_process_env())
    assert proc.stderr is not None and proc.stderr.readline() == b"started\n"
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err.decode() and "Exception ignored" not in err.decode(), err.decode()
    assert proc.returncode in (0, 130, -signal.SIGINT), err.decode()  # -SIGINT: in Python's teardown, after the output
