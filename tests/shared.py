"""Where the team's shared material (``../shared``: recorded fixtures, the Zotero schema) is.

It lies beside the checkout (``../shared``). A clone made elsewhere (``git clone . /tmp/fresh``) finds it
beside the checkout it was cloned from; ``REFDESK_SHARED_DIR`` names it outright. Standard library only:
the Zotero emulator imports this when run on its own.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    named = os.environ.get("REFDESK_SHARED_DIR")
    if named:
        return Path(named)
    beside = ROOT.parent / "shared"
    if beside.is_dir():
        return beside
    try:
        origin = subprocess.run(["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],
                                capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        origin = ""
    if origin and Path(origin).is_dir() and (Path(origin).resolve().parent / "shared").is_dir():
        return Path(origin).resolve().parent / "shared"
    return beside  # missing: the tests that need it fail naming this path


SHARED_DIR = shared_dir()
FIXTURES = SHARED_DIR / "fixtures"

if __name__ == "__main__":
    print(SHARED_DIR)
