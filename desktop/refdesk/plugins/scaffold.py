"""``refdesk plugins new NAME``: a ready-to-install add-on with pyproject, README and a passing test."""

from __future__ import annotations

import re
from pathlib import Path

from refdesk import __version__
from refdesk.errors import InvalidInputError
from refdesk.plugins.api import API_VERSION, ENTRY_POINT_GROUP

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")


def refdesk_range(version: str = __version__) -> str:
    """The dependency an add-on declares: this release line (``>=0.1,<0.2``; ``>=1.0,<2`` from 1.0 on)."""
    major, minor = (int(p) for p in version.split(".")[:2])
    upper = f"{major}.{minor + 1}" if major == 0 else str(major + 1)
    return f"refdesk>={major}.{minor},<{upper}"


PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "refdesk-{name}"
version = "0.1.0"
description = "{description}"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["{requirement}"]

[project.optional-dependencies]
test = ["pytest>=8"]

[project.entry-points."{group}"]
{name} = "{package}.{module}"

[tool.setuptools.packages.find]
where = ["src"]

[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]
"""

README = """\
# refdesk-{name}

A refdesk add-on: it asks a web service for the subjects of a record, by DOI
(`GET <base_url>/subjects?doi=<DOI>` answering `{{"subjects": ["...", ...]}}`), and
suggests them to refdesk, which stores them for review (`refdesk suggestions`).

## Files

    pyproject.toml                     name, version, the refdesk it needs, the entry point
    src/{package}/plugin.py      REFDESK_API_VERSION and the @hookimpl enrich
    tests/test_{package}.py      runs the hook against a local HTTP server
    .gitignore

## Test

The tests import refdesk, so run them with the Python refdesk runs on (the first
line of `refdesk plugins list` names it; `refdesk plugins new` printed it too):

    /path/to/refdesk/python -m pytest

If that environment has no pytest: `/path/to/refdesk/python -m pip install pytest`.

## Install, run, remove

    refdesk plugins install .          # editable (pip install -e): refdesk runs the code in this folder
    refdesk plugins list               # {name}  refdesk-{name}  0.1.0  enrichment  enabled  from editable: ...
    refdesk enrich --all --plugin {name}
    refdesk plugins disable {name}     # or enable; kept in refdesk's settings.toml
    refdesk plugins uninstall {name}

`install` loads the add-on as refdesk will and exits 1, naming the reason, if it cannot run.

## Settings

In refdesk's settings.toml:

    [plugin_settings.{name}]
    base_url = "https://example.org/api"   # default

For one run: `REFDESK_PLUGIN_{env}__BASE_URL=http://127.0.0.1:8000 refdesk enrich ...`

See refdesk's docs/plugin-authoring.md for the hooks and the context.
"""

GITIGNORE = """\
__pycache__/
*.py[cod]
*.egg-info/
build/
dist/
.pytest_cache/
.venv/
"""

PLUGIN = '''\
"""refdesk-{name}: suggests subjects for a record from a web service, by DOI."""

from __future__ import annotations

from refdesk.plugins.api import SUBJECT, Enrichment, PluginContext, RecordView, hookimpl

REFDESK_API_VERSION = "{api}"

DEFAULT_BASE_URL = "https://example.org/api"


@hookimpl
def enrich(record: RecordView, context: PluginContext) -> Enrichment | None:
    """Ask ``<base_url>/subjects?doi=...`` for ``{{"subjects": ["...", ...]}}``."""
    if not record.doi:
        return None  # nothing to look up by
    base = str(context.settings.get("base_url", DEFAULT_BASE_URL)).rstrip("/")
    url = f"{{base}}/subjects"
    answer = context.get_json(url, params={{"doi": record.doi}})  # other failures: refdesk reports them with this add-on's name
    if not isinstance(answer, dict):
        return None  # 404: the service does not know this DOI
    found = Enrichment()
    for subject in answer.get("subjects", []):
        if isinstance(subject, str) and subject.strip():
            found.add(SUBJECT, subject.strip(), source="{name}", evidence_url=f"{{url}}?doi={{record.doi}}", confidence=0.7)
    return found
'''

TEST = '''\
"""Runs the add-on against a local HTTP server: tests never call the real service."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from refdesk.plugins.api import SUBJECT, PluginContext, RecordView

from {package} import plugin


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/subjects?doi=10.1234"):
            body = json.dumps({{"subjects": ["Ecology", "Climate change"]}}).encode()
            self.send_response(200)
        else:
            body = b'{{"error": "not found"}}'
            self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{{server.server_port}}"
    server.shutdown()
    server.server_close()


def test_suggests_subjects_by_doi(base_url: str) -> None:
    context = PluginContext.for_tests("{name}", settings={{"base_url": base_url}})
    record = RecordView.from_data({{"itemType": "journalArticle", "title": "A study", "DOI": "10.1234/abc"}})
    found = plugin.enrich(record=record, context=context)
    assert found is not None
    assert [(s.field, s.value) for s in found] == [(SUBJECT, "Ecology"), (SUBJECT, "Climate change")]


def test_unknown_doi_gives_nothing(base_url: str) -> None:
    context = PluginContext.for_tests("{name}", settings={{"base_url": base_url}})
    record = RecordView.from_data({{"itemType": "journalArticle", "DOI": "10.9999/unknown"}})
    assert plugin.enrich(record=record, context=context) is None


def test_declares_the_api_version() -> None:
    assert plugin.REFDESK_API_VERSION == "{api}"
'''


def new_plugin(name: str, parent: Path) -> Path:
    """Write ``refdesk-NAME/`` under ``parent``; refuses to overwrite anything."""
    return write_skeleton(name, parent, example="my-source", values={
        "group": ENTRY_POINT_GROUP, "module": "plugin",
        "description": "A refdesk add-on that suggests subjects from a web service"}, files={
        "README.md": README,
        "src/{package}/__init__.py": '"""refdesk-{name}: a refdesk add-on."""\n',
        "src/{package}/plugin.py": PLUGIN,
        "tests/test_{package}.py": TEST,
    })


def write_skeleton(name: str, parent: Path, *, example: str, values: dict[str, str], files: dict[str, str]) -> Path:
    """Both kinds of skeleton: the name checked, nothing overwritten, the pyproject and ``.gitignore`` shared, and
    every path and template filled from the same values (name, package, API version, refdesk requirement)."""
    name = name.strip().lower().removeprefix("refdesk-")
    if not _NAME.match(name):
        raise InvalidInputError(f"'{name}' is not a valid add-on name: use lower-case letters, digits and dashes, e.g. '{example}'")
    package = "refdesk_" + name.replace("-", "_")
    root = parent / f"refdesk-{name}"
    if root.exists():
        raise InvalidInputError(f"{root} already exists; choose another name or folder")
    filled = {"name": name, "package": package, "api": API_VERSION, "requirement": refdesk_range(),
              "env": name.upper().replace("-", "_"), **values}
    for rel, template in {"pyproject.toml": PYPROJECT, ".gitignore": GITIGNORE, **files}.items():
        path = root / rel.format(**filled)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**filled), encoding="utf-8")
    return root
