"""A real `refdesk sync` process killed with SIGKILL mid-sync resumes with no duplicates and no losses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from refdesk import config
from refdesk.library import Library
from refdesk.model import Record
from refdesk.zotero import credentials, state

from tests.servers.zotero import ZoteroServer
from tests.zotero.conftest import USER_ID


def _kill_when(server: ZoteroServer, proc: subprocess.Popen[str], writes: int, timeout: float = 60) -> bool:
    """SIGKILL the process once the server has seen this many POSTs; False if it finished first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if sum(1 for r in server.requests if r[0] == "POST") >= writes:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    raise AssertionError("sync did not reach the kill point in time")


@pytest.mark.keyring
def test_kill_9_during_upload_then_resume(secret_service: Any, zserver: ZoteroServer, api_key: str,
                                          library_path: Path) -> None:
    zserver.latency = 0.01
    config.save_setting("zotero_user_id", str(USER_ID))
    credentials.store_key(str(USER_ID), api_key)
    with Library.open(library_path) as lib:
        lib.add_many([Record.new("journalArticle", title=f"Paper {i}", volume=str(i)) for i in range(400)])
    killed = 0
    for writes in (2, 5):
        proc = subprocess.Popen([sys.executable, "-m", "refdesk", "sync"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=dict(os.environ))
        killed += _kill_when(zserver, proc, writes)
        with Library.open(library_path) as lib:  # an edit between the crash and the next run is not lost
            rec = lib.get(lib.keys()[writes])
            rec.set("pages", f"edited after kill {writes}")
            lib.save(rec)
    assert killed >= 1
    done = subprocess.run([sys.executable, "-m", "refdesk", "sync", "--json"], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)
    assert done.returncode == 0, done.stderr
    remote = zserver.item_data(zserver.library("user", USER_ID))
    assert len(remote) == 400
    with Library.open(library_path) as lib:
        assert state.dirty_items(lib, "user") == []
        assert sorted(lib.keys()) == sorted(remote)
        for writes in (2, 5):
            key = lib.keys()[writes]
            assert remote[key]["pages"] == f"edited after kill {writes}"
