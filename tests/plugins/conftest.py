"""Helpers for the plugin-host tests: in-process add-ons and a library with the seed record."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from refdesk.app import AppContext
from refdesk.model import Record
from refdesk.plugins import manager
from refdesk.plugins.api import Enrichment, PluginContext, RecordView, hookimpl
from refdesk.plugins.host import PluginHost

DATA = Path(__file__).resolve().parent / "data"

SEED_TITLE = "Soviet and British diplomacy at international conferences on the eve of the formation of the USSR"
SEED_JOURNAL = "Вестник Московского Университета. Серия XXV: Международные отношения и мировая политика"
SEED_CUT_ABSTRACT = (
    "The article examines how Soviet and British diplomats negotiated at the international conferences of 1922–1923 "
    "in Genoa, The Hague and Lausanne, on the eve of the formation of the USSR. Drawing on documents from Russian and "
    "British archives, the author compares the instructions, the negotiating tactics and the informal contacts of both "
    "delegations. In the…"
)


def seed_record(url: str = "https://fmp.elpub.ru/jour/article/view/147", abstract_source: str = "web:highwire") -> Record:
    """The first case's catalogue record: subjects empty, abstract cut at "In the…"."""
    rec = Record.new(
        "journalArticle",
        source="web:highwire",
        title=SEED_TITLE,
        date="2022-11-01",
        publicationTitle=SEED_JOURNAL,
        ISSN="2076-7404",
        url=url,
        language="en",
    )
    rec.set("creators", [{"creatorType": "author", "firstName": "E. Yu.", "lastName": "Sergeev"}], "web:highwire")
    rec.set("abstractNote", SEED_CUT_ABSTRACT, abstract_source)
    return rec


class FnPlugin:
    """An in-process add-on whose enrich hook calls ``fn`` (tests register several of these)."""

    REFDESK_API_VERSION = "1.0"

    def __init__(self, fn: Callable[[RecordView, PluginContext], Any]) -> None:
        self.fn = fn

    @hookimpl
    def enrich(self, record: RecordView, context: PluginContext) -> Enrichment | None:
        return self.fn(record, context)  # type: ignore[no-any-return]


@pytest.fixture
def with_plugins(ctx: AppContext) -> Callable[..., AppContext]:
    """Make ``ctx`` (the shared AppContext fixture) run exactly these in-process add-ons (no installed ones)."""

    def use(**plugins: object) -> AppContext:
        manager.use_host(ctx, PluginHost(ctx.settings, entry_points=[], objects=plugins))
        return ctx

    return use


def make_wheel(folder: Path, name: str, requires: list[str], version: str = "0.1.0",
               modules: dict[str, str] | None = None) -> Path:
    """A minimal add-on wheel written by hand (no build backend, so no package index is needed).

    ``modules`` (add-on name -> source) makes one entry point per add-on, each in its own module, instead of
    the one well-behaved ``plugin`` module."""
    import base64
    import hashlib
    import zipfile

    dist = f"refdesk_{name.replace('-', '_')}"
    info = f"{dist}-{version}.dist-info"
    files = {
        f"{dist}/__init__.py": "",
        f"{dist}/plugin.py": (
            "from refdesk.plugins.api import hookimpl\n"
            'REFDESK_API_VERSION = "1.0"\n\n'
            "@hookimpl\ndef enrich(record, context):\n    return None\n"
        ),
        f"{info}/METADATA": "Metadata-Version: 2.1\n"
        f"Name: refdesk-{name}\nVersion: {version}\nSummary: A hand-made test add-on\n"
        + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: refdesk-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{info}/entry_points.txt": f"[refdesk.plugins]\n{name} = {dist}.plugin\n",
    }
    if modules:
        del files[f"{dist}/plugin.py"]
        for addon, source in modules.items():
            files[f"{dist}/{addon.replace('-', '_')}.py"] = source
        files[f"{info}/entry_points.txt"] = "[refdesk.plugins]\n" + "".join(
            f"{addon} = {dist}.{addon.replace('-', '_')}\n" for addon in modules)
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"refdesk_{name.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return wheel
